import Foundation
import GRDB
import HawserProtocol
import Testing
@testable import HubStore

/// Statuses from an agent's stream are applied once per position, with their operation's
/// history and audit entries in the same transaction; commands wait for their agent or expire.
@Suite struct DeliveryStoreTests {
    let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    func makeStore() async throws -> (SQLiteHubStore, ClusterRecord) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hawser-delivery-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let store = try SQLiteHubStore(path: dir + "/hawser.db")
        let cluster = ClusterRecord(name: "prod", createdAt: t0)
        try await store.createCluster(cluster)
        try await store.createApp(AppRecord(name: "web", repoURL: "https://git.example.com/a.git", path: "web", targetRevision: "main",
                                            cluster: "prod", namespace: "default", autoSync: true, createdAt: t0))
        return (store, cluster)
    }

    func delivery(_ cluster: ClusterRecord, stream: String = "s1", seq: UInt64, sync: SyncStatusCode, op: OperationState?) -> StatusDelivery {
        let status = AppStatusRecord(appName: "web", clusterId: cluster.id, revision: "abc", observedGeneration: 1, sync: sync.rawValue,
                                     health: "Healthy", resources: [], conditions: [], message: nil, operationPhase: op?.phase.rawValue,
                                     operation: op, reportedAt: t0)
        let records = op.map {
            OperationRecords(history: HistoryRecord(appName: "web", cluster: "prod", revision: $0.revision, manifestsDigest: nil, initiatedBy: "admin",
                                                    startedAt: $0.startedAt, deployedAt: t0, result: $0.phase.rawValue, message: nil),
                             keep: 10, audit: AuditRecord(at: t0, actor: "admin", action: "sync", resource: "applications", object: "default/web", outcome: "succeeded"))
        }
        return StatusDelivery(clusterId: cluster.id, stream: stream, seq: seq, status: status, operationRecords: records)
    }

    @Test func aResentPositionIsNotAppliedTwice() async throws {
        let (store, cluster) = try await makeStore()
        let op = OperationState(phase: .succeeded, revision: "abc", startedAt: t0, initiatedBy: "admin")
        let first = try await store.saveStatuses([delivery(cluster, seq: 1, sync: .synced, op: op)])
        #expect(first == [.stored(previous: nil, recordedOperation: true)])
        // The same position again (ack lost), even with other content: already applied.
        let again = try await store.saveStatuses([delivery(cluster, seq: 1, sync: .outOfSync, op: nil)])
        #expect(again == [.duplicate])
        #expect(try await store.statuses(app: "web").first?.sync == "Synced")
        #expect(try await store.history(app: "web").count == 1)
        #expect(try await store.auditEvents(limit: 10, beforeID: nil).count == 1)
        #expect(try await store.statusStreamPosition(clusterId: cluster.id, stream: "s1") == 1)
        // The next position carries the same operation (a later status): stored, not recorded again.
        let later = try await store.saveStatuses([delivery(cluster, seq: 2, sync: .synced, op: op)])
        guard case .stored(let previous, let recorded) = later.first else { Issue.record("not stored: \(later)"); return }
        #expect(previous?.operation?.isSameRun(as: op) == true && !recorded)
        #expect(try await store.history(app: "web").count == 1)
        // A new stream (the agent's state directory was wiped) starts from zero.
        #expect(try await store.statusStreamPosition(clusterId: cluster.id, stream: "s2") == 0)
        #expect(try await store.saveStatuses([delivery(cluster, stream: "s2", seq: 1, sync: .synced, op: nil)]).first != .duplicate)
    }

    @Test func aBatchChecksEachPositionInOrder() async throws {
        let (store, cluster) = try await makeStore()
        let outcomes = try await store.saveStatuses([
            delivery(cluster, seq: 3, sync: .outOfSync, op: nil),
            delivery(cluster, seq: 2, sync: .synced, op: nil),      // behind: a resend
            delivery(cluster, seq: 4, sync: .synced, op: nil),
        ])
        #expect(outcomes.map { $0 == .duplicate } == [false, true, false])
        #expect(try await store.statusStreamPosition(clusterId: cluster.id, stream: "s1") == 4)
    }

    @Test func commandsWaitUntilSettledOrExpired() async throws {
        let (store, cluster) = try await makeStore()
        #expect(!(try await store.commandStreamID()).isEmpty)
        func command(_ action: String, ttl: TimeInterval) -> CommandRecord {
            CommandRecord(clusterId: cluster.id, appName: "web", wireID: "web", action: action, initiatedBy: "alice", issuedAt: t0, expiresAt: t0.addingTimeInterval(ttl))
        }
        let a = try await store.addCommand(command("sync", ttl: 60))
        let b = try await store.addCommand(command("refresh", ttl: 600))
        #expect(try #require(a.id) < (try #require(b.id)))
        #expect(try await store.pendingCommands(clusterId: cluster.id).map(\.id) == [a.id, b.id])
        let expired = try await store.expireCommands(now: t0.addingTimeInterval(61), forgetSettledBefore: t0.addingTimeInterval(-86400))
        #expect(expired.map(\.id) == [a.id] && expired.first?.state == .expired)
        try await store.settleCommand(clusterId: cluster.id, id: try #require(b.id), at: t0.addingTimeInterval(62))
        try await store.settleCommand(clusterId: cluster.id, id: try #require(a.id), at: t0.addingTimeInterval(63))  // expired stays expired
        #expect(try await store.pendingCommands(clusterId: cluster.id).isEmpty)
        #expect(try await store.commands(app: "web", limit: 5).map(\.state) == [.delivered, .expired])
        // Settled commands are forgotten after a while.
        _ = try await store.expireCommands(now: t0.addingTimeInterval(100), forgetSettledBefore: t0.addingTimeInterval(99))
        #expect(try await store.commands(app: "web", limit: 5).isEmpty)
    }

    /// A store restored from a backup must not hand out command positions again: an agent
    /// that handled positions issued after the backup would take new commands for resends
    /// and skip them.
    @Test func commandPositionsAfterARestoreFromABackupAreNew() async throws {
        let (store, cluster) = try await makeStore()
        func command(at t: Date) -> CommandRecord {
            CommandRecord(clusterId: cluster.id, appName: "web", wireID: "web", action: "sync", initiatedBy: "alice", issuedAt: t, expiresAt: t.addingTimeInterval(600))
        }
        let before = try #require(try await store.addCommand(command(at: t0)).id)
        let backup = FileManager.default.temporaryDirectory.appendingPathComponent("hawser-backup-\(UUID().uuidString).db").path
        try await store.pool.backup(to: try DatabaseQueue(path: backup))
        // After the backup: commands an agent handles (it remembers their positions).
        var handled: [Int64] = []
        for i in 1...3 { handled.append(try #require(try await store.addCommand(command(at: t0.addingTimeInterval(Double(i)))).id)) }
        #expect(handled.allSatisfy { $0 > before })
        // The hub's disk is lost; the backup comes back, and a new command is issued later.
        let restored = try SQLiteHubStore(path: backup)
        let next = try #require(try await restored.addCommand(command(at: t0.addingTimeInterval(60))).id)
        #expect(handled.allSatisfy { next > $0 }, "position \(next) was handed out before the restore: \(handled)")
        // Issued in the same microsecond, positions still increase.
        let sameInstant = try #require(try await restored.addCommand(command(at: t0.addingTimeInterval(60))).id)
        #expect(sameInstant > next)
    }
}
