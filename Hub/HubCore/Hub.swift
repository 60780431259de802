import Foundation
import HawserProtocol
import HubPKI
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
    let sessions = AgentSessions()
    let refreshQueue = SerialQueue()
    let tombstones = Tombstones()
    let logger: Logger
    /// Injected so tests decide what time it is (token expiry, certificate lifetimes).
    let now: @Sendable () -> Date

    public init(
        configuration: HubConfiguration,
        store: any HubStore,
        authority: CertificateAuthority,
        threadPool: NIOThreadPool = .singleton,
        logger: Logger = Logger(label: "hawser.hub"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.store = store
        self.authority = authority
        self.renderer = AppRenderer(threadPool: threadPool)
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

    /// Who is calling, from a bearer token; `nil` when the token is not known.
    public func authenticate(bearer token: String) async throws -> Principal? {
        let hash = Secrets.hash(token)
        return try await store.adminTokenHashes().contains(hash) ? Principal(name: "admin") : nil
    }
}

/// The caller of an API request. RBAC (policy.csv) decides on this in a later issue.
public struct Principal: Sendable, Hashable {
    public let name: String
    public init(name: String) { self.name = name }
}
