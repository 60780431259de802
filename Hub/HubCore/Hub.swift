import Foundation
import HawserProtocol
import HubAuth
import HubNotify
import HubPKI
import HubRBAC
import HubRender
import HubStore
import Logging
import NIOPosix

/// The hub's domain: clusters and their registration, applications, rendering, and what each
/// agent is told. The REST API and the agent gateway are thin adapters over this type.
public final class Hub: Sendable {
    public let configuration: HubConfiguration
    public let store: any HubStore
    public let authority: CertificateAuthority
    let renderer: AppRenderer
    let mirrors: RepoMirrors
    let repoSecrets: RepoSecrets
    /// Checks `/api/webhook` pushes.
    public let webhookVerifier: GitWebhookVerifier
    let sessions = AgentSessions()
    let refreshQueue = SerialQueue()
    /// One reconcile per fleet app at a time.
    let fleetQueue = SerialQueue()
    /// A fleet's rollout gate: the check and the assignment it allows happen together.
    let rolloutQueue = SerialQueue()
    /// One reconcile per config repository at a time.
    let configQueue = SerialQueue()
    let tombstones = Tombstones()
    let logger: Logger
    /// Injected so tests decide what time it is (token expiry, certificate lifetimes).
    let now: @Sendable () -> Date
    let sessionTokens: SessionTokens
    let rbac: RBACState
    /// Single sign-on, when configured.
    let oidc: OIDCProvider?
    /// Outbound notifications (webhooks).
    let notifier: WebhookNotifier
    let loginAttempts = LoginAttempts()
    let loginThrottle = LoginThrottle()
    let anonymousAudits = AnonymousAuditLimiter()
    let appEvents = AppEventHub()
    let statusCountsCache = StatusCountsCache()
    /// Prometheus metrics (`GET /metrics`).
    public let metrics: HubMetrics

    public init(
        configuration: HubConfiguration,
        store: any HubStore,
        authority: CertificateAuthority,
        sessionTokens: SessionTokens,
        rbac: RBACConfiguration = RBACConfiguration(),
        oidc: OIDCProvider? = nil,
        webhooks: [WebhookConfiguration] = [],
        metrics: HubMetrics = HubMetrics(),
        repoSecrets: RepoSecrets,
        gitWebhookSecrets: [String: String] = [:],
        threadPool: NIOThreadPool = .singleton,
        gitThreadPool: NIOThreadPool = .singleton,
        logger: Logger = Logger(label: "hawser.hub"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.sessionTokens = sessionTokens
        self.metrics = metrics
        self.oidc = oidc
        self.notifier = WebhookNotifier(hooks: webhooks, logger: logger)
        self.rbac = RBACState(configuration: rbac)
        self.configuration = configuration
        self.store = store
        self.authority = authority
        self.renderer = AppRenderer(
            threadPool: threadPool, tools: ToolRunner(searchPath: configuration.toolSearchPath, limits: configuration.renderLimits),
            scratchDirectory: configuration.renderScratchDirectory, metrics: metrics)
        self.repoSecrets = repoSecrets
        self.webhookVerifier = GitWebhookVerifier(secrets: gitWebhookSecrets)
        self.mirrors = RepoMirrors(directory: configuration.repoCacheDirectory, threadPool: gitThreadPool, timeout: configuration.gitFetchTimeout, metrics: metrics)
        self.logger = logger
        self.now = now
    }

    public var caFingerprint: String { authority.fingerprint }

    public func versionInfo() -> VersionInfo {
        VersionInfo(version: configuration.version, protocolVersions: ProtocolVersion.supported, caFingerprint: caFingerprint, agentAddress: configuration.advertiseAddress)
    }

    // MARK: Admin tokens (SSO and RBAC come later; this is the seam)

    /// Creates the first admin token when none exists. Returns it so the caller can print it
    /// once; only its hash is stored.
    public func bootstrapAdminToken() async throws -> String? {
        guard try await store.adminTokenHashes().isEmpty else { return nil }
        let token = Secrets.newToken(prefix: "hwsa_")
        try await store.addAdminTokenHash(Secrets.hash(token), createdAt: now())
        return token
    }

    /// Says goodbye to every connected agent and closes its connection (hub shutdown).
    public func disconnectAllAgents(reason: String) async {
        for session in await sessions.all() {
            await session.send(.bye(Bye(reason: reason)))
            await session.close(with: nil)
        }
    }

}

/// The caller of an API request: the RBAC subject (a user, a local account or a project
/// token's `proj:<project>:<role>`) and the SSO groups its login established.
public struct Principal: Sendable, Hashable {
    public let name: String
    public let groups: [String]
    /// The login session the request came with, so logout can end it.
    public let sessionID: String?

    public init(name: String, groups: [String] = [], sessionID: String? = nil) {
        self.name = name
        self.groups = groups
        self.sessionID = sessionID
    }
}
