import Foundation
import HawserProtocol
import Testing
import HubStore

/// A finished sync is recorded once. Agents report the same operation again and again; the
/// stored copy went through JSON, so its timestamps may differ from the wire's below a
/// millisecond (a sync once appeared twice in the history because of that).
@Suite struct DeploymentIdentityTests {
    let op = OperationState(phase: .succeeded, revision: "abc", startedAt: Date(timeIntervalSince1970: 1_800_000_000.123456),
                            finishedAt: Date(timeIntervalSince1970: 1_800_000_001), initiatedBy: "admin")

    @Test func theSameRunIsTheSameOperation() throws {
        var stored = op
        stored.startedAt = Date(timeIntervalSince1970: 1_800_000_000.123)
        stored.finishedAt = Date(timeIntervalSince1970: 1_800_000_001.0004)
        #expect(op.isSameRun(as: stored))
        // What a JSON round trip through the store does.
        let roundTripped = try WireJSON.decoder().decode(OperationState.self, from: WireJSON.encoder().encode(op))
        #expect(op.isSameRun(as: roundTripped))
    }

    @Test func anotherRunIsAnotherOperation() {
        #expect(!op.isSameRun(as: nil))
        var other = op
        other.startedAt = op.startedAt.addingTimeInterval(2)
        #expect(!op.isSameRun(as: other))
        other = op
        other.revision = "def"
        #expect(!op.isSameRun(as: other))
        other = op
        other.retryCount = 1
        #expect(!op.isSameRun(as: other))
        other = op
        other.phase = .failed
        #expect(!op.isSameRun(as: other))
    }
}
