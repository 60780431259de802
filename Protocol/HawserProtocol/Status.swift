/// Status vocabulary shared by hub, agent, API and CLI. The words are Argo CD's on purpose:
/// our users already read `Synced`/`OutOfSync` and `Healthy`/`Progressing`/`Degraded` fluently.

/// Whether live state matches the desired state from Git.
public enum SyncStatusCode: String, Codable, Sendable, CaseIterable {
    case synced = "Synced"
    case outOfSync = "OutOfSync"
    case unknown = "Unknown"
}

/// Health of a resource or of an application (the worst of its resources).
///
/// Declared in Argo CD's order, from best to worst, so `isWorse(than:)` is a comparison of ranks.
public enum HealthStatusCode: String, Codable, Sendable, CaseIterable {
    case healthy = "Healthy"
    case suspended = "Suspended"
    case progressing = "Progressing"
    case missing = "Missing"
    case degraded = "Degraded"
    case unknown = "Unknown"

    var rank: Int { Self.allCases.firstIndex(of: self)! }

    public func isWorse(than other: HealthStatusCode) -> Bool { rank > other.rank }

    /// The worst of several statuses; `.healthy` for none.
    public static func worst<S: Sequence>(_ all: S) -> HealthStatusCode where S.Element == HealthStatusCode {
        all.reduce(.healthy) { $1.isWorse(than: $0) ? $1 : $0 }
    }
}

/// One rendered Kubernetes object and where in the repository it came from, so that errors
/// can name the file and line a user has to fix.
public struct Manifest: Codable, Sendable, Hashable {
    /// Path of the file inside the repository, e.g. `guestbook/deployment.yaml`.
    public var source: String
    /// 1-based line where the object's document starts in `source`.
    public var line: Int
    public var object: JSONValue

    public init(source: String, line: Int, object: JSONValue) {
        self.source = source
        self.line = line
        self.object = object
    }
}

/// Identity of a Kubernetes object: enough to find it in a cluster.
public struct ResourceKey: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var kind: String
    public var namespace: String
    public var name: String

    public init(group: String, version: String, kind: String, namespace: String, name: String) {
        self.group = group
        self.version = version
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// `apiVersion` as written in manifests: `v1` for the core group, `apps/v1` otherwise.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    public var description: String {
        let gk = group.isEmpty ? kind : "\(kind).\(group)"
        return namespace.isEmpty ? "\(gk)/\(name)" : "\(gk) \(namespace)/\(name)"
    }

    public static func < (a: ResourceKey, b: ResourceKey) -> Bool {
        (a.group, a.kind, a.namespace, a.name) < (b.group, b.kind, b.namespace, b.name)
    }

    /// Reads the key from an object; `nil` when apiVersion, kind or metadata.name is missing.
    public init?(object: JSONValue, defaultNamespace: String = "") {
        guard let apiVersion = object["apiVersion"]?.stringValue, !apiVersion.isEmpty,
              let kind = object["kind"]?.stringValue, !kind.isEmpty,
              let name = object[path: ["metadata", "name"]]?.stringValue, !name.isEmpty
        else { return nil }
        let parts = apiVersion.split(separator: "/", maxSplits: 1).map(String.init)
        self.group = parts.count == 2 ? parts[0] : ""
        self.version = parts.count == 2 ? parts[1] : parts[0]
        self.kind = kind
        self.namespace = object[path: ["metadata", "namespace"]]?.stringValue ?? defaultNamespace
        self.name = name
    }
}

/// One row of an application's resource table.
public struct ResourceStatus: Codable, Sendable, Hashable {
    public var key: ResourceKey
    public var status: SyncStatusCode
    public var health: HealthStatusCode?
    public var message: String?

    public init(key: ResourceKey, status: SyncStatusCode, health: HealthStatusCode?, message: String? = nil) {
        self.key = key
        self.status = status
        self.health = health
        self.message = message
    }
}

/// A condition on an application, in Argo CD's terms (`ComparisonError`, `SyncError`,
/// `InvalidSpecError`…), with a message naming what to fix.
public struct AppCondition: Codable, Sendable, Hashable {
    public var type: String
    public var message: String

    public init(type: String, message: String) {
        self.type = type
        self.message = message
    }
}
