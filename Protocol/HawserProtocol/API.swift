import Foundation

/// Request and response bodies of the hub's REST API (`/api/v1`). The `hawser` CLI uses these
/// types and nothing else of the hub, exactly as an outside client would (Nomad's `api/` model).

/// `{"error": "not_found", "message": "application \"x\" not found"}` on every non-2xx answer.
public struct APIErrorBody: Codable, Sendable {
    public var error: String
    public var message: String
    public init(error: String, message: String) {
        self.error = error
        self.message = message
    }
}

public struct ListResponse<Item: Codable & Sendable>: Codable, Sendable {
    public var items: [Item]
    /// Present when there is more: pass it back as `continue` for the next page.
    public var `continue`: String?
    public init(items: [Item], continue next: String? = nil) {
        self.items = items
        self.continue = next
    }
}

/// Counts of applications by sync and health (`GET /api/v1/summary`), overall, per project and
/// per cluster, over the applications the caller may see.
public struct AppSummary: Codable, Sendable, Hashable {
    public struct Counts: Codable, Sendable, Hashable {
        public var total: Int = 0
        public var sync: [String: Int] = [:]
        public var health: [String: Int] = [:]
        public init() {}
        public mutating func add(sync s: SyncStatusCode, health h: HealthStatusCode, count: Int = 1) {
            total += count
            sync[s.rawValue, default: 0] += count
            health[h.rawValue, default: 0] += count
        }
    }
    public var all: Counts
    public var projects: [String: Counts]
    public var clusters: [String: Counts]
    public init(all: Counts = .init(), projects: [String: Counts] = [:], clusters: [String: Counts] = [:]) {
        self.all = all
        self.projects = projects
        self.clusters = clusters
    }
}

public struct VersionInfo: Codable, Sendable {
    public var version: String
    public var protocolVersions: [Int]
    public var caFingerprint: String
    public var agentAddress: String
    public init(version: String, protocolVersions: [Int], caFingerprint: String, agentAddress: String) {
        self.version = version
        self.protocolVersions = protocolVersions
        self.caFingerprint = caFingerprint
        self.agentAddress = agentAddress
    }
}

// MARK: Clusters

/// `PUT /api/v1/clusters/{name}` (`hawser cluster set`): the cluster's labels, replaced.
public struct ClusterUpdateRequest: Codable, Sendable {
    public var labels: [String: String]
    public init(labels: [String: String]) { self.labels = labels }
}

public struct ClusterCreateRequest: Codable, Sendable {
    public var name: String
    public var labels: [String: String]
    /// Bootstrap token lifetime in seconds (default one hour).
    public var tokenTTLSeconds: Double?
    public init(name: String, labels: [String: String] = [:], tokenTTLSeconds: Double? = nil) {
        self.name = name
        self.labels = labels
        self.tokenTTLSeconds = tokenTTLSeconds
    }

    /// Only `name` is required.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        tokenTTLSeconds = try c.decodeIfPresent(Double.self, forKey: .tokenTTLSeconds)
    }
}

public struct ClusterView: Codable, Sendable {
    public var id: String
    public var name: String
    public var labels: [String: String]
    /// `pending` (waiting for its agent to join), `registered` or `revoked`.
    public var state: String
    /// Connected or within its lease (see `connectionState`).
    public var connected: Bool
    /// `Connected` (its agent's connection is open on this hub), `Reconnecting` (no connection
    /// here, but its last heartbeat is within the lease of three heartbeat intervals and this
    /// hub has not seen it leave: a hub that just restarted does not call live agents failed),
    /// or `Disconnected`.
    public var connectionState: String?
    public var lastHeartbeat: Date?
    public var agentVersion: String?
    public var kubernetesVersion: String?
    public var certificateNotAfter: Date?
    public var createdAt: Date
    public init(id: String, name: String, labels: [String: String], state: String, connected: Bool, lastHeartbeat: Date?, agentVersion: String?, kubernetesVersion: String?, certificateNotAfter: Date?, createdAt: Date,
                connectionState: String? = nil) {
        self.connectionState = connectionState ?? (connected ? "Connected" : "Disconnected")
        self.id = id
        self.name = name
        self.labels = labels
        self.state = state
        self.connected = connected
        self.lastHeartbeat = lastHeartbeat
        self.agentVersion = agentVersion
        self.kubernetesVersion = kubernetesVersion
        self.certificateNotAfter = certificateNotAfter
        self.createdAt = createdAt
    }
}

