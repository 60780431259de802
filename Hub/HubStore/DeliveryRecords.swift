import Foundation
import HawserProtocol

/// A command (sync, refresh) for one cluster's agent, kept until the agent acknowledges it or
/// it expires: a sync asked for while the agent is away is delivered when it returns, and the
/// issuer can see whether it was. Its `id` is its position in the hub's command stream.
public struct CommandRecord: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable {
        /// Not yet acknowledged by the agent.
        case pending
        /// The agent acknowledged it.
        case delivered
        /// The agent did not return before `expiresAt`.
        case expired
    }

    public var id: Int64?
    public var clusterId: String
    /// The application record (a fleet deployment's own name).
    public var appName: String
    /// What the agent calls the app (`AppRecord.wireID`).
    public var wireID: String
    /// `sync` or `refresh`.
    public var action: String
    public var initiatedBy: String
    public var issuedAt: Date
    public var expiresAt: Date
    public var state: State
    /// When it was delivered or expired.
    public var settledAt: Date?

    public init(id: Int64? = nil, clusterId: String, appName: String, wireID: String, action: String, initiatedBy: String,
                issuedAt: Date, expiresAt: Date, state: State = .pending, settledAt: Date? = nil) {
        self.id = id
        self.clusterId = clusterId
        self.appName = appName
        self.wireID = wireID
        self.action = action
        self.initiatedBy = initiatedBy
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.state = state
        self.settledAt = settledAt
    }
}

/// A status that arrived at a position of an agent's status stream. `status` is nil when the
/// app it was about is gone: the position still counts as delivered.
public struct StatusDelivery: Sendable {
    public var clusterId: String
    public var stream: String
    public var seq: UInt64
    public var status: AppStatusRecord?
    /// The history and audit entries of the finished operation the status carries, written in
    /// the same transaction when that operation is not the one already stored: a crash can
    /// never keep the status and lose its audit entry, nor record an operation twice.
    public var operationRecords: OperationRecords?
    public init(clusterId: String, stream: String, seq: UInt64, status: AppStatusRecord?, operationRecords: OperationRecords? = nil) {
        self.clusterId = clusterId
        self.stream = stream
        self.seq = seq
        self.status = status
        self.operationRecords = operationRecords
    }
}

/// "Who deployed what where" for one finished sync operation.
public struct OperationRecords: Sendable {
    public var history: HistoryRecord
    /// How many history entries the app keeps.
    public var keep: Int
    public var audit: AuditRecord
    public init(history: HistoryRecord, keep: Int, audit: AuditRecord) {
        self.history = history
        self.keep = keep
        self.audit = audit
    }
}

extension OperationState {
    /// Whether two reports describe the same run of the same operation (revision, start,
    /// phase, attempt), so it is recorded once. Not exact equality: a copy that went through
    /// the store's JSON may differ from the wire's below a millisecond, which once made one
    /// sync appear twice in the history.
    public func isSameRun(as other: OperationState?) -> Bool {
        guard let other else { return false }
        return revision == other.revision && phase == other.phase && retryCount == other.retryCount
            && abs(startedAt.timeIntervalSince(other.startedAt)) < 0.001
    }
}

/// What the hub needs of the status a new one replaced: whether health or the generation
/// changed (rollouts, notifications) and which operation it carried (history is written once
/// per operation).
public struct PreviousStatus: Sendable, Equatable {
    public var health: String
    public var observedGeneration: Int?
    public var operation: OperationState?
    public init(health: String, observedGeneration: Int?, operation: OperationState?) {
        self.health = health
        self.observedGeneration = observedGeneration
        self.operation = operation
    }
}

public enum StatusDeliveryOutcome: Sendable, Equatable {
    /// Stored now, replacing `previous` (nil: the first status of the app on the cluster);
    /// `recordedOperation`: its operation's history and audit entries were written with it.
    case stored(previous: PreviousStatus?, recordedOperation: Bool)
    /// At or below the position already stored for its stream: a resend, already applied.
    case duplicate
    /// The position was recorded, but the status was not stored (its app or cluster is gone).
    case skipped(String)
}
