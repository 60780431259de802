import Foundation
import HawserProtocol

/// A config repository as stored: where the hub reads its own configuration from, and what it
/// made of the last commit it read.
public struct ConfigRepoRecord: Codable, Sendable, Hashable {
    public var name: String
    public var url: String
    public var path: String
    public var revision: String
    public var prune: Bool
    public var serverClusters: [String: String]
    public var createdAt: Date
    public var createdBy: String
    public var state: ConfigRepoState

    public init(name: String, url: String, path: String, revision: String, prune: Bool, serverClusters: [String: String], createdAt: Date, createdBy: String,
                state: ConfigRepoState = ConfigRepoState()) {
        self.name = name
        self.url = url
        self.path = path
        self.revision = revision
        self.prune = prune
        self.serverClusters = serverClusters
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.state = state
    }
}

/// One JSON column: read and written together, and new fields need no migration.
public struct ConfigRepoState: Codable, Sendable, Hashable {
    public var appliedCommit: CommitInfo?
    public var appliedAt: Date?
    public var lastCommit: CommitInfo?
    public var checkedAt: Date?
    public var errors: [ConfigDiagnostic]
    public var warnings: [ConfigDiagnostic]
    /// Objects removed from Git but kept (no prune, or `Prune=false`).
    public var orphaned: [ConfigOutcome]
    /// The RBAC policy of the applied commit, added to the hub's own.
    public var policy: ConfigPolicy?

    public init(appliedCommit: CommitInfo? = nil, appliedAt: Date? = nil, lastCommit: CommitInfo? = nil, checkedAt: Date? = nil,
                errors: [ConfigDiagnostic] = [], warnings: [ConfigDiagnostic] = [], orphaned: [ConfigOutcome] = [], policy: ConfigPolicy? = nil) {
        self.appliedCommit = appliedCommit
        self.appliedAt = appliedAt
        self.lastCommit = lastCommit
        self.checkedAt = checkedAt
        self.errors = errors
        self.warnings = warnings
        self.orphaned = orphaned
        self.policy = policy
    }
}

/// RBAC policy lines from a config repository's file (added to policy.csv; the default role
/// stays the hub's).
public struct ConfigPolicy: Codable, Sendable, Hashable {
    public var csv: String
    public var file: String
    public init(csv: String, file: String) {
        self.csv = csv
        self.file = file
    }
}

/// Everything one commit of a config repository (or one `hawser apply`) changes, written in
/// one transaction with its audit entries: it applies whole or not at all.
///
/// Each change to an existing object names who manages it as it was planned (`owner`: a config
/// repository, or nil): if that changed before the transaction (another repository or an
/// `apply` got there first), the whole set fails with `conflict` instead of overwriting it.
public struct ConfigChanges: Sendable {
    public var createProjects: [ProjectRecord] = []
    /// Replaces the spec and `managedBy` of each named project.
    public var updateProjects: [(record: ProjectRecord, owner: ManagedBy?)] = []
    public var createApps: [AppRecord] = []
    /// Changes to existing apps, made on the stored record inside the transaction.
    public var updateApps: [(name: String, owner: ManagedBy?, change: @Sendable (inout AppRecord) -> Void)] = []
    public var deleteApps: [(name: String, owner: ManagedBy?)] = []
    public var deleteProjects: [(name: String, owner: ManagedBy?)] = []
    /// Saved with the changes (its state says which commit they came from).
    public var configRepo: ConfigRepoRecord?
    public var audit: [AuditRecord] = []

    public init() {}

    public var isEmpty: Bool {
        createProjects.isEmpty && updateProjects.isEmpty && createApps.isEmpty && updateApps.isEmpty && deleteApps.isEmpty && deleteProjects.isEmpty
    }
}
