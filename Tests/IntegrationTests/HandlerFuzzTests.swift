import AgentRuntime
import Foundation
import HawserProtocol
import HubCore
import Synchronization
import SeededRandom
import Testing

/// Property-based fuzzing of the hub's frame handlers (the frame decoder has its own, in
/// HawserProtocolTests): 100,000 generated frames of every type an agent may send (hello,
/// status, ack, error, join, renew), with field values from the plausible to the absurd, fed
/// to the handlers of a real hub with a real store. Every call returns or throws a
/// `ProtocolError`, never crashes or hangs, a status never lands on another cluster's app, and
/// the hub still serves afterwards.
@Suite struct HandlerFuzzTests {
    /// Records frames the hub sends, keeping only the last few (bounded memory).
    actor Sink: AgentSession {
        nonisolated let clusterId: String
        var count = 0
        init(clusterId: String) { self.clusterId = clusterId }
        func send(_ frame: Frame) async { count += 1 }
        func close(with error: ProtocolError?) async {}
    }

    @Test func handlersSurviveAHundredThousandGeneratedFrames() async throws {
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        let mine = try await h.registerAgent("fuzzed")
        let theirs = try await h.registerAgent("bystander")
        let repo = try await TestRepo.create(files: ["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: f\n"])
        _ = try await h.hub.createApp(AppSpec(name: "mine", repoURL: repo.path, path: "app", cluster: "fuzzed", namespace: "default"))
        _ = try await h.hub.createApp(AppSpec(name: "theirs", repoURL: repo.path, path: "app", cluster: "bystander", namespace: "default"))
        let cluster = try #require(try await h.hub.store.cluster(id: try mine.identity().clusterId))
        let otherId = try theirs.identity().clusterId
        var rng = SplitMix64(seed: 0x5EED_F00D)

        func text(_ r: inout SplitMix64) -> String {
            switch Int.random(in: 0..<8, using: &r) {
            case 0: return ""
            case 1: return "mine"
            case 2: return "theirs"
            case 3: return String(repeating: "x", count: Int.random(in: 1...5000, using: &r))
            case 4: return "../../etc/passwd"
            case 5: return "名前\u{0}\u{FFFF}🙂\n\"'"
            case 6: return UUID().uuidString
            default: return "app-\(Int.random(in: 0...99, using: &r))"
            }
        }
        func seq(_ r: inout SplitMix64) -> UInt64? {
            switch Int.random(in: 0..<6, using: &r) {
            case 0: return nil
            case 1: return 0
            case 2: return UInt64.max
            case 3: return UInt64(Int64.max) + 1
            default: return UInt64.random(in: 1...10_000, using: &r)
            }
        }
        func date(_ r: inout SplitMix64) -> Date {
            [Date(timeIntervalSince1970: 0), Date.distantFuture, Date.distantPast, Date(timeIntervalSince1970: Double.random(in: 0...4e9, using: &r))]
                .randomElement(using: &r)!
        }
        func status(_ r: inout SplitMix64) -> AppStatusReport {
            let op: OperationState? = Bool.random(using: &r) ? nil : OperationState(
                phase: [.running, .succeeded, .failed, .error].randomElement(using: &r)!, message: text(&r), revision: text(&r),
                startedAt: date(&r), finishedAt: Bool.random(using: &r) ? nil : date(&r), retryCount: Int.random(in: -5...Int.max, using: &r),
                initiatedBy: Bool.random(using: &r) ? nil : text(&r),
                resources: (0..<Int.random(in: 0...3, using: &r)).map { _ in
                    ResourceResult(key: ResourceKey(group: text(&r), version: "v1", kind: text(&r), namespace: text(&r), name: text(&r)),
                                   status: .synced, message: nil, wave: Int.random(in: -10...10, using: &r))
                })
            return AppStatusReport(
                appId: text(&r), observedRevision: Bool.random(using: &r) ? nil : text(&r),
                observedGeneration: Bool.random(using: &r) ? nil : Int.random(in: Int.min...Int.max, using: &r),
                sync: [.synced, .outOfSync, .unknown].randomElement(using: &r)!,
                health: [.healthy, .progressing, .degraded, .missing, .suspended, .unknown].randomElement(using: &r)!,
                resources: (0..<Int.random(in: 0...4, using: &r)).map { _ in
                    ResourceStatus(key: ResourceKey(group: text(&r), version: "v1", kind: text(&r), namespace: text(&r), name: text(&r)),
                                   status: .synced, health: .healthy, message: Bool.random(using: &r) ? nil : text(&r))
                },
                conditions: (0..<Int.random(in: 0...2, using: &r)).map { _ in AppCondition(type: text(&r), message: text(&r)) },
                operationPhase: op?.phase, message: Bool.random(using: &r) ? nil : text(&r), operation: op, streamSeq: seq(&r))
        }
        func hello(_ r: inout SplitMix64) -> Hello {
            var applied: [String: AppliedRevision] = [:]
            for _ in 0..<Int.random(in: 0...3, using: &r) {
                applied[text(&r)] = AppliedRevision(revision: text(&r), generation: Int.random(in: Int.min...Int.max, using: &r), bundle: Bool.random(using: &r) ? nil : text(&r))
            }
            return Hello(protocolVersions: (0..<Int.random(in: 0...3, using: &r)).map { _ in Int.random(in: -2...3, using: &r) },
                         agentVersion: text(&r), clusterId: [cluster.id, otherId, text(&r)].randomElement(using: &r)!,
                         kubernetesVersion: Bool.random(using: &r) ? nil : text(&r), lastApplied: applied,
                         bundles: Bool.random(using: &r) ? nil : [text(&r)], statusStream: Bool.random(using: &r) ? nil : text(&r),
                         commandStream: Bool.random(using: &r) ? nil : text(&r), commandSeq: seq(&r))
        }

        let sink = Sink(clusterId: cluster.id)
        var connection = try await h.hub.agentConnected(cluster: cluster, hello: Hello(
            protocolVersions: [1], agentVersion: "fuzz", clusterId: cluster.id, kubernetesVersion: nil, lastApplied: [:], statusStream: "fuzz"),
            session: sink, peer: "fuzz")
        var outcomes: [String: Int] = [:]
        for i in 0..<100_000 {
            if i % 100 == 0 { await Task.yield() }
            let kind = Int.random(in: 0..<100, using: &rng)
            do throws(ProtocolError) {
                switch kind {
                case 0..<55:
                    try await h.hub.statusReported(connection, status(&rng))
                case 55..<70:
                    await h.hub.commandAcknowledged(connection, streamSeq: seq(&rng) ?? 0)
                case 70..<80:
                    await h.hub.bundleMissing(connection, appId: text(&rng))
                case 80..<88:
                    await h.hub.agentHeartbeat(connection)
                case 88..<94:
                    let next = try await h.hub.agentConnected(cluster: cluster, hello: hello(&rng), session: sink, peer: text(&rng))
                    await h.hub.agentDisconnected(connection, reason: "fuzz")
                    connection = next
                case 94..<97:
                    _ = try await h.hub.join(Join(token: text(&rng), csrPEM: text(&rng), agentVersion: text(&rng)), peer: "fuzz")
                default:
                    _ = try await h.hub.renew(clusterId: [cluster.id, otherId, text(&rng)].randomElement(using: &rng)!, csrPEM: text(&rng))
                }
                outcomes["ok", default: 0] += 1
            } catch {
                outcomes[error.code.rawValue, default: 0] += 1
            }
        }
        // Refusals happened for the right reasons, and nothing leaked onto the other cluster.
        #expect(outcomes["cluster_mismatch", default: 0] > 0, "\(outcomes)")
        #expect(outcomes["ok", default: 0] > 10_000, "\(outcomes)")
        #expect(try await h.hub.store.statuses(app: "theirs").isEmpty, "a status reached another cluster's app")
        // Still serving: a cluster, an app, a listing.
        _ = try await h.hub.addCluster(ClusterCreateRequest(name: "after-fuzz"))
        _ = try await h.hub.createApp(AppSpec(name: "after-fuzz", repoURL: repo.path, path: "app", cluster: "after-fuzz", namespace: "default"))
        #expect(try await h.hub.app(named: "after-fuzz").spec.cluster == "after-fuzz")
    }
}
