import AgentLink
import AgentRuntime
import ArgumentParser
import AsyncHTTPClient
import Foundation
import HawserProtocol
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// `make bench`'s scale test (`scripts/bench-scale.sh`): runs a hub as a child process and
/// `agents` simulated agents in this one. Each simulated agent registered with a real bootstrap
/// token and CSR and holds a real mutual-TLS link with the real protocol (HubLink, the agent's
/// own link code); it applies nothing, acknowledges assignments with a status, and can send
/// statuses as fast as the hub acknowledges them. Measures connections held and the hub's
/// memory per connection, fan-out latency to `fanoutAgents` clusters, status fan-in, and a
/// reconnect storm after the hub is killed and restarted. Prints one JSON object.
struct LoadGen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "loadgen")
    @Option(help: "The hawser-hub binary to run.") var hubBinary: String
    @Option(help: "Directory for the hub's data and the agents' state.") var workDir: String
    @Option var agents: Int = 10_000
    @Option(help: "Clusters the fan-out app targets (and that send statuses).") var fanoutAgents: Int = 1000
    @Option(help: "Agents kept connected through the hub restart.") var stormAgents: Int = 1000
    @Option(help: "Seconds of status fan-in.") var statusSeconds: Double = 10
    @Option(help: "Statuses each agent may have unacknowledged during fan-in.") var window: Int = 16
    @Option(help: "Fan-out rounds (each a new commit and a refresh).") var rounds: Int = 3

    func run() async throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        guard Int(limit.rlim_cur) > agents + 500 else {
            throw ValidationError("the open-file limit (\(limit.rlim_cur)) is too low for \(agents) connections; raise it (ulimit -n) or lower --agents")
        }
        var logger = Logger(label: "bench.loadgen")
        logger.logLevel = .critical
        try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        let hub = try HubChild(binary: hubBinary, dataDir: workDir + "/hub")
        try await hub.start()
        defer { hub.kill() }
        let api = try APIClient(url: hub.apiURL, token: hub.token())
        var out: [String: Double] = ["agents": Double(agents), "fanout_agents": Double(fanoutAgents), "storm_agents": Double(stormAgents), "window": Double(window)]
        let idleKB = hub.kilobytes("VmRSS")
        out["hub_rss_idle_mb"] = Double(idleKB) / 1024
        progress("hub up (\(idleKB / 1024) MB); registering \(agents) clusters")

        // Registration: a bootstrap token and a join (CSR → certificate) per cluster.
        let registerStart = ContinuousClock.now
        let fleet = Fleet()
        try await withThrowingTaskGroup(of: SimAgent.self) { group in
            var next = 0
            func add() {
                let i = next
                next += 1
                group.addTask {
                    let name = String(format: "sim-%05d", i)
                    let added = try await api.call(.POST, "/api/v1/clusters",
                                                   ClusterCreateRequest(name: name, labels: ["loadgen": "yes", "fanout": i < fanoutAgents ? "yes" : "no"]),
                                                   as: ClusterCreateResponse.self)
                    let state = AgentStateDirectory(path: workDir + "/agents/" + name)
                    try FileManager.default.createDirectory(atPath: state.path, withIntermediateDirectories: true)
                    let identity = try await AgentJoin.join(hub: hub.agentAddress, token: added.bootstrapToken, caPin: added.caFingerprint, stateDirectory: state)
                    return SimAgent(index: i, state: state, clusterId: identity.clusterId, fleet: fleet)
                }
            }
            for _ in 0..<min(8, agents) { add() }
            while let agent = try await group.next() {
                fleet.add(agent)
                if next < agents { add() }
                if fleet.count % 1000 == 0 { progress("registered \(fleet.count)") }
            }
        }
        out["register_seconds"] = (ContinuousClock.now - registerStart).seconds

        // First the fan-out clusters only: fan-out and fan-in are measured at N = fanoutAgents.
        for agent in fleet.all.prefix(fanoutAgents) { agent.start(endpoint: try HubEndpoint(hub.agentAddress), logger: logger) }
        try await waitFor("\(fanoutAgents) connected", timeout: .seconds(600)) { fleet.connectedCount == fanoutAgents }

        // Fan-out: one fleet app on `fanoutAgents` clusters; a commit and a refresh per round.
        let repo = workDir + "/repo"
        try git(["init", "-q", "-b", "main", repo])
        try FileManager.default.createDirectory(atPath: repo + "/app", withIntermediateDirectories: true)
        func commit(_ round: Int) throws {
            try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: loadgen\ndata:\n  round: \"\(round)\"\n".write(toFile: repo + "/app/cm.yaml", atomically: true, encoding: .utf8)
            try git(["-C", repo, "add", "-A"])
            try git(["-C", repo, "-c", "user.name=Hawser Bench", "-c", "user.email=bench@hawser.invalid", "commit", "-qm", "round \(round)"])
        }
        try commit(0)
        _ = try await api.call(.POST, "/api/v1/applications",
                               AppSpec(name: "loadgen", repoURL: repo, path: "app", cluster: "", namespace: "loadgen", clusterSelector: "fanout=yes"), as: AppView.self)
        try await waitFor("first assignment on \(fanoutAgents) clusters", timeout: .seconds(600)) { fleet.holding(generationAtLeast: 1) == fanoutAgents }
        var round = 0
        /// `rounds` new commits, each refreshed; every delivery's latency.
        func fanOut() async throws -> [Double] {
            var latencies: [Double] = []
            for _ in 1...max(1, rounds) {
                round += 1
                try commit(round)
                let generation = fleet.maxGeneration + 1
                let started = ContinuousClock.now
                fleet.startRound(at: started)
                _ = try await api.call(.POST, "/api/v1/applications/loadgen/refresh", String?.none, as: AppView.self)
                try await waitFor("round \(round) on every cluster", timeout: .seconds(300)) { fleet.holding(generationAtLeast: generation) == fanoutAgents }
                let these = fleet.roundLatencies()
                latencies += these
                progress("fan-out round \(round): max \(Int((these.max() ?? 0) * 1000)) ms")
            }
            return latencies.sorted()
        }
        let latencies = try await fanOut()
        out["fanout_p50_ms"] = percentile(latencies, 0.50) * 1000
        out["fanout_p99_ms"] = percentile(latencies, 0.99) * 1000
        out["fanout_max_ms"] = (latencies.last ?? 0) * 1000
        out["fanout_samples"] = Double(latencies.count)

        // Status fan-in: every fan-out agent sends statuses as fast as they are acknowledged.
        try await Task.sleep(for: .seconds(2))
        let storedBefore = try await hub.metric("hawser_agent_statuses_total", label: "result=\"stored\"")
        let acksBefore = fleet.ackTotal
        let fanInStart = ContinuousClock.now
        let deadline = fanInStart + .milliseconds(Int(statusSeconds * 1000))
        await withTaskGroup(of: Void.self) { group in
            for agent in fleet.all.prefix(fanoutAgents) {
                group.addTask { await agent.blast(until: deadline, window: window) }
            }
        }
        let fanInSeconds = (ContinuousClock.now - fanInStart).seconds
        let storedAfter = try await hub.metric("hawser_agent_statuses_total", label: "result=\"stored\"")
        out["status_stored_per_second"] = (storedAfter - storedBefore) / fanInSeconds
        out["status_acked_per_second"] = Double(fleet.ackTotal - acksBefore) / fanInSeconds
        progress("fan-in: \(Int(out["status_stored_per_second"] ?? 0)) statuses/s stored")

        // Now all of them: connections held, memory, and the same fan-out with N connected.
        let connectStart = ContinuousClock.now
        for agent in fleet.all.dropFirst(fanoutAgents) { agent.start(endpoint: try HubEndpoint(hub.agentAddress), logger: logger) }
        try await waitFor("all \(agents) connected", timeout: .seconds(600)) { fleet.connectedCount == agents }
        out["connect_seconds"] = (ContinuousClock.now - connectStart).seconds
        try await Task.sleep(for: .seconds(3))
        let heldKB = hub.kilobytes("VmRSS")
        out["connections_held"] = try await hub.metric("hawser_agents_connected")
        out["hub_rss_held_mb"] = Double(heldKB) / 1024
        out["hub_rss_per_connection_kb"] = Double(heldKB - idleKB) / Double(agents)
        progress("\(agents) connected; hub \(heldKB / 1024) MB")
        let crowded = try await fanOut()
        out["fanout_all_connected_p50_ms"] = percentile(crowded, 0.50) * 1000
        out["fanout_all_connected_p99_ms"] = percentile(crowded, 0.99) * 1000
        out["hub_rss_peak_mb"] = Double(hub.kilobytes("VmHWM")) / 1024

        // Reconnect storm: keep `stormAgents`, kill -9 the hub, start it again.
        for agent in fleet.all.dropFirst(stormAgents) { await agent.stop() }
        try await waitFor("down to \(stormAgents) agents", timeout: .seconds(120)) { (try? await hub.metric("hawser_agents_connected")) == Double(stormAgents) }
        let kept = Array(fleet.all.prefix(stormAgents))
        let killedAt = ContinuousClock.now
        hub.kill()
        try await waitFor("agents noticed", timeout: .seconds(60)) { kept.allSatisfy { !$0.isConnected } }
        try await hub.start()
        let readyAt = ContinuousClock.now
        try await waitFor("all \(stormAgents) back", timeout: .seconds(300)) { kept.allSatisfy { $0.isConnected } }
        let back = kept.compactMap(\.lastWelcome)
        let last = back.max() ?? readyAt
        out["storm_hub_restart_seconds"] = (readyAt - killedAt).seconds
        out["storm_all_back_after_ready_seconds"] = (last - readyAt).seconds
        out["storm_all_back_after_kill_seconds"] = (last - killedAt).seconds
        var buckets: [Int: Int] = [:]
        for w in back { buckets[Int((w - readyAt).seconds.rounded(.down)), default: 0] += 1 }
        out["storm_peak_connections_per_second"] = Double(buckets.values.max() ?? 0)
        for agent in kept { await agent.stop() }

        let json = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    func progress(_ s: String) {
        FileHandle.standardError.write(Data("loadgen: \(s)\n".utf8))
    }

    func waitFor(_ what: String, timeout: Duration, _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !(await condition()) {
            guard ContinuousClock.now < deadline else { throw ValidationError("timed out after \(timeout) waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    func git(_ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git"] + args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ValidationError("git \(args.joined(separator: " ")) failed") }
    }
}

