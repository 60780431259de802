// Test harness: a KubeSim on an ephemeral port, a kubeconfig for it, the real kubectl to drive it,
// and an AsyncHTTPClient for requests kubectl cannot make (raw watches, bad credentials).

import AsyncHTTPClient
import Foundation
import HawserProtocol
import KubeSim
import Subprocess
import Testing

/// Package root, derived from this file's location (Tests/KubeSimTests/TestCluster.swift).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Shared test fixtures live next to the package: <package root>/../shared/fixtures.
let fixtures = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")

enum KubectlLocator {
    /// `HAWSER_KUBECTL`, else `<package root>/.venv/bin/kubectl` (installed by `make test`), else PATH.
    static func locate() -> String? {
        let env = ProcessInfo.processInfo.environment
        if let path = env["HAWSER_KUBECTL"], !path.isEmpty { return path }
        let venv = packageRoot.appendingPathComponent(".venv/bin/kubectl").path
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        for dir in (env["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(dir)/kubectl"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

struct KubectlResult: Sendable {
    var succeeded: Bool
    var stdout: String
    var stderr: String
    /// The exit code (`kubectl diff` exits 1 when there are differences), nil if killed by a signal.
    var exitCode: Int? = nil
    var output: String { stdout + stderr }
}

/// The real kubectl against one kubeconfig, with its own discovery cache so nothing leaks between
/// tests. Shared by TestCluster (KubeSim) and the cross-check suite (KubeSim or a real cluster).
struct Kubectl: Sendable {
    let path: String
    let kubeconfig: String
    let cacheDirectory: String

    func run(_ arguments: [String], stdin: String? = nil) async throws -> KubectlResult {
        let args = ["--kubeconfig", kubeconfig, "--cache-dir", cacheDirectory] + arguments
        let url = URL(fileURLWithPath: path)
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let environment = Environment.inherit.updating(["PATH": url.deletingLastPathComponent().path + ":" + searchPath])
        let executable = Executable.name(url.lastPathComponent)
        let result = if let stdin {
            try await Subprocess.run(executable, arguments: Arguments(args), environment: environment, input: .string(stdin),
                                     output: .string(limit: 4 << 20), error: .string(limit: 1 << 20))
        } else {
            try await Subprocess.run(executable, arguments: Arguments(args), environment: environment,
                                     output: .string(limit: 4 << 20), error: .string(limit: 1 << 20))
        }
        var code: Int?
        if case .exited(let c) = result.terminationStatus { code = Int(c) }
        return KubectlResult(
            succeeded: result.terminationStatus.isSuccess, stdout: result.standardOutput ?? "", stderr: result.standardError ?? "", exitCode: code)
    }
}

struct TestCluster: Sendable {
    let sim: KubeSim
    let directory: URL
    let kubeconfig: String
    let kubectlPath: String

    static func start(readyDelay: Duration = .zero, failureDelay: Duration? = nil) async throws -> TestCluster {
        let kubectl = try #require(
            KubectlLocator.locate(),
            "kubectl not found: set HAWSER_KUBECTL, or run `make test` (which installs kubectl into .venv)")
        let sim = try await KubeSim.start(KubeSimConfiguration(port: 0, deploymentReadyDelay: readyDelay, failureDelay: failureDelay))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kubesim-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let kubeconfig = dir.appendingPathComponent("kubeconfig").path
        try sim.writeKubeconfig(to: kubeconfig)
        return TestCluster(sim: sim, directory: dir, kubeconfig: kubeconfig, kubectlPath: kubectl)
    }

    func shutdown() async {
        await sim.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    func kubectl(_ arguments: String..., stdin: String? = nil) async throws -> KubectlResult {
        try await kubectlArray(arguments, stdin: stdin)
    }

    /// kubectl that must succeed; returns stdout.
    @discardableResult
    func kubectlOK(_ arguments: String..., stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let result = try await kubectlArray(arguments, stdin: stdin)
        #expect(result.succeeded, "kubectl \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Runs the real kubectl against this cluster (own discovery cache, so no state leaks between tests).
    func kubectlArray(_ arguments: [String], stdin: String? = nil) async throws -> KubectlResult {
        try await kubectlRunner.run(arguments, stdin: stdin)
    }

    var kubectlRunner: Kubectl {
        Kubectl(path: kubectlPath, kubeconfig: kubeconfig, cacheDirectory: directory.appendingPathComponent("cache").path)
    }

    /// `kubectl get ... -o json`, parsed.
    func getJSON(_ arguments: String...) async throws -> JSONValue {
        let out = try await kubectlArray(["get"] + arguments + ["-o", "json"])
        try #require(out.succeeded, "kubectl get \(arguments) failed: \(out.stderr)")
        return try JSONValue.parse(Data(out.stdout.utf8))
    }

    // MARK: Direct HTTP

    /// Runs `body` with an HTTP client that trusts the cluster's CA, shutting the client down afterwards.
    func withHTTP<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: try sim.clientTLSConfiguration()))
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// A GET (change `.method` for others) carrying the bearer token unless `authenticated` is false.
    func request(_ path: String, body: JSONValue? = nil, contentType: String = "application/json", authenticated: Bool = true) -> HTTPClientRequest {
        var req = HTTPClientRequest(url: sim.url + path)
        if authenticated { req.headers.add(name: "Authorization", value: "Bearer \(sim.token)") }
        if let body {
            req.headers.add(name: "Content-Type", value: contentType)
            req.body = .bytes(Array((try? body.jsonData()) ?? Data()))
        }
        return req
    }
}

/// Runs `body` against a fresh cluster and always shuts it down.
func withCluster<T>(
    readyDelay: Duration = .zero, failureDelay: Duration? = nil, _ body: (TestCluster) async throws -> T
) async throws -> T {
    let cluster = try await TestCluster.start(readyDelay: readyDelay, failureDelay: failureDelay)
    do {
        let result = try await body(cluster)
        await cluster.shutdown()
        return result
    } catch {
        await cluster.shutdown()
        throw error
    }
}

extension HTTPClientResponse {
    func json() async throws -> JSONValue {
        let buffer = try await body.collect(upTo: 16 << 20)
        return try JSONValue.parse(Data(buffer.readableBytesView))
    }
}

/// Polls `check` every 50 ms until it holds or `timeout` passes; returns whether it held. Tests
/// wait for simulated (or real) controllers this way instead of sleeping a fixed time.
func eventually(timeout: Duration = .seconds(10), _ check: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await check() { return true }
        if ContinuousClock.now >= deadline { return false }
        try await Task.sleep(for: .milliseconds(50))
    }
}
