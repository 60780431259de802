import Foundation

/// How a fleet application moves to a new revision: at most `maxUnavailable` clusters (a
/// count like `2`, or a percentage like `25%` of the matching clusters, rounded down, at least
/// one) run a revision that has not reported Healthy yet; the next clusters wait for them.
public struct RolloutStrategy: Codable, Sendable, Hashable {
    public var maxUnavailable: String

    public init(maxUnavailable: String) {
        self.maxUnavailable = maxUnavailable
    }

    /// The number of clusters allowed at once out of `total`, or nil when the value is not a
    /// count or a percentage.
    public func limit(total: Int) -> Int? {
        let v = maxUnavailable.trimmingCharacters(in: .whitespaces)
        if v.hasSuffix("%"), let pct = Int(v.dropLast()), (0...100).contains(pct) {
            return max(1, total * pct / 100)
        }
        if let n = Int(v), n >= 1 { return n }
        return nil
    }
}

/// One cluster's deployment of a fleet application, as its detail view lists them.
public struct DestinationView: Codable, Sendable, Hashable {
    public var cluster: String
    /// The per-cluster deployment's own name (`<app>.<cluster>`): get, sync, history and
    /// rollback of one cluster use it.
    public var deployment: String
    public var sync: SyncStatusCode
    public var health: HealthStatusCode
    /// The commit this cluster should run, and the one it reported.
    public var targetRevision: String?
    public var syncedRevision: String?
    public var operationPhase: OperationPhase?
    /// Why it waits or fails: a rollout hold, a render condition, the agent's message.
    public var message: String?
    public var reportedAt: Date?

    public init(cluster: String, deployment: String, sync: SyncStatusCode, health: HealthStatusCode, targetRevision: String?, syncedRevision: String?,
                operationPhase: OperationPhase?, message: String?, reportedAt: Date?) {
        self.cluster = cluster
        self.deployment = deployment
        self.sync = sync
        self.health = health
        self.targetRevision = targetRevision
        self.syncedRevision = syncedRevision
        self.operationPhase = operationPhase
        self.message = message
        self.reportedAt = reportedAt
    }
}

/// A fleet's status in one line: its aggregate is the worst of its clusters (any OutOfSync
/// makes it OutOfSync; health by Argo CD's order, Degraded worst but for Unknown).
public enum FleetAggregate {
    /// Argo CD's health order, best first (gitops-engine's `IsWorse`).
    public static let healthOrder: [HealthStatusCode] = [.healthy, .suspended, .progressing, .missing, .degraded, .unknown]

    public static func sync(_ all: [SyncStatusCode]) -> SyncStatusCode {
        if all.contains(.outOfSync) { return .outOfSync }
        if !all.isEmpty, all.allSatisfy({ $0 == .synced }) { return .synced }
        return .unknown
    }

    public static func health(_ all: [HealthStatusCode]) -> HealthStatusCode {
        guard !all.isEmpty else { return .unknown }
        return all.max { (healthOrder.firstIndex(of: $0) ?? 0) < (healthOrder.firstIndex(of: $1) ?? 0) } ?? .unknown
    }
}

/// `{{cluster.name}}` and `{{cluster.labels.KEY}}` in a fleet application's path and Helm
/// values, filled in per cluster (ApplicationSet's cluster generator parameters).
public enum ClusterTemplate {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public static func fill(_ text: String, cluster: String, labels: [String: String]) throws(Failure) -> String {
        guard text.contains("{{") else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw Failure(description: "unclosed \"{{\" in \"\(text)\"")
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if name == "cluster.name" {
                out += cluster
            } else if name.hasPrefix("cluster.labels.") {
                let key = String(name.dropFirst("cluster.labels.".count))
                guard let value = labels[key] else {
                    throw Failure(description: "cluster \(cluster) has no label \"\(key)\" for {{\(name)}}; label the cluster or change the template")
                }
                out += value
            } else {
                throw Failure(description: "unknown parameter {{\(name)}}; use {{cluster.name}} or {{cluster.labels.KEY}}")
            }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