/// The simulated agents, and what they saw.
final class Fleet: Sendable {
    private let agents = Mutex<[SimAgent]>([])
    private let round = Mutex<(start: ContinuousClock.Instant?, latencies: [Double])>((nil, []))
    let connected = Atomic<Int>(0)

    func add(_ a: SimAgent) { agents.withLock { $0.append(a) } }
    var all: [SimAgent] { agents.withLock { $0.sorted { $0.index < $1.index } } }
    var count: Int { agents.withLock { $0.count } }
    var connectedCount: Int { connected.load(ordering: .relaxed) }
    var maxGeneration: Int { all.map(\.generation).max() ?? 0 }
    func holding(generationAtLeast g: Int) -> Int { all.filter { $0.generation >= g }.count }

    func startRound(at t: ContinuousClock.Instant) { round.withLock { $0 = (t, []) } }
    func assigned(at t: ContinuousClock.Instant) {
        round.withLock { r in if let s = r.start { r.latencies.append((t - s).seconds) } }
    }
    func roundLatencies() -> [Double] { round.withLock { $0.latencies } }

    private let ackCount = Atomic<Int>(0)
    func acked() { ackCount.add(1, ordering: .relaxed) }
    /// Status acknowledgements received, since start.
    var ackTotal: Int { ackCount.load(ordering: .relaxed) }
}