public struct ClusterCreateResponse: Codable, Sendable {
    public var cluster: ClusterView
    /// Shown once; the hub keeps only its hash.
    public var bootstrapToken: String
    public var expiresAt: Date
    public var caFingerprint: String
    /// The exact command to run beside the cluster.
    public var joinCommand: String
    public init(cluster: ClusterView, bootstrapToken: String, expiresAt: Date, caFingerprint: String, joinCommand: String) {
        self.cluster = cluster
        self.bootstrapToken = bootstrapToken
        self.expiresAt = expiresAt
        self.caFingerprint = caFingerprint
        self.joinCommand = joinCommand
    }
}

// MARK: Applications

public struct AppSpec: Codable, Sendable, Hashable {
    public var name: String
    public var project: String
    public var repoURL: String
    public var path: String
    public var targetRevision: String
    public var cluster: String
    public var namespace: String
    public var syncPolicy: SyncPolicy
    public var ignoreDifferences: [IgnoreDifference]
    /// How many past deployments `hawser app history` keeps (Argo CD's default: 10).
    public var revisionHistoryLimit: Int
    /// The Application's own labels (Argo CD's `metadata.labels`): team, tier… Lists filter by
    /// them with a label selector (`?selector=team=payments`, `hawser app list -l`).
    public var labels: [String: String]
    /// Directory and Helm options (Argo CD's `spec.source.directory` / `spec.source.helm`).
    public var directory: DirectoryOptions?
    public var helm: HelmOptions?
    /// A fleet application: every cluster whose labels match this label selector (e.g.
    /// `env=prod,region in (eu,us)`) gets one deployment; `cluster` is then empty.
    public var clusterSelector: String?
    /// A fleet application's rollout of new revisions across its clusters.
    public var rollout: RolloutStrategy?
    public init(name: String, project: String = "default", repoURL: String, path: String, targetRevision: String = "HEAD", cluster: String, namespace: String, syncPolicy: SyncPolicy = .init(), ignoreDifferences: [IgnoreDifference] = [], revisionHistoryLimit: Int = 10, labels: [String: String] = [:],
                directory: DirectoryOptions? = nil, helm: HelmOptions? = nil, clusterSelector: String? = nil, rollout: RolloutStrategy? = nil) {
        self.labels = labels
        self.clusterSelector = clusterSelector
        self.rollout = rollout
        self.directory = directory
        self.helm = helm
        self.revisionHistoryLimit = revisionHistoryLimit
        self.ignoreDifferences = ignoreDifferences
        self.name = name
        self.project = project
        self.repoURL = repoURL
        self.path = path
        self.targetRevision = targetRevision
        self.cluster = cluster
        self.namespace = namespace
        self.syncPolicy = syncPolicy
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        project = try c.decodeIfPresent(String.self, forKey: .project) ?? "default"
        repoURL = try c.decode(String.self, forKey: .repoURL)
        path = try c.decodeIfPresent(String.self, forKey: .path) ?? "."
        targetRevision = try c.decodeIfPresent(String.self, forKey: .targetRevision) ?? "HEAD"
        cluster = try c.decodeIfPresent(String.self, forKey: .cluster) ?? ""
        namespace = try c.decode(String.self, forKey: .namespace)
        syncPolicy = try c.decodeIfPresent(SyncPolicy.self, forKey: .syncPolicy) ?? SyncPolicy()
        ignoreDifferences = try c.decodeIfPresent([IgnoreDifference].self, forKey: .ignoreDifferences) ?? []
        revisionHistoryLimit = try c.decodeIfPresent(Int.self, forKey: .revisionHistoryLimit) ?? 10
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        directory = try c.decodeIfPresent(DirectoryOptions.self, forKey: .directory)
        helm = try c.decodeIfPresent(HelmOptions.self, forKey: .helm)
        clusterSelector = try c.decodeIfPresent(String.self, forKey: .clusterSelector)
        rollout = try c.decodeIfPresent(RolloutStrategy.self, forKey: .rollout)
    }

