import Foundation

/// Sync options, retries, ignored differences and operation results: Argo CD's names and
/// meanings, so an Argo CD user's `syncOptions` and `ignoreDifferences` carry over unchanged.

/// The sync options Hawser understands (`--sync-option` on the CLI, `syncOptions` in the API).
public enum SyncOption {
    /// Create the destination namespace when it does not exist.
    public static let createNamespace = "CreateNamespace=true"
    /// Take ownership of fields other managers own instead of reporting a conflict.
    public static let serverSideApplyForce = "ServerSideApply=force"
    /// Prune only after every wave is applied and healthy.
    public static let pruneLast = "PruneLast=true"
    /// Per resource (annotation `hawser.io/sync-options` or `argocd.argoproj.io/sync-options`):
    /// never prune this object.
    public static let pruneFalse = "Prune=false"

    public static let known: Set<String> = [createNamespace, serverSideApplyForce, pruneLast, pruneFalse, "CreateNamespace=false", "PruneLast=false", "ServerSideApply=true"]

    /// Options from a comma-separated annotation value, as Argo CD writes them.
    public static func parse(_ annotation: String?) -> [String] {
        (annotation ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// Differences to ignore when comparing, by group/kind and optionally name and namespace;
/// `jsonPointers` are RFC 6901 pointers such as `/spec/replicas` (Argo CD's field names).
public struct IgnoreDifference: Codable, Sendable, Hashable {
    public var group: String
    public var kind: String
    public var name: String?
    public var namespace: String?
    public var jsonPointers: [String]

    public init(group: String, kind: String, name: String? = nil, namespace: String? = nil, jsonPointers: [String]) {
        self.group = group
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.jsonPointers = jsonPointers
    }

    public func matches(_ key: ResourceKey) -> Bool {
        group == key.group && kind == key.kind && (name == nil || name == key.name) && (namespace == nil || namespace == key.namespace)
    }
}

/// Retries of failed syncs with exponential backoff (Argo CD's `syncPolicy.retry`).
public struct RetryPolicy: Codable, Sendable, Hashable {
    /// Attempts after the first; 0 disables retries.
    public var limit: Int
    public var backoffSeconds: Double
    public var factor: Double
    public var maxBackoffSeconds: Double

    public init(limit: Int = 5, backoffSeconds: Double = 5, factor: Double = 2, maxBackoffSeconds: Double = 180) {
        self.limit = limit
        self.backoffSeconds = backoffSeconds
        self.factor = factor
        self.maxBackoffSeconds = maxBackoffSeconds
    }

    /// Delay before retry number `attempt` (1-based): backoff · factor^(attempt-1), capped.
    public func delay(beforeRetry attempt: Int) -> Double {
        min(maxBackoffSeconds, backoffSeconds * pow(factor, Double(max(0, attempt - 1))))
    }
}

/// Outcome of one resource in a sync operation (Argo CD's `syncResult.resources[].status`).
public enum ResourceResultCode: String, Codable, Sendable {
    case synced = "Synced"
    case syncFailed = "SyncFailed"
    case pruned = "Pruned"
    case pruneSkipped = "PruneSkipped"
}

public struct ResourceResult: Codable, Sendable, Hashable {
    public var key: ResourceKey
    public var status: ResourceResultCode
    public var message: String?
    public var wave: Int
    public init(key: ResourceKey, status: ResourceResultCode, message: String? = nil, wave: Int = 0) {
        self.key = key
        self.status = status
        self.message = message
        self.wave = wave
    }
}

/// The last sync operation on an application, as Argo CD's `status.operationState` shows it.
public struct OperationState: Codable, Sendable, Hashable {
    public var phase: OperationPhase
    public var message: String?
    public var revision: String
    public var startedAt: Date
    public var finishedAt: Date?
    /// Retries so far for this revision (0 for the first attempt).
    public var retryCount: Int
    public var initiatedBy: String?
    public var resources: [ResourceResult]

    public init(phase: OperationPhase, message: String? = nil, revision: String, startedAt: Date, finishedAt: Date? = nil, retryCount: Int = 0, initiatedBy: String? = nil, resources: [ResourceResult] = []) {
        self.phase = phase
        self.message = message
        self.revision = revision
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.retryCount = retryCount
        self.initiatedBy = initiatedBy
        self.resources = resources
    }
}