/// One simulated agent: the real link, a delegate that holds assignments and answers each
/// with a status.
final class SimAgent: HubLinkDelegate {
    let index: Int
    let state: AgentStateDirectory
    let clusterId: String
    let fleet: Fleet
    let statusStream = UUID().uuidString.lowercased()
    struct Held {
        var sender: FrameSender?
        var assignment: Assignment?
        var nextSeq: UInt64 = 1
        var acked: UInt64 = 0
        var welcomes = 0
        var lastWelcome: ContinuousClock.Instant?
    }
    private let held = Mutex(Held())
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let ackWake = Mutex<AsyncStream<Void>.Continuation?>(nil)

    init(index: Int, state: AgentStateDirectory, clusterId: String, fleet: Fleet) {
        self.index = index
        self.state = state
        self.clusterId = clusterId
        self.fleet = fleet
    }

    func start(endpoint: HubEndpoint, logger: Logger) {
        let link = HubLink(options: .init(endpoint: endpoint), delegate: self, logger: logger)
        task.withLock { $0 = Task { await link.run() } }
    }

    func stop() async {
        let t = task.withLock { $0 }
        t?.cancel()
        await t?.value
    }

    var generation: Int { held.withLock { $0.assignment?.generation ?? 0 } }
    var isConnected: Bool { held.withLock { $0.sender != nil } }
    var lastWelcome: ContinuousClock.Instant? { held.withLock { $0.lastWelcome } }

