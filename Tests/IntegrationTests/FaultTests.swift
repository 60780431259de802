import AgentLink
import AgentRuntime
import Foundation
import HawserProtocol
import HubCore
import Testing
import OIDCTestSupport
import Subprocess
import Synchronization
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Faults between a hub and its agents, in the test suite: a link that is partitioned, cut, or
/// read slowly. Nothing is lost or done twice, heartbeats find the dead link, and a slow reader
/// costs bounded memory and does not hold up other agents.
@Suite(.serialized) struct LinkFaultTests {
    static let configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: across\ndata:\n  color: blue\n"

    /// Points the agent's state directory at `address` (the proxy) instead of the hub.
    static func redirect(_ state: AgentStateDirectory, to address: String) throws {
        var identity = try state.identity()
        identity.hub = address
        try JSONEncoder().encode(identity).write(to: URL(fileURLWithPath: state.path + "/identity.json"))
    }

    @Test func aPartitionIsFoundByHeartbeatsOnBothSidesAndWhatHappenedMeanwhileArrivesOnce() async throws {
        let (sim, kubeconfig) = try await ClusterSetup.startSim()
        let h = try await HubHarness.start(heartbeat: .milliseconds(500))
        let state = try await h.registerAgent("island")
        let proxy = try TCPProxy(to: h.server.agentPort)
        try Self.redirect(state, to: proxy.address)
        let agent = try AgentHarness.start(state: state, kubeconfig: kubeconfig)
        defer { Task { await agent.stop(); proxy.close(); await h.stop(); await sim.shutdown() } }
        let repo = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap])
        _ = try await h.hub.createApp(AppSpec(name: "across", repoURL: repo.path, path: "app", cluster: "island", namespace: "default",
                                              syncPolicy: SyncPolicy(automated: true, selfHeal: true)))
        try await eventually("deployed") { try await h.hub.history(appNamed: "across").count == 1 }

        // Partition: the sockets stay open, nothing passes. Neither side gets a FIN.
        proxy.stall(true)
        let stalled = ContinuousClock.now
        try await eventually("the hub drops the silent agent", timeout: .seconds(10)) {
            try await h.hub.cluster(named: "island").connectionState == "Disconnected"
        }
        try await eventually("the agent drops the silent hub", timeout: .seconds(10)) { agent.runner.link.status != .connected }
        #expect(ContinuousClock.now - stalled < .seconds(8), "three 0.5 s heartbeat intervals, plus slack")

        // Meanwhile the agent keeps healing, and queues what it did.
        try await sim.mutate(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "across") { $0.set("red", at: ["data", "color"]) }
        try await eventually("healed during the partition") {
            await sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "across")?[path: ["data", "color"]] == "blue"
        }
        proxy.stall(false)
        try await eventually("the self-heal reached the hub", timeout: .seconds(30)) {
            try await h.hub.history(appNamed: "across").contains { $0.initiatedBy == "automated (self-heal)" }
        }
        try await eventually("connected again") { try await h.hub.cluster(named: "island").connectionState == "Connected" }
        try await eventually("the queue drained") { agent.runner.reconciler.outbox.count == 0 }
        #expect(try await h.hub.history(appNamed: "across").filter { $0.initiatedBy == "automated (self-heal)" }.count == 1)
    }

    @Test func aSyncWhoseAcknowledgementIsLostRunsOnce() async throws {
        let (sim, kubeconfig) = try await ClusterSetup.startSim()
        let h = try await HubHarness.start(heartbeat: .milliseconds(500))
        let state = try await h.registerAgent("lossy")
        let proxy = try TCPProxy(to: h.server.agentPort)
        try Self.redirect(state, to: proxy.address)
        let agent = try AgentHarness.start(state: state, kubeconfig: kubeconfig)
        defer { Task { await agent.stop(); proxy.close(); await h.stop(); await sim.shutdown() } }
        let repo = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap])
        _ = try await h.hub.createApp(AppSpec(name: "once", repoURL: repo.path, path: "app", cluster: "lossy", namespace: "default"))
        try await eventually("reported out of sync") { try await h.hub.app(named: "once").sync == .outOfSync }

        // The agent hears the hub but the hub does not hear the agent: the sync arrives and
        // runs, its acknowledgement and status are lost with the connection.
        proxy.stallTowardsHub(true)
        _ = try await h.hub.syncApp(named: "once", initiatedBy: Principal(name: "carol"))
        try await eventually("applied") { await sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "across") != nil }
        #expect(try await h.hub.app(named: "once").commands?.first?.state == "pending", "the hub has no acknowledgement yet")
        proxy.cut()
        proxy.stallTowardsHub(false)
        // The hub sends the unacknowledged sync again; the agent knows it handled it.
        try await eventually("acknowledged after the reconnect", timeout: .seconds(30)) {
            let v = try await h.hub.app(named: "once")
            return v.commands?.first?.state == "delivered" && v.sync == .synced
        }
        try await Task.sleep(for: .seconds(2))
        let runs = try await h.hub.history(appNamed: "once").filter { $0.initiatedBy == "carol" }
        #expect(runs.count == 1, "the sync ran \(runs.count) times")
        #expect(proxy.accepted >= 2)
    }

    @Test func aSlowReaderGetsOnlyTheLatestStateAndDoesNotHoldUpOthers() async throws {
        let (sim, kubeconfig) = try await ClusterSetup.startSim()
        let h = try await HubHarness.start(heartbeat: .seconds(2))
        let fastState = try await h.registerAgent("fast")
        let slowState = try await h.registerAgent("slow")
        let fast = try AgentHarness.start(state: fastState, kubeconfig: kubeconfig)
        defer { Task { await fast.stop(); await h.stop(); await sim.shutdown() } }
        // 400 kB of manifests per generation: forty generations (16 MB) are far more than the
        // buffers between the hub and a reader that has stopped reading (about 6 MB here: the
        // hub's send buffer grows to 4 MB, net.ipv4.tcp_wmem; the reader's is fixed below).
        let big = String(repeating: "x", count: 400_000)
        func manifest(_ round: Int) -> [String: String] {
            ["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  round: \"\(round)\"\n  payload: \(big)\n"]
        }
        let repo = try await TestRepo.create(files: manifest(0))
        _ = try await h.hub.createApp(AppSpec(name: "heavy", repoURL: repo.path, path: "app", cluster: "slow", namespace: "default"))

        let channel = try await HubDialer.dial(try HubEndpoint(h.agentAddress), credentials: try slowState.credentials())
        // A fixed receive buffer: Linux grows a socket's buffer up to net.ipv4.tcp_rmem (32 MB
        // on some machines), which would hold most generations and hide the queue.
        try await channel.channel.setOption(.socketOption(.so_rcvbuf), value: 64 * 1024).get()
        let received = try await channel.executeThenClose { inbound, outbound -> [Int] in
            try await outbound.write(.hello(Hello(protocolVersions: [1], agentVersion: "slow", clusterId: try slowState.identity().clusterId,
                                                  kubernetesVersion: nil, lastApplied: [:], statusStream: "slow")))
            // Alive (pings) but reading nothing while the hub renders forty new generations.
            let pinger = Task {
                while !Task.isCancelled {
                    try? await outbound.write(.ping(Ping(sentAt: Date())))
                    try? await Task.sleep(for: .milliseconds(300))
                }
            }
            defer { pinger.cancel() }
            for round in 1...40 {
                try await repo.commit(manifest(round), message: "round \(round)")
                _ = try await h.hub.refresh(appNamed: "heavy")
            }
            // The hub is not stuck on the slow connection: another agent gets its app at once.
            let repo2 = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap])
            let asked = ContinuousClock.now
            _ = try await h.hub.createApp(AppSpec(name: "quick", repoURL: repo2.path, path: "app", cluster: "fast", namespace: "default",
                                                  syncPolicy: SyncPolicy(automated: true)))
            try await eventually("the other agent was served") {
                await sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "across") != nil
            }
            #expect(ContinuousClock.now - asked < .seconds(10))
            // Nor does the slow link stop the hub reading from it: statuses sent now are stored
            // (and their acks wait, coalesced, behind the assignments), so two peers that both
            // stop reading while writing cannot wait on each other.
            let clusterId = try slowState.identity().clusterId
            for seq in UInt64(1)...200 {
                try await outbound.write(.status(AppStatusReport(appId: "heavy", observedRevision: nil, observedGeneration: 1, sync: .outOfSync,
                                                                 health: .progressing, resources: [], streamSeq: seq)))
            }
            try await eventually("the statuses of a reader that reads nothing are stored", timeout: .seconds(10)) {
                try await h.hub.store.statusStreamPosition(clusterId: clusterId, stream: "slow") == 200
            }
            // Now read everything.
            var generations: [Int] = []
            var frames = inbound.makeAsyncIterator()
            while let e = try await frames.next() {
                if case .assignment(let a) = e.frame, a.appId == "heavy" {
                    generations.append(a.generation)
                    if a.generation >= 41 { break }
                }
            }
            return generations
        }
        #expect(received.last == 41, "the latest generation arrives: \(received)")
        #expect(received.count < 30, "queued assignments of one app are replaced by newer ones, not all buffered: got \(received.count)")
    }
}

