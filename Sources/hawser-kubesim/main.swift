// hawser-kubesim: runs KubeSim as a standalone API server for demos and manual testing,
// e.g. `hawser-kubesim --kubeconfig /tmp/kubesim.yaml` then `kubectl --kubeconfig /tmp/kubesim.yaml get ns`.

import ArgumentParser
import Dispatch
import Foundation
import KubeSim
import Logging

@main
struct HawserKubeSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hawser-kubesim",
        abstract: "An in-memory Kubernetes API server over HTTPS, for tests and demos.")

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 6443

    @Option(help: "Write a kubeconfig for this server to this path (mode 0600).")
    var kubeconfig: String?

    @Option(help: "Version reported by /version.")
    var kubernetesVersion = "v1.31.0"

    @Option(help: "Seconds a Deployment (and other workloads) takes to become ready after a change.")
    var deploymentReadyDelay: Double = 0

    @Option(help: "Seconds a workload with an image tagged `fail` takes to fail (default: twice the ready delay).")
    var failureDelay: Double?

    @Option(help: "Bearer token clients must present (random by default).")
    var token: String?

    @Option(help: "Log level (trace, debug, info, ...).")
    var logLevel: Logger.Level = .info

    func run() async throws {
        var logger = Logger(label: "kubesim")
        logger.logLevel = logLevel
        var config = KubeSimConfiguration(
            host: host, port: port, kubernetesVersion: kubernetesVersion,
            deploymentReadyDelay: .milliseconds(Int64((deploymentReadyDelay * 1000).rounded())),
            failureDelay: failureDelay.map { .milliseconds(Int64(($0 * 1000).rounded())) })
        if let token { config.token = token }
        let sim = try await KubeSim.start(config, logger: logger)
        if let kubeconfig { try sim.writeKubeconfig(to: kubeconfig) }
        let line = "KubeSim \(kubernetesVersion) listening on \(sim.url)" + (kubeconfig.map { " (kubeconfig: \($0))" } ?? " (token: \(sim.token))")
        // Unbuffered, so scripts waiting for this line see it at once.
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
        await waitForTerminationSignal()
        await sim.shutdown()
    }

    /// Suspends until SIGINT or SIGTERM, handled through Dispatch so the default action (an
    /// abrupt exit) is replaced by a clean shutdown.
    private func waitForTerminationSignal() async {
        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            sources.append(source)
        }
        for await _ in signals { break }
        sources.forEach { $0.cancel() }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
