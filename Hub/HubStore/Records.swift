import Foundation
import HawserProtocol

/// The hub's persistent state as plain values. These types are the store's whole vocabulary:
/// no database types appear in them, so the SQLite and PostgreSQL stores are interchangeable.

/// A managed cluster and what its agent last told us.
public struct ClusterRecord: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable, CaseIterable {
        /// Created by an admin; the agent has not joined with its bootstrap token yet.
        case pending
        /// The agent joined and holds a client certificate.
        case registered
        /// Access withdrawn; the agent's certificate is no longer accepted.
        case revoked
    }

    /// UUID string; stable across renames.
    public var id: String
    /// Unique; what applications name as their destination.
    public var name: String
    public var labels: [String: String]
    public var state: State
    public var createdAt: Date
    public var certificateSerial: String?
    /// The serial before the last renewal: still accepted until the agent connects with the
    /// new one, so a crash between renewal and saving the new certificate cannot lock it out.
    public var previousCertificateSerial: String?
    public var certificateNotAfter: Date?
    public var agentVersion: String?
    public var kubernetesVersion: String?
    public var connected: Bool
    public var lastHeartbeat: Date?
    public var lastSeenAddress: String?

    public init(
        id: String = UUID().uuidString, name: String, labels: [String: String] = [:], state: State = .pending,
        createdAt: Date, certificateSerial: String? = nil, previousCertificateSerial: String? = nil, certificateNotAfter: Date? = nil,
        agentVersion: String? = nil, kubernetesVersion: String? = nil, connected: Bool = false,
        lastHeartbeat: Date? = nil, lastSeenAddress: String? = nil
    ) {
        self.id = id
        self.name = name
        self.labels = labels
        self.state = state
        self.createdAt = createdAt
        self.certificateSerial = certificateSerial
        self.previousCertificateSerial = previousCertificateSerial
        self.certificateNotAfter = certificateNotAfter
        self.agentVersion = agentVersion
        self.kubernetesVersion = kubernetesVersion
        self.connected = connected
        self.lastHeartbeat = lastHeartbeat
        self.lastSeenAddress = lastSeenAddress
    }
}

/// A one-time token an agent presents to join its cluster. Only the hex SHA-256 of the token is
/// stored, so a leaked database does not let anyone join.
public struct BootstrapTokenRecord: Codable, Sendable, Hashable {
    public var tokenHash: String
    public var clusterId: String
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?

    public init(tokenHash: String, clusterId: String, createdAt: Date, expiresAt: Date, usedAt: Date? = nil) {
        self.tokenHash = tokenHash
        self.clusterId = clusterId
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }
}

/// An application: which directory of which repository goes to which cluster and namespace.
public struct AppRecord: Codable, Sendable, Hashable {
    /// The name agents know this app by: a fleet deployment's parent's (each cluster holds one
    /// deployment of a fleet app), else its own.
    public var wireID: String { parent ?? name }
    public var isFleet: Bool { clusterSelector != nil }

    /// Unique; the primary key.
    public var name: String
    public var project: String
    public var repoURL: String
    /// Directory inside the repository.
    public var path: String
    /// Branch, tag, SHA or `HEAD`.
    public var targetRevision: String
    /// Destination cluster's name (not its id, so an app can be declared before its cluster).
    public var cluster: String
    public var namespace: String
    public var autoSync: Bool
    public var selfHeal: Bool
    public var prune: Bool
    /// Argo CD sync options such as `CreateNamespace=true`.
    public var syncOptions: [String]
    public var retry: RetryPolicy?
    public var ignoreDifferences: [IgnoreDifference]
    public var revisionHistoryLimit: Int
    /// Set by a rollback: renders use this commit instead of `targetRevision` until the next
    /// sync or change of the app.
    public var rollback: RollbackPin?
    /// The app's own labels, for label-selector filters.
    public var labels: [String: String]
    /// Directory and Helm options.
    public var source: SourceOptions
    /// A fleet application's rollout (`maxUnavailable`); nil for all clusters at once.
    public var rollout: RolloutStrategy?
    /// Set on the per-cluster deployments a fleet application fans out to (`<parent>.<cluster>`):
    /// the fleet application's name. Agents know them by that name.
    public var parent: String?
    /// A fleet application's label selector over clusters (then `cluster` is empty).
    public var clusterSelector: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// Set when a user asks for a refresh; the poller re-reads Git for apps with one pending.
    public var refreshRequestedAt: Date?
    /// Set when a config repository defines the app.
    public var managedBy: ManagedBy?