/// `kill -9` of the hub process in the middle of heavy status traffic: everything it
/// acknowledged is in the store afterwards (statuses, and the audit entry of each finished
/// operation), and once the agent resends what was not acknowledged, each operation is
/// recorded exactly once.
@Suite(.serialized) struct HubCrashTests {
    @Test func killingTheHubDuringHeavyStatusTrafficLosesNothingItAcknowledged() async throws {
        let dir = tempDirectory("crash-hub")
        let agentPort = try ChildProcess.freePort()
        // Set up with the hub in-process: a cluster with a joined agent and five apps.
        let apps = (0..<5).map { "crash-\($0)" }
        let state: AgentStateDirectory
        do {
            let h = try await HubHarness.start { $0.dataDirectory = dir; $0.agentPort = agentPort }
            state = try await h.registerAgent("crashed")
            let repo = try await TestRepo.create(files: ["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"])
            for a in apps { _ = try await h.hub.createApp(AppSpec(name: a, repoURL: repo.path, path: "app", cluster: "crashed", namespace: "default")) }
            await h.stop()
        }
        let clusterId = try state.identity().clusterId
        let total: UInt64 = 4000
        let status: @Sendable (UInt64) -> AppStatusReport = { seq in
            let op = OperationState(phase: .succeeded, message: "ok", revision: "rev-\(seq)", startedAt: Date(timeIntervalSince1970: 1_800_000_000 + Double(seq)),
                                    finishedAt: Date(timeIntervalSince1970: 1_800_000_000 + Double(seq) + 0.5), initiatedBy: "crash-test")
            return AppStatusReport(appId: apps[Int(seq) % apps.count], observedRevision: "rev-\(seq)", observedGeneration: 1, sync: .synced, health: .healthy,
                                   resources: [], operationPhase: .succeeded, operation: op, streamSeq: seq)
        }
        /// Sends positions after what the hub has, `window` ahead of its acks, until `stop` says so; returns the highest ack.
        let traffic: @Sendable (_ stop: @escaping @Sendable (UInt64) -> Bool) async throws -> (hubHad: UInt64, acked: UInt64) = { stop in
            let channel = try await HubDialer.dial(try HubEndpoint("127.0.0.1:\(agentPort)"), credentials: try state.credentials())
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(.hello(Hello(protocolVersions: [1], agentVersion: "test", clusterId: clusterId, kubernetesVersion: nil,
                                                      lastApplied: [:], statusStream: "crash-stream")))
                var frames = inbound.makeAsyncIterator()
                guard case .welcome(let w) = try await frames.next()?.frame else { throw TestFailure("no welcome") }
                let start = w.statusSeq ?? 0
                let acked = Highest(start)
                let sender = Task {
                    var next = start + 1
                    while next <= total && !Task.isCancelled {
                        if next - acked.value > 200 { try? await Task.sleep(for: .milliseconds(2)); continue }
                        try await outbound.write(.status(status(next)))
                        next += 1
                    }
                }
                defer { sender.cancel() }
                do {
                    while let e = try await frames.next() {
                        if case .ack(let a) = e.frame, let s = a.streamSeq {
                            acked.raise(s)
                            if stop(s) { break }
                        }
                        // Answered as an agent does: on a busy machine a batch of 200 statuses
                        // with their audit entries can take longer than the hub's heartbeat
                        // timeout, and the sender waits for its acks meanwhile.
                        if case .ping(let p) = e.frame { try await outbound.write(.pong(p)) }
                    }
                } catch {}  // the hub died under us
                return (start, acked.value)
            }
        }

