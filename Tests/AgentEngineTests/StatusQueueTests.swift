import AgentEngine
import Foundation
import HawserProtocol
import SeededRandom
import Testing

/// The agent's status queue: bounded by compaction, never by silently losing a sync result.
@Suite struct StatusQueueTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func status(_ app: String, _ sync: SyncStatusCode = .synced, op: OperationState? = nil) -> AppStatusReport {
        AppStatusReport(appId: app, observedRevision: "abc", observedGeneration: 1, sync: sync, health: .healthy, resources: [], operation: op)
    }

    static func op(_ phase: OperationPhase, started: Double) -> OperationState {
        OperationState(phase: phase, revision: "abc", startedAt: t0.addingTimeInterval(started), initiatedBy: "admin")
    }

    @Test func aNewerStatusOfTheSameAppReplacesAPlainOne() {
        var q = StatusQueue(limit: 100)
        q.append(Self.status("a", .outOfSync))
        q.append(Self.status("b"))
        q.append(Self.status("a", .synced))
        #expect(q.entries.map(\.status.appId) == ["b", "a"])
        #expect(q.entries.map(\.seq) == [2, 3], "positions are never reused")
        #expect(q.nextSeq == 4)
    }

    @Test func aFinishedOperationIsKeptUntilDeliveredUnlessANewerStatusCarriesIt() {
        var q = StatusQueue(limit: 100)
        q.append(Self.status("a", op: Self.op(.running, started: 0)))
        q.append(Self.status("a", op: Self.op(.failed, started: 0)))       // an event
        q.append(Self.status("a", op: Self.op(.running, started: 10)))     // supersedes the running one only
        #expect(q.entries.map(\.seq) == [2, 3])
        q.append(Self.status("a", op: Self.op(.succeeded, started: 10)))
        #expect(q.entries.map(\.seq) == [2, 4], "both finished operations wait for the hub")
        // The same finished operation reported again (a resync): the older copy is redundant.
        q.append(Self.status("a", .synced, op: Self.op(.succeeded, started: 10)))
        #expect(q.entries.map(\.seq) == [2, 5])
        #expect(q.entries.first?.status.operation?.phase == .failed)
    }

    @Test func acknowledgementsDropWhatTheHubStored() {
        var q = StatusQueue(limit: 100)
        for app in ["a", "b", "c"] { q.append(Self.status(app)) }
        q.acknowledge(through: 2)
        #expect(q.entries.map(\.status.appId) == ["c"] && q.acked == 2)
        q.acknowledge(through: 1)   // late and out of order: no effect
        #expect(q.acked == 2 && q.entries.count == 1)
        #expect(q.entries(after: 0, limit: 10).map(\.seq) == [3])
        #expect(q.entries(after: 3, limit: 10).isEmpty)
    }

    @Test func overTheLimitTheOldestResultsGoAndTheAppSaysHowMany() {
        var q = StatusQueue(limit: 4)
        for i in 0..<6 { q.append(Self.status("a", op: Self.op(.failed, started: Double(i)))) }
        #expect(q.entries.count == 4)
        #expect(q.droppedTotal == 2)
        let newest = q.entries.last!.status
        #expect(newest.operation?.startedAt == Self.t0.addingTimeInterval(5), "the newest status is never the one dropped")
        let overflow = newest.conditions.first { $0.type == "StatusQueueOverflow" }
        #expect(overflow?.message.contains("2 earlier sync result(s)") == true, "\(String(describing: overflow))")
        // A later status of the app still says so until the hub acknowledged one that did.
        q.append(Self.status("a", op: Self.op(.failed, started: 6)))
        #expect(q.entries.last!.status.conditions.contains { $0.type == "StatusQueueOverflow" })
        q.acknowledge(through: q.entries.last!.seq)
        q.append(Self.status("a", op: Self.op(.failed, started: 7)))
        #expect(!q.entries.last!.status.conditions.contains { $0.type == "StatusQueueOverflow" })
    }

    @Test func replayRebuildsTheSameQueue() {
        var q = StatusQueue(limit: 100)
        var log: [StatusQueue.Entry] = []
        for (i, app) in ["a", "b", "a", "c", "b"].enumerated() {
            let s = Self.status(app, op: i == 1 ? Self.op(.failed, started: 1) : nil)
            let seq = q.append(s)
            log.append(.init(seq: seq, status: s))
        }
        var again = StatusQueue(limit: 100)
        for e in log { again.replay(e) }
        #expect(again.entries == q.entries && again.nextSeq == q.nextSeq)
    }

    /// 100,000 random appends and acknowledgements: the queue stays ordered and bounded, keeps
    /// every app's newest status until acknowledged, and holds no status a newer one supersedes.
    @Test func invariantsHoldUnderAHundredThousandRandomOperations() async {
        var rng = SplitMix64(seed: 7)
        var q = StatusQueue(limit: 50)
        var newest: [String: UInt64] = [:]
        for i in 0..<100_000 {
            if i % 100 == 0 { await Task.yield() }
            if Int.random(in: 0..<10, using: &rng) < 8 {
                let app = "app-\(Int.random(in: 0..<20, using: &rng))"
                let op: OperationState? = switch Int.random(in: 0..<4, using: &rng) {
                case 0: nil
                case 1: Self.op(.running, started: Double(i))
                case 2: Self.op(.succeeded, started: Double(Int.random(in: 0...i, using: &rng)))
                default: Self.op(.failed, started: Double(i))
                }
                newest[app] = q.append(Self.status(app, op: op))
            } else if let last = q.entries.last {
                q.acknowledge(through: UInt64.random(in: q.acked...last.seq, using: &rng))
            }
            guard i % 25 == 0 else { continue }  // the checks cost more than the operations
            let seqs = q.entries.map(\.seq)
            guard seqs == seqs.sorted(), Set(seqs).count == seqs.count, seqs.allSatisfy({ $0 > q.acked && $0 < q.nextSeq }), q.entries.count <= q.limit else {
                Issue.record("order or bound broken after \(i) operations: \(seqs), acked \(q.acked)")
                return
            }
            for (app, seq) in newest where seq > q.acked {
                guard q.entries.contains(where: { $0.seq == seq && $0.status.appId == app }) else {
                    Issue.record("the newest status of \(app) (\(seq)) is gone after \(i) operations")
                    return
                }
            }
            for (k, e) in q.entries.enumerated() {
                for later in q.entries[(k + 1)...] where later.status.appId == e.status.appId && StatusQueue.supersedes(later.status, e.status) {
                    Issue.record("position \(e.seq) is kept though \(later.seq) supersedes it")
                    return
                }
            }
        }
    }

    @Test func renumbersPastAPositionTheHubAlreadyHas() {
        var q = StatusQueue(limit: 100)
        q.append(Self.status("a"))
        q.append(Self.status("b"))
        q.renumber(after: 40)
        #expect(q.entries.map(\.seq) == [41, 42] && q.nextSeq == 43 && q.acked == 40)
    }
}