    public init(
        name: String, project: String = "default", repoURL: String, path: String, targetRevision: String = "HEAD",
        cluster: String, namespace: String, autoSync: Bool = false, selfHeal: Bool = false, prune: Bool = false,
        syncOptions: [String] = [], retry: RetryPolicy? = nil, ignoreDifferences: [IgnoreDifference] = [],
        revisionHistoryLimit: Int = 10, rollback: RollbackPin? = nil, labels: [String: String] = [:], source: SourceOptions = SourceOptions(),
        rollout: RolloutStrategy? = nil, createdAt: Date, updatedAt: Date? = nil, refreshRequestedAt: Date? = nil,
        parent: String? = nil, clusterSelector: String? = nil, managedBy: ManagedBy? = nil
    ) {
        self.managedBy = managedBy
        self.source = source
        self.rollout = rollout
        self.parent = parent
        self.clusterSelector = clusterSelector
        self.revisionHistoryLimit = revisionHistoryLimit
        self.rollback = rollback
        self.labels = labels
        self.syncOptions = syncOptions
        self.retry = retry
        self.ignoreDifferences = ignoreDifferences
        self.name = name
        self.project = project
        self.repoURL = repoURL
        self.path = path
        self.targetRevision = targetRevision
        self.cluster = cluster
        self.namespace = namespace
        self.autoSync = autoSync
        self.selfHeal = selfHeal
        self.prune = prune
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.refreshRequestedAt = refreshRequestedAt
    }
}

/// The commit a render came from, as shown to users. Kept here (not `HubGit.GitCommit`) so the
/// store does not depend on libgit2.
public struct RenderedCommit: Codable, Sendable, Hashable {
    public var sha: String
    /// "Name <email>".
    public var author: String
    public var date: Date
    public var message: String

    public init(sha: String, author: String, date: Date, message: String) {
        self.sha = sha
        self.author = author
        self.date = date
        self.message = message
    }
}

/// The latest render of an application: the desired state agents are asked to apply.
public struct AppRenderRecord: Codable, Sendable, Hashable {
    public var appName: String
    /// Commit SHA rendered; `nil` when the revision could not be resolved.
    public var revision: String?
    public var commit: RenderedCommit?
    public var manifests: [Manifest]
    /// Hex SHA-256 of the canonical JSON of `manifests`, computed by the caller (the store has
    /// no hash function); agents use it to skip unchanged desired state.
    public var manifestsDigest: String
    /// E.g. a `ComparisonError` when the render failed (then `manifests` is the last good set or
    /// empty, at the caller's choice).
    public var conditions: [AppCondition]
    public var renderedAt: Date
    /// Bumped by the caller each time the desired state changes; agents echo it back as
    /// `AppStatusRecord.observedGeneration`. The store keeps it as given.
    public var generation: Int

    public init(
        appName: String, revision: String?, commit: RenderedCommit?, manifests: [Manifest], manifestsDigest: String,
        conditions: [AppCondition] = [], renderedAt: Date, generation: Int = 0
    ) {
        self.appName = appName
        self.revision = revision
        self.commit = commit
        self.manifests = manifests
        self.manifestsDigest = manifestsDigest
        self.conditions = conditions
        self.renderedAt = renderedAt
        self.generation = generation
    }
}

/// What one cluster's agent last reported about one application.
public struct AppStatusRecord: Codable, Sendable, Hashable {
    public var appName: String
    public var clusterId: String
    public var revision: String?
    /// The render generation the agent was working from, so the hub can tell a report about
    /// stale desired state from a current one.
    public var observedGeneration: Int?
    /// A `SyncStatusCode` raw value.
    public var sync: String
    /// A `HealthStatusCode` raw value.
    public var health: String
    public var resources: [ResourceStatus]
    public var conditions: [AppCondition]
    public var message: String?
    /// E.g. `Running`, `Succeeded`, `Failed` for the last sync operation.
    public var operationPhase: String?
    /// The last sync operation with per-resource results.
    public var operation: OperationState?
    public var reportedAt: Date

    public init(
        appName: String, clusterId: String, revision: String?, observedGeneration: Int? = nil, sync: String, health: String,
        resources: [ResourceStatus] = [], conditions: [AppCondition] = [], message: String? = nil,
        operationPhase: String? = nil, operation: OperationState? = nil, reportedAt: Date
    ) {
        self.operation = operation
        self.appName = appName
        self.clusterId = clusterId
        self.revision = revision
        self.observedGeneration = observedGeneration
        self.sync = sync
        self.health = health
        self.resources = resources
        self.conditions = conditions
        self.message = message
        self.operationPhase = operationPhase
        self.reportedAt = reportedAt
    }
}

/// A rollback in effect: the past deployment it returned to, who asked and when.
public struct RollbackPin: Codable, Sendable, Hashable {
    public var revision: String
    public var historyID: Int64
    public var by: String
    public var at: Date

    public init(revision: String, historyID: Int64, by: String, at: Date) {
        self.revision = revision
        self.historyID = historyID
        self.by = by
        self.at = at
    }
}

/// One past deployment, as stored (`app_history`).
public struct HistoryRecord: Codable, Sendable, Hashable {
    public var id: Int64?
    public var appName: String
    public var cluster: String
    public var revision: String
    public var manifestsDigest: String?
    public var initiatedBy: String
    public var startedAt: Date
    public var deployedAt: Date
    public var result: String
    public var message: String?

    public init(id: Int64? = nil, appName: String, cluster: String, revision: String, manifestsDigest: String?, initiatedBy: String,
                startedAt: Date, deployedAt: Date, result: String, message: String?) {
        self.id = id
        self.appName = appName
        self.cluster = cluster
        self.revision = revision
        self.manifestsDigest = manifestsDigest
        self.initiatedBy = initiatedBy
        self.startedAt = startedAt
        self.deployedAt = deployedAt
        self.result = result
        self.message = message
    }
}