        // The hub as a process, killed with SIGKILL while statuses pour in.
        let hubBinary = try Proc.binary("hawser-hub")
        let log = dir + "/hub-process.log"
        let fd = try FileDescriptor.open(FilePath(log), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite])
        let ackedBeforeKill = Highest()
        let run = try await Subprocess.run(
            .path(FilePath(hubBinary)),
            // The API on a port the kernel picks: a port chosen earlier may be taken meanwhile by
            // another test's connection (it was, once), and this test never calls the API.
            arguments: ["--data-dir", dir, "--api-address", "127.0.0.1:0", "--agent-address", "127.0.0.1:\(agentPort)", "--poll-interval", "86400",
                        "--log-level", "warning"],
            input: .none, output: .fileDescriptor(fd, closeAfterSpawningProcess: true), error: .combinedWithOutput
        ) { execution in
            try await eventually("the hub process listens") {
                guard let channel = try? await HubDialer.dial(try HubEndpoint("127.0.0.1:\(agentPort)"), credentials: try state.credentials()) else { return false }
                try await channel.executeThenClose { _, _ in }
                return true
            }
            let flow = Task {
                try await traffic({ s in
                    ackedBeforeKill.raise(s)
                    return false
                })
            }
            try await eventually("heavy traffic") { ackedBeforeKill.value >= 600 }
            try execution.send(signal: .kill)
            let result = try await flow.value
            ackedBeforeKill.raise(result.acked)
        }
        guard case .signaled = run.terminationStatus else {
            Issue.record("the hub was not killed: \(run.terminationStatus)\n\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            return
        }
        let acked = ackedBeforeKill.value
        #expect(acked >= 600 && acked < total, "killed in the middle: \(acked) of \(total) acknowledged")

        // A new hub on the same store: everything acknowledged is there.
        let h = try await HubHarness.start { $0.dataDirectory = dir; $0.agentPort = agentPort }
        defer { Task { await h.stop() } }
        func recorded() async throws -> [String: Int] {
            var count: [String: Int] = [:]
            var before: Int64?
            while true {
                let page = try await h.hub.auditEvents(limit: 1000, before: before)
                for e in page where e.actor == "crash-test" {
                    if let r = e.detail?.split(separator: " ").first(where: { $0.hasPrefix("rev-") }) {
                        count[String(r.trimmingCharacters(in: .punctuationCharacters)), default: 0] += 1
                    }
                }
                guard let last = page.last, page.count == 1000 else { return count }
                before = last.id
            }
        }
        let afterCrash = try await recorded()
        let missing = (1...acked).filter { afterCrash["rev-\($0)"] == nil }
        #expect(missing.isEmpty, "acknowledged but not recorded: \(missing.prefix(10))")
        #expect(try await h.hub.verifyAudit().intact, "the audit chain is intact after the crash")

        // The agent resumes from what the hub has; every operation ends up recorded once.
        let resumed = try await traffic({ $0 >= total })
        #expect(resumed.hubHad >= acked)
        #expect(resumed.acked == total)
        let final = try await recorded()
        #expect(final.count == Int(total))
        #expect(final.values.allSatisfy { $0 == 1 }, "recorded twice: \(final.filter { $0.value > 1 }.keys.prefix(10))")
    }
}

/// The highest value seen, shared between tasks.
final class Highest: Sendable {
    private let m: Mutex<UInt64>
    init(_ start: UInt64 = 0) { m = Mutex(start) }
    var value: UInt64 { m.withLock { $0 } }
    func raise(_ v: UInt64) { m.withLock { $0 = max($0, v) } }
}