    func credentials() async throws -> LinkCredentials { try state.credentials() }

    func hello() async -> Hello {
        let a = held.withLock { $0.assignment }
        var last: [String: AppliedRevision] = [:]
        if let a { last[a.appId] = AppliedRevision(revision: a.revision, generation: a.generation, bundle: a.bundle) }
        return Hello(protocolVersions: ProtocolVersion.supported, agentVersion: "loadgen", clusterId: clusterId, kubernetesVersion: nil,
                     lastApplied: last, bundles: a?.bundle.map { [$0] } ?? [], statusStream: statusStream)
    }

    func connected(_ welcome: Welcome, sender: FrameSender) async {
        held.withLock {
            $0.sender = sender
            $0.welcomes += 1
            $0.lastWelcome = .now
            if let s = welcome.statusSeq, s >= $0.nextSeq { $0.nextSeq = s + 1 }
            if let s = welcome.statusSeq { $0.acked = max($0.acked, s) }
        }
        fleet.connected.add(1, ordering: .relaxed)
    }

    func disconnected() async {
        let was = held.withLock { h -> Bool in
            defer { h.sender = nil }
            return h.sender != nil
        }
        if was { fleet.connected.subtract(1, ordering: .relaxed) }
    }

    func received(_ frame: Frame) async {
        switch frame {
        case .assignment(var a):
            if a.manifestsOmitted, let previous = held.withLock({ $0.assignment }), previous.bundle == a.bundle {
                a.manifests = previous.manifests
                a.manifestsOmitted = false
            }
            let isNew = held.withLock { h -> Bool in
                defer { h.assignment = a }
                return (h.assignment?.generation ?? 0) < a.generation
            }
            if isNew { fleet.assigned(at: .now) }
            await report(a, health: .healthy)
        case .ack(let ack):
            if let s = ack.streamSeq {
                held.withLock { $0.acked = max($0.acked, s) }
                fleet.acked()
                _ = ackWake.withLock { $0?.yield() }
            }
        case .error(let e) where e.code == .bundleMissing:
            break
        default:
            break
        }
    }