    public var source: SourceOptions { SourceOptions(directory: directory, helm: helm) }
}

/// One past deployment of an app to its cluster (`GET /api/v1/applications/{name}/history`).
public struct HistoryEntry: Codable, Sendable, Hashable {
    /// What `hawser app rollback APP ID` takes.
    public var id: Int64
    public var cluster: String
    public var revision: String
    public var manifestsDigest: String?
    public var initiatedBy: String
    public var startedAt: Date
    public var deployedAt: Date
    /// `Succeeded`, `Failed` or `Error`.
    public var result: String
    public var message: String?
    /// The application and its project (set in the hub-wide list of recent deployments).
    public var app: String?
    public var project: String?

    public init(id: Int64, cluster: String, revision: String, manifestsDigest: String?, initiatedBy: String, startedAt: Date, deployedAt: Date, result: String, message: String?,
                app: String? = nil, project: String? = nil) {
        self.app = app
        self.project = project
        self.id = id
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

/// `POST /api/v1/applications/{name}/rollback`.
public struct RollbackRequest: Codable, Sendable {
    public var id: Int64
    public init(id: Int64) { self.id = id }
}

public struct CommitInfo: Codable, Sendable, Hashable {
    public var sha: String
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

/// An application as the API shows it: its spec, what the hub rendered, and what the agent reported.
public struct AppView: Codable, Sendable {
    public var spec: AppSpec
    /// Commit the hub last rendered for `targetRevision`.
    public var targetCommit: CommitInfo?
    /// Revision the cluster runs, as the agent reported it.
    public var syncedRevision: String?
    public var sync: SyncStatusCode
    public var health: HealthStatusCode
    public var conditions: [AppCondition]
    public var resources: [ResourceStatus]
    public var operationPhase: OperationPhase?
    /// The last sync operation with its per-resource results.
    public var operation: OperationState?
    public var message: String?
    public var reportedAt: Date?
    public var createdAt: Date
    /// A fleet application's clusters, one row each (nil for a single-cluster app).
    public var destinations: [DestinationView]?
    /// Set on a fleet's per-cluster deployment: the fleet application it belongs to.
    public var parent: String?
    /// The app's latest commands (sync, refresh) and whether its agent got them, newest first.
    public var commands: [CommandView]?
    /// Set when a config repository defines the app: change it there, not through the API.
    public var managedBy: ManagedBy?
    public init(spec: AppSpec, targetCommit: CommitInfo?, syncedRevision: String?, sync: SyncStatusCode, health: HealthStatusCode, conditions: [AppCondition], resources: [ResourceStatus], operationPhase: OperationPhase?, operation: OperationState? = nil, message: String?, reportedAt: Date?, createdAt: Date,
                destinations: [DestinationView]? = nil, parent: String? = nil, commands: [CommandView]? = nil, managedBy: ManagedBy? = nil) {
        self.managedBy = managedBy
        self.commands = commands
        self.destinations = destinations
        self.parent = parent
        self.operation = operation
        self.spec = spec
        self.targetCommit = targetCommit
        self.syncedRevision = syncedRevision
        self.sync = sync
        self.health = health
        self.conditions = conditions
        self.resources = resources
        self.operationPhase = operationPhase
        self.message = message
        self.reportedAt = reportedAt
        self.createdAt = createdAt
    }
}

public struct AppDeleteOptions: Codable, Sendable {
    public var cascade: Bool
    public init(cascade: Bool = true) { self.cascade = cascade }
}

/// A project as the API shows it (`GET /api/v1/projects/{name}`) and takes it (`POST` to
/// create, `PUT` to replace the spec).
public struct ProjectView: Codable, Sendable, Hashable {
    public var name: String
    public var spec: ProjectSpec
    public var createdAt: Date?
    public var updatedAt: Date?
    /// Applications in the project (read-only; ignored on input).
    public var applications: Int?
    /// Set when a config repository defines the project (read-only).
    public var managedBy: ManagedBy?

    public init(name: String, spec: ProjectSpec, createdAt: Date? = nil, updatedAt: Date? = nil, applications: Int? = nil, managedBy: ManagedBy? = nil) {
        self.managedBy = managedBy
        self.name = name
        self.spec = spec
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.applications = applications
    }
}

// MARK: Sessions, accounts and tokens

/// `POST /api/v1/session`: a local account's name and password, or an SSO ID token from the
/// company's identity provider (what `hawser login --sso` obtains).
public struct LoginRequest: Codable, Sendable {
    public var username: String?
    public var password: String?
    public var idToken: String?
    public var nonce: String?
    /// `hawser login --sso`: the authorization code the provider sent to the CLI's loopback
    /// redirect, with the CLI's PKCE verifier; the hub exchanges it.
    public var code: String?
    public var codeVerifier: String?
    public var redirectURI: String?

    public init(username: String? = nil, password: String? = nil, idToken: String? = nil, nonce: String? = nil,
                code: String? = nil, codeVerifier: String? = nil, redirectURI: String? = nil) {
        self.username = username
        self.password = password
        self.idToken = idToken
        self.nonce = nonce
        self.code = code
        self.codeVerifier = codeVerifier
        self.redirectURI = redirectURI
    }
}

/// `GET /api/v1/settings` (no login needed): how to log in with SSO, if the hub offers it.
public struct SSOSettings: Codable, Sendable {
    public var issuer: String
    public var clientID: String
    public var scopes: [String]
    public var authorizationEndpoint: String

    public init(issuer: String, clientID: String, scopes: [String], authorizationEndpoint: String) {
        self.issuer = issuer
        self.clientID = clientID
        self.scopes = scopes
        self.authorizationEndpoint = authorizationEndpoint
    }
}

public struct HubSettings: Codable, Sendable {
    /// nil when the hub has no SSO.
    public var sso: SSOSettings?
    public init(sso: SSOSettings?) { self.sso = sso }
}

/// A hub session token and whom it stands for.
public struct SessionResponse: Codable, Sendable {
    public var token: String
    public var subject: String
    public var groups: [String]
    public var expiresAt: Date

    public init(token: String, subject: String, groups: [String], expiresAt: Date) {
        self.token = token
        self.subject = subject
        self.groups = groups
        self.expiresAt = expiresAt
    }
}

/// `GET /api/v1/session`: who the caller is.
public struct UserInfo: Codable, Sendable {
    public var subject: String
    public var groups: [String]
    public init(subject: String, groups: [String]) {
        self.subject = subject
        self.groups = groups
    }
}

/// `PUT /api/v1/accounts/{name}/password`.
public struct PasswordUpdateRequest: Codable, Sendable {
    public var currentPassword: String?
    public var newPassword: String
    public init(currentPassword: String?, newPassword: String) {
        self.currentPassword = currentPassword
        self.newPassword = newPassword
    }
}

/// `POST /api/v1/tokens`: a project role token (`project` + `role`) or a local account's token
/// (`account`).
public struct TokenCreateRequest: Codable, Sendable {
    public var project: String?
    public var role: String?
    public var account: String?
    public var expiresInSeconds: Double?
    public var description: String?

    public init(project: String? = nil, role: String? = nil, account: String? = nil, expiresInSeconds: Double? = nil, description: String? = nil) {
        self.project = project
        self.role = role
        self.account = account
        self.expiresInSeconds = expiresInSeconds
        self.description = description
    }
}

/// An API token as listed (never the token itself).
public struct TokenView: Codable, Sendable, Hashable {
    public var id: String
    public var subject: String
    public var project: String?
    public var role: String?
    public var description: String?
    public var createdBy: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?

    public init(id: String, subject: String, project: String?, role: String?, description: String?, createdBy: String, createdAt: Date, expiresAt: Date?, revokedAt: Date?) {
        self.id = id
        self.subject = subject
        self.project = project
        self.role = role
        self.description = description
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}

/// The answer to `POST /api/v1/tokens`: the token, shown this once.
public struct TokenCreateResponse: Codable, Sendable {
    public var token: String
    public var info: TokenView
    public init(token: String, info: TokenView) {
        self.token = token
        self.info = info
    }
}

/// `POST /api/v1/rbac/can`: may `subject` (default: the caller) do `action` on `resource`
/// `object`? The answer names the policy line that decided.
public struct RBACCanRequest: Codable, Sendable {
    public var subject: String?
    public var groups: [String]?
    public var action: String
    public var resource: String
    public var object: String?

    public init(subject: String?, groups: [String]?, action: String, resource: String, object: String?) {
        self.subject = subject
        self.groups = groups
        self.action = action
        self.resource = resource
        self.object = object
    }
}

public struct RBACCanResponse: Codable, Sendable {
    public var allowed: Bool
    public var reason: String
    public var lines: [String]
    public init(allowed: Bool, reason: String, lines: [String]) {
        self.allowed = allowed
        self.reason = reason
        self.lines = lines
    }
}

/// One entry of the audit trail (`GET /api/v1/audit`).
public struct AuditEventView: Codable, Sendable, Hashable {
    public var id: Int64
    public var at: Date
    public var actor: String
    public var groups: [String]
    public var action: String
    public var resource: String
    public var object: String
    public var outcome: String
    public var detail: String?
    /// The hash chain: this entry's SHA-256 and the previous one's (`hawser audit verify`).
    public var hash: String?
    public var previousHash: String?

    public init(id: Int64, at: Date, actor: String, groups: [String], action: String, resource: String, object: String, outcome: String, detail: String?,
                hash: String? = nil, previousHash: String? = nil) {
        self.hash = hash
        self.previousHash = previousHash
        self.id = id
        self.at = at
        self.actor = actor
        self.groups = groups
        self.action = action
        self.resource = resource
        self.object = object
        self.outcome = outcome
        self.detail = detail
    }
}

/// `GET /api/v1/audit/verify`: is the audit trail's hash chain intact?
public struct AuditVerifyResponse: Codable, Sendable {
    public var entries: Int
    public var intact: Bool
    public var firstBrokenID: Int64?
    public var problem: String?

    public init(entries: Int, intact: Bool, firstBrokenID: Int64?, problem: String?) {
        self.entries = entries
        self.intact = intact
        self.firstBrokenID = firstBrokenID
        self.problem = problem
    }
}


/// A command (sync, refresh) for an app's agent, as the app view lists it: whether the agent
/// got it, is still to get it when it reconnects, or was away until it expired.
public struct CommandView: Codable, Sendable, Hashable {
    public var id: Int64
    public var action: String
    public var cluster: String
    public var initiatedBy: String
    public var issuedAt: Date
    public var expiresAt: Date
    /// `pending`, `delivered` or `expired`.
    public var state: String
    public var settledAt: Date?
    public init(id: Int64, action: String, cluster: String, initiatedBy: String, issuedAt: Date, expiresAt: Date, state: String, settledAt: Date?) {
        self.id = id
        self.action = action
        self.cluster = cluster
        self.initiatedBy = initiatedBy
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.state = state
        self.settledAt = settledAt
    }
}
