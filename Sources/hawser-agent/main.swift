import AgentLink
import AgentRuntime
import ArgumentParser
import Foundation
import HawserLogging
import Logging

/// `hawser-agent`: registers a cluster with a hub and keeps it reconciled.
@main
struct HawserAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hawser-agent",
        abstract: "Hawser's agent: dials the hub over mutual TLS and reconciles its assignments into this cluster.",
        version: AgentVersion.current,
        subcommands: [Join.self, Run.self])
}

struct Join: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Register this cluster with a hub using a one-time bootstrap token.")
    @Option(help: "The hub's agent address, HOST:PORT.") var hub: String
    @Option(help: "The bootstrap token from `hawser cluster add`.") var token: String
    @Option(name: .customLong("ca-sha256"), help: "The hub CA's fingerprint (sha256:...), printed by the hub and by `hawser cluster add`.") var caSHA256: String
    @Option(help: "Where to keep the key, certificate and desired state.") var stateDir: String = "./hawser-agent-state"

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        do {
            let identity = try await AgentJoin.join(hub: hub, token: token, caPin: caSHA256, stateDirectory: AgentStateDirectory(path: stateDir))
            print("Joined hub \(identity.hub) as cluster \"\(identity.clusterName)\" (\(identity.clusterId)).")
            print("Credentials are in \(stateDir). Start the agent with: hawser-agent run --state-dir \(stateDir) --kubeconfig <kubeconfig>")
        } catch {
            throw ValidationError("join failed: \(HubLink.explain(error))")
        }
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Connect to the hub and reconcile assignments until stopped.")
    @Option(help: "State directory written by `join`.") var stateDir: String = ProcessInfo.processInfo.environment["HAWSER_STATE_DIR"] ?? "./hawser-agent-state"
    @Option(help: "Kubeconfig file; without it the in-cluster service account is used.") var kubeconfig: String?
    @Option(help: "Seconds between full comparisons of live and desired state.") var resyncInterval: Double = 30
    @Option(help: "Cap of the reconnect backoff, in seconds.") var backoffCap: Double = 60
    @Option(help: "Only manage this namespace (for agents without cluster-wide rights).") var namespaceScope: String?
    @Option(help: "Join first when the state directory holds no certificate: file with the bootstrap token.") var joinTokenFile: String?
    @Option(help: "Hub address for --join-token-file (or HAWSER_HUB).") var hub: String?
    @Option(name: .customLong("ca-sha256"), help: "CA fingerprint for --join-token-file (or HAWSER_CA_SHA256).") var caSHA256: String?
    @Option(help: "trace, debug, info, notice, warning, error") var logLevel: String = "info"
    @Option(help: "text, or json (one object per line, for log pipelines).") var logFormat: String = "text"
    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics (e.g. 0.0.0.0:9469); off when not given.") var metricsAddress: String?
    @Option(help: "Statuses kept on disk while the hub is unreachable; superseded ones are compacted first, sync results dropped only past this (and then reported).") var statusQueueLimit: Int = 10_000

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        guard let format = LogFormat(rawValue: logFormat) else { throw ValidationError("--log-format must be text or json") }
        format.bootstrap(level: level)
        let state = AgentStateDirectory(path: stateDir)
        if !state.isJoined, let joinTokenFile {
            let env = ProcessInfo.processInfo.environment
            guard let hub = hub ?? env["HAWSER_HUB"], let caSHA256 = caSHA256 ?? env["HAWSER_CA_SHA256"] else { throw ValidationError("--join-token-file needs --hub and --ca-sha256") }
            let token = try String(contentsOfFile: joinTokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            _ = try await AgentJoin.join(hub: hub, token: token, caPin: caSHA256, stateDirectory: state)
        }
        var options = AgentRunner.Options(stateDirectory: stateDir, kubeconfig: kubeconfig)
        guard statusQueueLimit >= 100 else { throw ValidationError("--status-queue-limit must be at least 100 (one status per app, plus sync results)") }
        options.statusQueueLimit = statusQueueLimit
        options.resyncInterval = .milliseconds(Int(resyncInterval * 1000))
        options.backoffCap = .milliseconds(Int(backoffCap * 1000))
        options.namespaceScope = namespaceScope
        options.metricsAddress = metricsAddress
        let runner = try AgentRunner(options)
        let task = Task { try await runner.run() }
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .main)
            source.setEventHandler { task.cancel() }
            source.resume()
            SignalSources.keep(source)
        }
        try await task.value
    }
}

/// Keeps signal sources alive for the life of the process.
enum SignalSources {
    nonisolated(unsafe) static var sources: [any DispatchSourceSignal] = []
    static func keep(_ s: any DispatchSourceSignal) { sources.append(s) }
}
