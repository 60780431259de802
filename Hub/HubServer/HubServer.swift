import Foundation
import HawserProtocol
import HawserWire
import HubAPI
import HawserMetrics
import HubWeb
import HubAuth
import HubCore
import HubGateway
import HubGit
import HubRender
import NIOPosix
import HubNotify
import HubPKI
import HubStore
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The hub's composition root: store, PKI, domain, agent gateway, REST API and Git poller,
/// wired once and run as one `ServiceGroup` (Hummingbird's `Application` shape).
public final class HubServer: Sendable {
    public struct Options: Sendable {
        public var dataDirectory: String = "./hawser-data"
        public var apiHost: String = "127.0.0.1"
        public var apiPort: Int = 8080
        public var agentHost: String = "0.0.0.0"
        public var agentPort: Int = 8443
        /// `host:port` agents dial; defaults to 127.0.0.1 and the agent port.
        public var advertiseAddress: String?
        /// Extra names (DNS or IP) for the server certificate.
        public var serverNames: [String] = []
        public var pollInterval: Duration = .seconds(180)
        /// Random extra delay per repository and poll (default: a fifth of the interval).
        public var pollJitter: Duration?
        /// How many repositories are fetched at once.
        public var gitFetchConcurrency: Int = 4
        public var gitFetchTimeout: Duration = .seconds(120)
        /// CA bundle (PEM) trusted for HTTPS remotes, besides none: libgit2 here is built with
        /// mbedTLS and reads only what it is given.
        public var gitCAFile: String?
        /// Time and output bounds of one kustomize or helm run.
        public var renderLimits = RenderLimits()
        /// Where kustomize, kubectl and helm are looked for (default: `PATH`).
        public var toolSearchPath: [String]?
        /// Push webhook secrets by forge (`github`, `gitlab`, `gitea`, `gogs`, `bitbucket`).
        public var gitWebhookSecrets: [String: String] = [:]
        public var heartbeatInterval: Duration = .seconds(10)
        public var agentCertificateLifetime: TimeInterval = 30 * 86400
        public var bootstrapTokenLifetime: TimeInterval = 3600
        /// How long a sync or refresh waits for a disconnected agent before it expires.
        public var commandTTL: Duration = .seconds(900)
        /// policy.csv (Argo CD's format), re-read when it changes; nil: only the built-in roles.
        public var rbacPolicyFile: String?
        /// policy.csv text, for tests and embedding (used when no file is given).
        public var rbacPolicyCSV: String = ""
        /// Argo CD's `policy.default`: the role every logged-in caller has ("" = none).
        public var rbacDefaultRole: String = ""
        /// Single sign-on with an OpenID Connect provider; nil: local accounts and tokens only.
        public var oidc: OIDCConfiguration?
        /// The hub's URL as browsers reach it (for the SSO redirect); default http://API address.
        public var externalURL: String?
        /// Where Prometheus scrapes `/metrics` (host, port; port 0 picks one); nil: nowhere.
        public var metrics: (host: String, port: Int)?
        /// Outbound notifications (`--webhook`).
        public var webhooks: [WebhookConfiguration] = []
        /// Injected so tests decide what time it is (token expiry, certificate lifetimes).
        public var now: @Sendable () -> Date = { Date() }
        public init() {}
    }

    public let hub: Hub
    public let gateway: AgentGateway
    public let apiPort: Int
    public let agentPort: Int
    /// Printed once, on the first start; `nil` afterwards.
    public let initialAdminToken: String?
    let metricsServer: MetricsHTTPServer?
    let gitThreadPool: NIOThreadPool
    public let createdCA: Bool
    let group: ServiceGroup
    let task: Task<Void, any Error>