    /// Sends one status for the held assignment at the next stream position.
    @discardableResult
    func report(_ a: Assignment, health: HealthStatusCode) async -> Bool {
        let (sender, seq) = held.withLock { h -> (FrameSender?, UInt64) in
            defer { if h.sender != nil { h.nextSeq += 1 } }
            return (h.sender, h.nextSeq)
        }
        guard let sender else { return false }
        let status = AppStatusReport(appId: a.appId, observedRevision: a.revision, observedGeneration: a.generation, sync: .synced, health: health,
                                     resources: [], streamSeq: seq)
        do { try await sender.send(.status(status)) } catch { return false }
        return true
    }

    /// Statuses as fast as the hub acknowledges them, at most `window` ahead, until `deadline`.
    func blast(until deadline: ContinuousClock.Instant, window: Int) async {
        guard let a = held.withLock({ $0.assignment }) else { return }
        let (wakeups, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        ackWake.withLock { $0 = continuation }
        defer { ackWake.withLock { $0 = nil } }
        var iterator = wakeups.makeAsyncIterator()
        while ContinuousClock.now < deadline {
            let inFlight = held.withLock { Int($0.nextSeq - 1 - $0.acked) }
            if inFlight < window {
                guard await report(a, health: .healthy) else { return }
            } else {
                _ = await iterator.next()
            }
        }
    }
}

/// The hub as a child process: started, killed with SIGKILL, started again on the same ports
/// and data directory.
final class HubChild: @unchecked Sendable {
    let binary: String
    let dataDir: String
    let apiPort: Int
    let agentPort: Int
    let metricsPort: Int
    private var process: Process?
    private let lock = NSLock()

    init(binary: String, dataDir: String) throws {
        self.binary = binary
        self.dataDir = dataDir
        apiPort = try Self.freePort()
        agentPort = try Self.freePort()
        metricsPort = try Self.freePort()
    }

    var apiURL: String { "http://127.0.0.1:\(apiPort)" }
    var agentAddress: String { "127.0.0.1:\(agentPort)" }

    func start() async throws {
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["--data-dir", dataDir, "--api-address", "127.0.0.1:\(apiPort)", "--agent-address", "127.0.0.1:\(agentPort)",
                       "--metrics-address", "127.0.0.1:\(metricsPort)", "--poll-interval", "86400", "--log-level", "warning"]
        FileManager.default.createFile(atPath: dataDir + "/hub.out", contents: nil)
        let outFile = FileHandle(forUpdatingAtPath: dataDir + "/hub.out")!
        outFile.seekToEndOfFile()
        p.standardOutput = outFile
        p.standardError = outFile
        try p.run()
        lock.withLock { process = p }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let r = try? await HTTPClient.shared.execute(HTTPClientRequest(url: apiURL + "/readyz"), timeout: .seconds(2)), r.status == .ok { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ValidationError("the hub did not become ready; see \(dataDir)/hub.out")
    }

    func token() throws -> String {
        let text = try String(contentsOfFile: dataDir + "/hub.out", encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.contains("Admin token:") }),
              let token = line.split(separator: " ").last else { throw ValidationError("no admin token in \(dataDir)/hub.out") }
        return String(token)
    }

    func kill() {
        lock.withLock {
            guard let p = process, p.isRunning else { return }
            Foundation.kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            process = nil
        }
    }

    /// A field of /proc/PID/status, in kB.
    func kilobytes(_ field: String) -> Int {
        guard let pid = lock.withLock({ process?.processIdentifier }),
              let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return 0 }
        return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" })[1]) ?? 0
    }

    func metric(_ name: String, label: String? = nil) async throws -> Double {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(metricsPort)/metrics"), timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 64 << 20))
        var sum = 0.0
        for line in text.split(separator: "\n") where line.hasPrefix(name) && !line.hasPrefix("#") {
            let series = line.split(separator: " ")[0]
            guard series == name || series.hasPrefix(name + "{") else { continue }
            if let label, !series.contains(label) { continue }
            sum += Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return sum
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ValidationError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
