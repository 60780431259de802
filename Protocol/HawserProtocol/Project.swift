/// A project (Argo CD's AppProject, same field names): the tenant boundary. It says which
/// repositories an app may come from, which clusters and namespaces it may deploy to, which
/// kinds it may create, who may do what inside it, and when syncs may run.
///
/// Shared by hub and agent: the hub enforces it when an app is created or changed and on every
/// render; the assignment carries the rules (`ProjectRules`) and the agent enforces them again.
public struct ProjectSpec: Codable, Sendable, Hashable {
    public var description: String?
    /// Repository URL globs apps may use; empty allows none (Argo CD: `*` allows all).
    public var sourceRepos: [String]
    /// Where apps may deploy; empty allows nowhere.
    public var destinations: [ProjectDestination]
    /// Cluster-scoped kinds apps may create: empty allows none (Argo CD's default).
    public var clusterResourceWhitelist: [GroupKind]
    public var clusterResourceBlacklist: [GroupKind]
    /// Namespaced kinds: an empty whitelist allows all (Argo CD's default).
    public var namespaceResourceWhitelist: [GroupKind]
    public var namespaceResourceBlacklist: [GroupKind]
    public var roles: [ProjectRole]
    public var syncWindows: [SyncWindow]

    public init(description: String? = nil, sourceRepos: [String] = [], destinations: [ProjectDestination] = [],
                clusterResourceWhitelist: [GroupKind] = [], clusterResourceBlacklist: [GroupKind] = [],
                namespaceResourceWhitelist: [GroupKind] = [], namespaceResourceBlacklist: [GroupKind] = [],
                roles: [ProjectRole] = [], syncWindows: [SyncWindow] = []) {
        self.description = description
        self.sourceRepos = sourceRepos
        self.destinations = destinations
        self.clusterResourceWhitelist = clusterResourceWhitelist
        self.clusterResourceBlacklist = clusterResourceBlacklist
        self.namespaceResourceWhitelist = namespaceResourceWhitelist
        self.namespaceResourceBlacklist = namespaceResourceBlacklist
        self.roles = roles
        self.syncWindows = syncWindows
    }

    /// Every field optional on input: `{"sourceRepos":["*"]}` is a valid spec.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        sourceRepos = try c.decodeIfPresent([String].self, forKey: .sourceRepos) ?? []
        destinations = try c.decodeIfPresent([ProjectDestination].self, forKey: .destinations) ?? []
        clusterResourceWhitelist = try c.decodeIfPresent([GroupKind].self, forKey: .clusterResourceWhitelist) ?? []
        clusterResourceBlacklist = try c.decodeIfPresent([GroupKind].self, forKey: .clusterResourceBlacklist) ?? []
        namespaceResourceWhitelist = try c.decodeIfPresent([GroupKind].self, forKey: .namespaceResourceWhitelist) ?? []
        namespaceResourceBlacklist = try c.decodeIfPresent([GroupKind].self, forKey: .namespaceResourceBlacklist) ?? []
        roles = try c.decodeIfPresent([ProjectRole].self, forKey: .roles) ?? []
        syncWindows = try c.decodeIfPresent([SyncWindow].self, forKey: .syncWindows) ?? []
    }

    /// The `default` project every hub starts with: anything from anywhere to anywhere, as in
    /// Argo CD. Platform teams tighten it or give each team its own project.
    public static let permissive = ProjectSpec(
        description: "Default project: any repository, any cluster and namespace, any kind",
        sourceRepos: ["*"], destinations: [ProjectDestination(name: "*", namespace: "*")],
        clusterResourceWhitelist: [GroupKind(group: "*", kind: "*")])
}

/// A cluster-name glob and a namespace glob; either may start with `!` to deny.
/// (`server` is accepted for Argo CD compatibility and matched against the cluster name too:
/// Hawser clusters are reached through their agent, not by API server URL.)
public struct ProjectDestination: Codable, Sendable, Hashable {
    public var name: String?
    public var server: String?
    public var namespace: String

    public init(name: String? = nil, server: String? = nil, namespace: String) {
        self.name = name
        self.server = server
        self.namespace = namespace
    }
}

/// An API group (`""` for the core group) and kind; both globs.
public struct GroupKind: Codable, Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var kind: String
    public init(group: String, kind: String) {
        self.group = group
        self.kind = kind
    }
    public var description: String { "\(group.isEmpty ? "core" : group)/\(kind)" }
}

/// A project role: policies in policy.csv form whose subject is `proj:<project>:<role>`, and
/// the SSO groups that hold it.
public struct ProjectRole: Codable, Sendable, Hashable {
    public var name: String
    public var description: String?
    public var policies: [String]
    public var groups: [String]

    public init(name: String, description: String? = nil, policies: [String] = [], groups: [String] = []) {
        self.name = name
        self.description = description
        self.policies = policies
        self.groups = groups
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        policies = try c.decodeIfPresent([String].self, forKey: .policies) ?? []
        groups = try c.decodeIfPresent([String].self, forKey: .groups) ?? []
    }
}

/// Argo CD's sync window: during an `allow` window syncs may run; during a `deny` window they
/// may not (deny wins over allow). When any allow window exists, syncs run only inside one.
/// `manualSync` lets people sync by hand while automated syncs wait.
public struct SyncWindow: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable { case allow, deny }
    public var kind: Kind
    /// Five-field cron: minute hour day-of-month month day-of-week.
    public var schedule: String
    /// `1h`, `30m`, `1h30m`.
    public var duration: String
    public var applications: [String]
    public var namespaces: [String]
    public var clusters: [String]
    public var manualSync: Bool
    /// IANA time zone of the schedule, default UTC.
    public var timeZone: String?

    public init(kind: Kind, schedule: String, duration: String, applications: [String] = [], namespaces: [String] = [],
                clusters: [String] = [], manualSync: Bool = false, timeZone: String? = nil) {
        self.kind = kind
        self.schedule = schedule
        self.duration = duration
        self.applications = applications
        self.namespaces = namespaces
        self.clusters = clusters
        self.manualSync = manualSync
        self.timeZone = timeZone
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(Kind.self, forKey: .kind)
        schedule = try c.decode(String.self, forKey: .schedule)
        duration = try c.decode(String.self, forKey: .duration)
        applications = try c.decodeIfPresent([String].self, forKey: .applications) ?? []
        namespaces = try c.decodeIfPresent([String].self, forKey: .namespaces) ?? []
        clusters = try c.decodeIfPresent([String].self, forKey: .clusters) ?? []
        manualSync = try c.decodeIfPresent(Bool.self, forKey: .manualSync) ?? false
        timeZone = try c.decodeIfPresent(String.self, forKey: .timeZone)
    }
}
