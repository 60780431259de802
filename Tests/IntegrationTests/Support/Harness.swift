import AgentLink
import AgentRuntime
import Foundation
import HawserProtocol
import HubCore
import HubServer
import KubeSim
import Logging
import Synchronization

/// A clock tests move by hand (token expiry, certificate age) instead of sleeping.
final class TestClock: Sendable {
    private let value = Mutex(Date())
    var now: Date { value.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

func tempDirectory(_ prefix: String) -> String {
    let p = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))").path
    try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
    return p
}

/// A hub running in-process on loopback (ports chosen by the kernel), with its own data dir.
struct HubHarness {
    let server: HubServer
    let clock: TestClock
    let dataDirectory: String
    var hub: Hub { server.hub }
    var apiURL: String { "http://127.0.0.1:\(server.apiPort)" }
    var agentAddress: String { "127.0.0.1:\(server.agentPort)" }
    var adminToken: String { server.initialAdminToken ?? "" }

    static func start(heartbeat: Duration = .seconds(1), configure: (inout HubServer.Options) -> Void = { _ in }) async throws -> HubHarness {
        let clock = TestClock()
        var o = HubServer.Options()
        o.dataDirectory = tempDirectory("hawser-hub")
        o.apiPort = 0
        o.agentHost = "127.0.0.1"
        o.agentPort = 0
        o.heartbeatInterval = heartbeat
        o.pollInterval = .seconds(3600)
        o.now = { clock.now }
        configure(&o)
        var logger = Logger(label: "test.hub")
        logger.logLevel = .warning
        let server = try await HubServer.start(o, logger: logger)
        return HubHarness(server: server, clock: clock, dataDirectory: o.dataDirectory)
    }

    func stop() async { await server.shutdown() }

    /// Registers a cluster and joins an agent for it; returns the agent's state directory.
    func registerAgent(_ name: String, labels: [String: String] = [:]) async throws -> AgentStateDirectory {
        let added = try await hub.addCluster(ClusterCreateRequest(name: name, labels: labels))
        let state = AgentStateDirectory(path: tempDirectory("hawser-agent-\(name)"))
        _ = try await AgentJoin.join(hub: agentAddress, token: added.bootstrapToken, caPin: added.caFingerprint, stateDirectory: state)
        return state
    }

    /// Environment for running the `hawser` CLI against this hub.
    var cliEnvironment: [String: String] {
        ["HAWSER_SERVER": apiURL, "HAWSER_TOKEN": adminToken, "HAWSER_CONFIG": dataDirectory + "/cli.json"]
    }

    func cli(_ args: String...) async throws -> Proc.Output {
        try await Proc.run(try Proc.binary("hawser"), args, environment: cliEnvironment)
    }

    /// `hawser app get NAME -o json`, decoded.
    func appView(_ name: String) async throws -> AppView {
        let out = try await Proc.run(try Proc.binary("hawser"), ["app", "get", name, "-o", "json"], environment: cliEnvironment)
        guard out.ok else { throw TestFailure("hawser app get \(name) failed: \(out.stderr)") }
        return try WireJSON.decoder().decode(AppView.self, from: Data(out.stdout.utf8))
    }
}

/// An agent running in-process until stopped.
struct AgentHarness {
    let runner: AgentRunner
    let state: AgentStateDirectory
    let task: Task<Void, any Error>

    static func start(state: AgentStateDirectory, kubeconfig: String, resync: Duration = .seconds(1)) throws -> AgentHarness {
        var o = AgentRunner.Options(stateDirectory: state.path, kubeconfig: kubeconfig)
        o.resyncInterval = resync
        o.backoffCap = .seconds(1)
        var logger = Logger(label: "test.agent")
        logger.logLevel = .warning
        let runner = try AgentRunner(o, logger: logger)
        return AgentHarness(runner: runner, state: state, task: Task { try await runner.run() })
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// Polls `condition` until it holds or `timeout` passes; the failure names what was awaited.
func eventually(_ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    var lastError: (any Error)?
    while ContinuousClock.now < deadline {
        do {
            if try await condition() { return }
        } catch {
            lastError = error
        }
        try await Task.sleep(for: .milliseconds(200))
    }
    throw TestFailure("timed out after \(timeout) waiting for: \(what)\(lastError.map { " (last error: \($0))" } ?? "")")
}

/// KubeSim, an in-process hub and one agent registered for `cluster`: the usual stage for a
/// sync test. `stop()` takes it all down.
struct ClusterSetup {
    let sim: KubeSim
    let hub: HubHarness
    let agent: AgentHarness
    let kubeconfig: String

    /// A KubeSim and a kubeconfig for it.
    static func startSim(readyDelay: Duration = .zero) async throws -> (sim: KubeSim, kubeconfig: String) {
        var logger = Logger(label: "test.kubesim")
        logger.logLevel = .warning
        var config = KubeSimConfiguration()
        config.deploymentReadyDelay = readyDelay
        let sim = try await KubeSim.start(config, logger: logger)
        let kubeconfig = tempDirectory("kubesim") + "/kubeconfig"
        try sim.writeKubeconfig(to: kubeconfig)
        return (sim, kubeconfig)
    }

    static func start(_ cluster: String, readyDelay: Duration = .zero, resync: Duration = .seconds(1),
                      hub configure: (inout HubServer.Options) -> Void = { _ in }) async throws -> ClusterSetup {
        let (sim, kubeconfig) = try await startSim(readyDelay: readyDelay)
        let hub = try await HubHarness.start(configure: configure)
        let agent = try AgentHarness.start(state: try await hub.registerAgent(cluster), kubeconfig: kubeconfig, resync: resync)
        return ClusterSetup(sim: sim, hub: hub, agent: agent, kubeconfig: kubeconfig)
    }

    func stop() async {
        await agent.stop()
        await hub.stop()
        await sim.shutdown()
    }

    func get(_ apiVersion: String, _ kind: String, _ ns: String?, _ name: String) async -> JSONValue? {
        await sim.object(apiVersion: apiVersion, kind: kind, namespace: ns, name: name)
    }

    func configMap(_ name: String) async -> JSONValue? {
        await get("v1", "ConfigMap", "default", name)
    }

    func app(_ name: String) async throws -> AppView { try await hub.hub.app(named: name) }
}

/// Manifests several suites deploy.
enum Fixtures {
    /// A one-replica Deployment `web`; an image ending in `:fail` makes KubeSim degrade it.
    static func deployment(image: String) -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 1
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: c, image: "\(image)"}]}

        """
    }
}