    /// Opens everything and starts serving; returns once both ports are bound.
    public static func start(_ options: Options, logger: Logger = Logger(label: "hawser.hub")) async throws -> HubServer {
        let dir = options.dataDirectory
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let store = try SQLiteHubStore(path: dir + "/hawser.db")
        let advertiseHost = options.advertiseAddress.map { String($0.split(separator: ":").dropLast().joined(separator: ":")) }
        var names = ["localhost", "127.0.0.1"] + options.serverNames
        if let advertiseHost, !advertiseHost.isEmpty { names.append(advertiseHost) }
        if options.agentHost != "0.0.0.0" && options.agentHost != "::" { names.append(options.agentHost) }
        let identity = try HubIdentityFiles(directory: dir).loadOrCreate(serverNames: names)

        // Bind the agent port first so the advertised address carries the real port.
        let metrics = HubMetrics()
        let listener = try await AgentGateway.bind(AgentGateway.Configuration(
            host: options.agentHost, port: options.agentPort,
            serverCertificatePEM: identity.serverCertificatePEM, serverKeyPEM: identity.serverKeyPEM,
            caCertificatePEM: identity.authority.certificatePEM, frameObserver: metrics.frameObserver))
        let advertise = options.advertiseAddress ?? "127.0.0.1:\(listener.port)"
        let sessionKeyPath = dir + "/session-signing-key.pem"
        if !FileManager.default.fileExists(atPath: sessionKeyPath) {
            try SecretFile.write(SessionTokens.newPrivateKeyPEM(), to: sessionKeyPath)
        }
        let sessionTokens = try await SessionTokens(privateKeyPEM: try String(contentsOfFile: sessionKeyPath, encoding: .utf8), now: options.now)
        let repoSecrets = try RepoSecrets.loadOrCreate(keyFile: dir + "/repo-credentials.key")
        if let caFile = options.gitCAFile {
            do { try GitMirror.trustCertificates(file: caFile) } catch {
                try? await listener.close()
                throw HubStartError("--git-ca-file: \(error)")
            }
        }
        // Fetches wait on networks: their own threads, so they never hold the ones renders,
        // the store and TLS need. The pool's size is the fetch concurrency.
        let gitThreadPool = NIOThreadPool(numberOfThreads: max(1, options.gitFetchConcurrency))
        gitThreadPool.start()
        let hub = Hub(
            configuration: HubConfiguration(
                advertiseAddress: advertise, heartbeatInterval: options.heartbeatInterval,
                pollInterval: options.pollInterval, pollJitter: options.pollJitter, repoCacheDirectory: dir + "/repos", renderScratchDirectory: dir + "/render",
                gitFetchTimeout: options.gitFetchTimeout, renderLimits: options.renderLimits, toolSearchPath: options.toolSearchPath,
                agentCertificateLifetime: options.agentCertificateLifetime,
                bootstrapTokenLifetime: options.bootstrapTokenLifetime, commandTTL: options.commandTTL),
            store: store, authority: identity.authority, sessionTokens: sessionTokens,
            rbac: RBACConfiguration(policyCSV: options.rbacPolicyCSV, policyFile: options.rbacPolicyFile, defaultRole: options.rbacDefaultRole),
            oidc: try options.oidc.map { try OIDCProvider(configuration: $0, now: options.now, logger: logger) },
            webhooks: options.webhooks, metrics: metrics, repoSecrets: repoSecrets, gitWebhookSecrets: options.gitWebhookSecrets, gitThreadPool: gitThreadPool,
            logger: logger, now: options.now)
        do {
            try await hub.loadConfigRepoPolicy()
            try await hub.checkPolicy()
        } catch {
            try? await listener.close()
            throw HubStartError("\(error)")
        }
        let gateway = AgentGateway(hub: hub, listener: listener, logger: logger)
        let adminToken = try await hub.bootstrapAdminToken()

        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let apiPortBox = PortBox(options.apiPort)
        let externalURL: @Sendable () -> String = { [apiPortBox] in options.externalURL ?? "http://\(options.apiHost):\(apiPortBox.value)" }
        let router = HubRoutes.router(hub: hub, externalURL: externalURL)
        WebRoutes.add(to: router, hub: hub, externalURL: externalURL)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(options.apiHost, port: options.apiPort), serverName: "hawser-hub"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? options.apiPort)
                portContinuation.finish()
            },
            logger: logger)
        // Metrics have their own port (Argo CD's 8082/8083 model): scraped without credentials,
        // so they stay off the API port that users and the internet may reach.
        var metricsServer: MetricsHTTPServer?
        if let (host, port) = options.metrics {
            do {
                metricsServer = try await MetricsHTTPServer.start(host: host, port: port) { await hub.metricsExposition() }
            } catch {
                try? await listener.close()
                throw HubStartError("cannot serve metrics on \(host):\(port): \(error); pick a free port with --metrics-address")
            }
        }
        let group = ServiceGroup(
            configuration: .init(services: [app, gateway, RepoPoller(hub: hub), CommandExpiry(hub: hub), HeartbeatRecorder(hub: hub)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let task = Task {
            // If the API cannot bind (port taken), the stream must end so start() can report it.
            defer { portContinuation.finish() }
            try await group.run()
        }
        var apiPort: Int?
        for await p in portStream { apiPort = p }
        if let apiPort { apiPortBox.value = apiPort }
        guard let apiPort else {
            await metricsServer?.close()
            do { try await task.value } catch { throw HubStartError("the REST API could not start on \(options.apiHost):\(options.apiPort): \(error)") }
            throw HubStartError("the REST API stopped before it started on \(options.apiHost):\(options.apiPort)")
        }
        return HubServer(hub: hub, gateway: gateway, apiPort: apiPort, agentPort: gateway.port, initialAdminToken: adminToken, createdCA: identity.created,
                         metricsServer: metricsServer, gitThreadPool: gitThreadPool, group: group, task: task)
    }

    init(hub: Hub, gateway: AgentGateway, apiPort: Int, agentPort: Int, initialAdminToken: String?, createdCA: Bool,
         metricsServer: MetricsHTTPServer?, gitThreadPool: NIOThreadPool, group: ServiceGroup, task: Task<Void, any Error>) {
        self.metricsServer = metricsServer
        self.gitThreadPool = gitThreadPool
        self.hub = hub
        self.gateway = gateway
        self.apiPort = apiPort
        self.agentPort = agentPort
        self.initialAdminToken = initialAdminToken
        self.createdCA = createdCA
        self.group = group
        self.task = task
    }

    /// Waits until the hub stops (a signal, or `shutdown()`).
    public func wait() async throws {
        defer { Task { [gitThreadPool] in try? await gitThreadPool.shutdownGracefully() } }
        try await task.value
        await metricsServer?.close()
    }

    public func shutdown() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        await metricsServer?.close()
        // Not awaited: a thread stuck in a fetch of a silent remote must not hold up shutdown.
        Task { [gitThreadPool] in try? await gitThreadPool.shutdownGracefully() }
    }

    /// The metrics port once bound, when metrics are on.
    public var metricsPort: Int? { metricsServer?.localAddress?.port }
}


public struct HubStartError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

/// The API port once bound (port 0 picks one), for URLs the hub builds about itself.
final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: Int
    init(_ v: Int) { _value = v }
    var value: Int {
        get { lock.lock(); defer { lock.unlock() }; return _value }
        set { lock.lock(); _value = newValue; lock.unlock() }
    }
}
