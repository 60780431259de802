import AgentLink
import AgentRuntime
import Foundation
import HawserProtocol
import HubCore
import Logging
import Subprocess
import Testing
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Delivery guarantees (PROTOCOL.md, Delivery): statuses queued by the agent while the hub is
/// away arrive once it is back, each applied once; commands issued while the agent is away
/// arrive when it returns, or expire where the issuer sees it; a sync cut short by a crashed
/// agent is reported interrupted once and then completed.
@Suite(.serialized) struct DeliveryTests {
    static let configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: steady\ndata:\n  color: blue\n"

    @Test func aStatusResentAtTheSamePositionIsAppliedOnce() async throws {
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        let state = try await h.registerAgent("raw")
        let repo = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap])
        _ = try await h.hub.createApp(AppSpec(name: "raw-app", repoURL: repo.path, path: "app", cluster: "raw", namespace: "default"))
        let clusterId = try state.identity().clusterId
        let op = OperationState(phase: .succeeded, message: "applied", revision: "abc", startedAt: Date(timeIntervalSince1970: 1_800_000_000),
                                finishedAt: Date(timeIntervalSince1970: 1_800_000_001), initiatedBy: "alice")
        let report = AppStatusReport(appId: "raw-app", observedRevision: "abc", observedGeneration: 1, sync: .synced, health: .healthy,
                                     resources: [], operationPhase: .succeeded, operation: op, streamSeq: 1)

        /// Connects, checks what the hub says it holds, sends `status` and returns the ack's position.
        func session(expectHubHas: UInt64, send status: AppStatusReport) async throws -> UInt64? {
            let channel = try await HubDialer.dial(try HubEndpoint(h.agentAddress), credentials: try state.credentials())
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(.hello(Hello(protocolVersions: [1], agentVersion: "test", clusterId: clusterId, kubernetesVersion: nil,
                                                      lastApplied: [:], statusStream: "raw-stream")))
                var frames = inbound.makeAsyncIterator()
                guard case .welcome(let w) = try await frames.next()?.frame else { throw TestFailure("no welcome") }
                #expect(w.statusSeq == expectHubHas)
                try await outbound.write(.status(status))
                while let e = try await frames.next() {
                    if case .ack(let a) = e.frame { return a.streamSeq }
                }
                return nil
            }
        }
        #expect(try await session(expectHubHas: 0, send: report) == 1)
        // The agent did not see that ack (say): it resends position 1 after reconnecting.
        var resent = report
        resent.sync = .outOfSync
        #expect(try await session(expectHubHas: 1, send: resent) == 1, "a resend is acknowledged")
        #expect(try await h.hub.history(appNamed: "raw-app").count == 1, "one operation, one history entry")
        let audits = try await h.hub.auditEvents(limit: 100).filter { $0.action == "sync" && $0.object.hasSuffix("/raw-app") }
        #expect(audits.count == 1 && audits.first?.actor == "alice")
        #expect(try await h.hub.app(named: "raw-app").syncedRevision == "abc")
        #expect(try await h.hub.app(named: "raw-app").resources.isEmpty)
        let view = try await h.hub.app(named: "raw-app")
        #expect(view.operation?.initiatedBy == "alice")
    }

    @Test func statusesReportedWhileTheHubIsDownArriveOnceItIsBack() async throws {
        let dir = tempDirectory("delivery-hub")
        let setup = try await ClusterSetup.start("patient", hub: { $0.dataDirectory = dir })
        let repo = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap])
        _ = try await setup.hub.hub.createApp(AppSpec(name: "steady", repoURL: repo.path, path: "app", cluster: "patient", namespace: "default",
                                                      syncPolicy: SyncPolicy(automated: true, selfHeal: true)))
        try await eventually("deployed") {
            let v = try await setup.app("steady")
            let deployments = try await setup.hub.hub.history(appNamed: "steady").count
            return v.sync == .synced && v.health == .healthy && deployments == 1
        }
        let agentPort = setup.hub.server.agentPort
        await setup.hub.stop()

        // Hub down: drift is healed all the same, and the result waits on the agent's disk.
        try await setup.sim.mutate(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "steady") { $0.set("red", at: ["data", "color"]) }
        try await eventually("healed without the hub") { await setup.configMap("steady")?[path: ["data", "color"]] == "blue" }
        let outbox = setup.agent.runner.reconciler.outbox
        try await eventually("the self-heal result is queued") {
            outbox.entries(after: 0, limit: 100).contains { $0.status.operation?.initiatedBy == "automated (self-heal)" && $0.status.operation?.phase == .succeeded }
        }
        // The agent restarts too: the queue is on disk.
        await setup.agent.stop()
        let agent = try AgentHarness.start(state: setup.agent.state, kubeconfig: setup.kubeconfig)
        defer { Task { await agent.stop(); await setup.sim.shutdown() } }
        #expect(agent.runner.reconciler.outbox.entries(after: 0, limit: 100).contains { $0.status.operation?.initiatedBy == "automated (self-heal)" })

        let hub = try await HubHarness.start {
            $0.dataDirectory = dir
            $0.agentPort = agentPort
        }
        defer { Task { await hub.stop() } }
        try await eventually("the queued self-heal reached the hub", timeout: .seconds(30)) {
            try await hub.hub.history(appNamed: "steady").contains { $0.initiatedBy == "automated (self-heal)" }
        }
        try await eventually("the queue drained") { agent.runner.reconciler.outbox.count == 0 }
        let history = try await hub.hub.history(appNamed: "steady")
        #expect(history.filter { $0.initiatedBy == "automated (self-heal)" }.count == 1, "\(history.map(\.initiatedBy))")
        let audits = try await hub.hub.auditEvents(limit: 200).filter { $0.action == "sync" && $0.object.hasSuffix("/steady") }
        #expect(audits.filter { $0.actor == "automated (self-heal)" }.count == 1)
        #expect(try await hub.hub.app(named: "steady").sync == .synced)
    }

    @Test func aSyncIssuedWhileTheAgentIsAwayIsDeliveredWhenItReturns() async throws {
        let setup = try await ClusterSetup.start("away")
        let repo = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap])
        _ = try await setup.hub.hub.createApp(AppSpec(name: "later", repoURL: repo.path, path: "app", cluster: "away", namespace: "default"))
        try await eventually("reported out of sync") { try await setup.app("later").sync == .outOfSync }
        await setup.agent.stop()
        try await eventually("disconnected") { try await setup.hub.hub.cluster(named: "away").connectionState == "Disconnected" }

        let answer = try await setup.hub.hub.syncApp(named: "later", initiatedBy: Principal(name: "alice"))
        #expect(answer.message?.contains("the sync is queued") == true, "\(answer.message ?? "")")
        _ = try await setup.hub.hub.syncApp(named: "later", initiatedBy: Principal(name: "alice"))  // impatient: still one
        let waiting = try await setup.app("later")
        #expect(waiting.commands?.filter { $0.state == "pending" }.count == 1)
        #expect(waiting.conditions.contains { $0.type == "CommandQueued" && $0.message.contains("alice") })

        let agent = try AgentHarness.start(state: setup.agent.state, kubeconfig: setup.kubeconfig)
        defer { Task { await agent.stop(); await setup.hub.stop(); await setup.sim.shutdown() } }
        try await eventually("the queued sync ran") { await setup.configMap("steady") != nil }
        try await eventually("delivered, and recorded as alice's") {
            let v = try await setup.app("later")
            let by = try await setup.hub.hub.history(appNamed: "later").map(\.initiatedBy)
            return v.commands?.first?.state == "delivered" && v.sync == .synced && by == ["alice"]
        }
        #expect(!(try await setup.app("later").conditions.contains { $0.type == "CommandQueued" }))
    }

    @Test func aCommandThatExpiresIsNotDeliveredAndTheIssuerSeesIt() async throws {
        let setup = try await ClusterSetup.start("gone", hub: { $0.commandTTL = .seconds(60) })
        let repo = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap])
        _ = try await setup.hub.hub.createApp(AppSpec(name: "stale", repoURL: repo.path, path: "app", cluster: "gone", namespace: "default"))
        try await eventually("reported out of sync") { try await setup.app("stale").sync == .outOfSync }
        await setup.agent.stop()
        try await eventually("disconnected") { try await setup.hub.hub.cluster(named: "gone").connectionState == "Disconnected" }
        _ = try await setup.hub.hub.syncApp(named: "stale", initiatedBy: Principal(name: "bob"))
        setup.hub.clock.advance(61)
        await setup.hub.hub.expireCommands()
        let view = try await setup.app("stale")
        #expect(view.commands?.first?.state == "expired")
        #expect(view.conditions.contains { $0.type == "CommandExpired" && $0.message.contains("bob") }, "\(view.conditions)")
        #expect(try await setup.hub.hub.auditEvents(limit: 50).contains { $0.actor == "bob" && $0.outcome == "expired" && $0.object.hasSuffix("/stale") })

        let agent = try AgentHarness.start(state: setup.agent.state, kubeconfig: setup.kubeconfig)
        defer { Task { await agent.stop(); await setup.hub.stop(); await setup.sim.shutdown() } }
        try await eventually("back") { try await setup.hub.hub.cluster(named: "gone").connectionState == "Connected" }
        try await Task.sleep(for: .seconds(3))
        #expect(await setup.configMap("steady") == nil, "an expired sync must not run")
        #expect(try await setup.hub.hub.history(appNamed: "stale").isEmpty)
    }

    @Test func anAgentKilledInTheMiddleOfASyncReportsItInterruptedOnceThenCompletesIt() async throws {
        let (sim, kubeconfig) = try await ClusterSetup.startSim(readyDelay: .seconds(4))
        let h = try await HubHarness.start()
        let state = try await h.registerAgent("crashy")
        defer { Task { await h.stop(); await sim.shutdown() } }
        // Wave 0 takes seconds to become healthy; wave 1 only comes after it.
        let repo = try await TestRepo.create(files: [
            "app/web.yaml": Fixtures.deployment(image: "nginx:1.27"),
            "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after-web\n  annotations:\n    argocd.argoproj.io/sync-wave: \"1\"\ndata:\n  k: v\n",
        ])
        _ = try await h.hub.createApp(AppSpec(name: "waves", repoURL: repo.path, path: "app", cluster: "crashy", namespace: "default",
                                              syncPolicy: SyncPolicy(automated: true)))
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]
        let log = tempDirectory("agent-log") + "/agent.log"
        let fd = try FileDescriptor.open(FilePath(log), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite])
        let result = try await Subprocess.run(
            .path(FilePath(try Proc.binary("hawser-agent"))),
            arguments: ["run", "--state-dir", state.path, "--kubeconfig", kubeconfig, "--resync-interval", "1", "--backoff-cap", "1"],
            platformOptions: options, input: .none, output: .fileDescriptor(fd, closeAfterSpawningProcess: true), error: .combinedWithOutput
        ) { execution in
            try await eventually("wave 0 applied, wave 1 not yet") {
                await sim.object(apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "web") != nil
            }
            #expect(await sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "after-web") == nil)
            try execution.send(signal: .kill)
        }
        guard case .signaled(let signal) = result.terminationStatus, signal == SIGKILL else {
            Issue.record("the agent was not killed: \(result.terminationStatus); log:\n\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            return
        }
        try await eventually("the hub saw the sync start") { try await h.hub.app(named: "waves").operation?.phase == .running }

        let agent = try AgentHarness.start(state: state, kubeconfig: kubeconfig)
        defer { Task { await agent.stop() } }
        try await eventually("converged", timeout: .seconds(30)) {
            let v = try await h.hub.app(named: "waves")
            return v.sync == .synced && v.health == .healthy && v.operation?.phase == .succeeded
        }
        #expect(await sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "after-web") != nil)
        let history = try await h.hub.history(appNamed: "waves").reversed().map { ($0.result, $0.message ?? "") }
        #expect(history.count == 2, "\(history)")
        #expect(history.first?.0 == "Error" && history.first?.1.contains("interrupted") == true, "\(history)")
        #expect(history.last?.0 == "Succeeded", "\(history)")
    }

    /// An agent's burst of statuses is stored in a few writes and answered by a few cumulative
    /// acks, and none is lost or recorded twice on the way: each of 600 finished operations has
    /// its audit entry, and the app shows the last status sent.
    @Test func aBurstOfStatusesIsStoredWholeAndAcknowledgedCumulatively() async throws {
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        let state = try await h.registerAgent("bursty")
        let repo = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap])
        _ = try await h.hub.createApp(AppSpec(name: "burst", repoURL: repo.path, path: "app", cluster: "bursty", namespace: "default"))
        let clusterId = try state.identity().clusterId
        let total: UInt64 = 600
        let channel = try await HubDialer.dial(try HubEndpoint(h.agentAddress), credentials: try state.credentials())
        let acks = try await channel.executeThenClose { inbound, outbound -> [UInt64] in
            try await outbound.write(.hello(Hello(protocolVersions: [1], agentVersion: "test", clusterId: clusterId, kubernetesVersion: nil,
                                                  lastApplied: [:], statusStream: "burst-stream")))
            var frames = inbound.makeAsyncIterator()
            guard case .welcome = try await frames.next()?.frame else { throw TestFailure("no welcome") }
            // All at once, as an agent does after reconnecting with a full queue.
            let reports = (UInt64(1)...total).map { seq in
                AppStatusReport(appId: "burst", observedRevision: "rev-\(seq)", observedGeneration: 1, sync: .synced, health: .healthy, resources: [],
                                operationPhase: .succeeded,
                                operation: OperationState(phase: .succeeded, message: "run \(seq)", revision: "rev-\(seq)",
                                                          startedAt: Date(timeIntervalSince1970: 1_800_000_000 + Double(seq)), initiatedBy: "burst-test"),
                                streamSeq: seq)
            }
            try await outbound.write(contentsOf: reports.map { .status($0) })
            var acks: [UInt64] = []
            while let e = try await frames.next() {
                guard case .ack(let a) = e.frame, let through = a.streamSeq else { continue }
                acks.append(through)
                if through == total { break }
            }
            return acks
        }
        #expect(acks.last == total)
        #expect(acks == acks.sorted() && Set(acks).count == acks.count, "acks only move forward: \(acks)")
        #expect(acks.count < Int(total) / 4, "statuses that arrived together are acknowledged together: \(acks.count) acks")
        #expect(try await h.hub.store.statusStreamPosition(clusterId: clusterId, stream: "burst-stream") == total)
        let audits = try await h.hub.auditEvents(limit: 1000).filter { $0.action == "sync" && $0.actor == "burst-test" }
        #expect(audits.count == Int(total), "one audit entry per finished operation")
        #expect(try await h.hub.app(named: "burst").syncedRevision == "rev-\(total)")
    }

    /// Two commands issued at once can arrive in either order, and a resent one after others:
    /// each runs once, and none is mistaken for a resend.
    @Test func commandsAreRecognisedByPositionNotByOrder() {
        var progress = AgentStateDirectory.Progress()
        let eleven = progress.firstTime(11), ten = progress.firstTime(10)
        #expect(eleven && ten, "10 after 11 is new, not a resend")
        let tenAgain = progress.firstTime(10), elevenAgain = progress.firstTime(11)
        #expect(!tenAgain && !elevenAgain, "a resend is recognised")
        for id in UInt64(100)..<UInt64(100 + AgentStateDirectory.Progress.remembered) { _ = progress.firstTime(id) }
        let ancient = progress.firstTime(12)
        #expect(!ancient, "older than everything remembered: handled long ago")
        let fresh = progress.firstTime(5000)
        #expect(fresh && progress.commandSeq == 5000)
    }

    @Test func theStatusQueueSurvivesRestartsAndLinesCutShortByACrash() throws {
        let path = tempDirectory("outbox") + "/outbox.ndjson"
        var logger = Logger(label: "test.outbox")
        logger.logLevel = .critical
        let first = StatusOutbox(path: path, limit: 100, logger: logger)
        for app in ["a", "b", "c"] {
            first.append(AppStatusReport(appId: app, observedRevision: nil, observedGeneration: 1, sync: .synced, health: .healthy, resources: []))
        }
        first.acknowledge(through: 1)
        let stream = first.stream
        // A crash in the middle of writing a line.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"seq\":4,\"status\":{\"appId\":\"d\",".utf8))
        try handle.close()

        let second = StatusOutbox(path: path, limit: 100, logger: logger)
        #expect(second.stream == stream && second.ackedSeq == 1)
        #expect(second.entries(after: 0, limit: 10).map(\.seq) == [2, 3])
        second.append(AppStatusReport(appId: "d", observedRevision: nil, observedGeneration: 1, sync: .synced, health: .healthy, resources: []))
        let third = StatusOutbox(path: path, limit: 100, logger: logger)
        #expect(third.entries(after: 0, limit: 10).map(\.status.appId) == ["b", "c", "d"])
        #expect(third.entries(after: 0, limit: 10).map(\.seq) == [2, 3, 4])
    }
}
