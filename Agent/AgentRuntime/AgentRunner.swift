import AgentKube
import Crypto
import AgentLink
import Foundation
import HawserMetrics
import HawserProtocol
import Logging
import Synchronization
import X509

/// The agent's composition root: Kubernetes client, reconciler and hub link, wired once.
public final class AgentRunner: Sendable {
    public struct Options: Sendable {
        public var stateDirectory: String
        /// nil: the in-cluster service account.
        public var kubeconfig: String?
        public var resyncInterval: Duration = .seconds(30)
        public var backoffCap: Duration = .seconds(60)
        public var namespaceScope: String?
        /// How long one sync wave may take to become healthy.
        public var waveTimeout: Duration = .seconds(300)
        /// `HOST:PORT` for `GET /metrics` (Prometheus); nil: no metrics endpoint.
        public var metricsAddress: String?
        /// Statuses kept on disk for the hub while it is unreachable (superseded ones are
        /// compacted first; see StatusQueue).
        public var statusQueueLimit = 10_000
        public init(stateDirectory: String, kubeconfig: String? = nil) {
            self.stateDirectory = stateDirectory
            self.kubeconfig = kubeconfig
        }
    }

    public let reconciler: Reconciler
    public let link: HubLink
    let kube: KubeClient
    let delegate: LinkDelegate
    public let metrics = AgentMetrics()
    let metricsAddress: String?

    public init(_ options: Options, logger: Logger = Logger(label: "hawser.agent")) throws {
        let state = AgentStateDirectory(path: options.stateDirectory)
        let identity = try state.identity()
        let config = try options.kubeconfig.map { try KubeConfig.load(path: $0) } ?? KubeConfig.inCluster()
        kube = try KubeClient(config: config, logger: logger)
        reconciler = Reconciler(kube: kube, state: state, resyncInterval: options.resyncInterval, namespaceScope: options.namespaceScope, waveTimeout: options.waveTimeout,
                                statusQueueLimit: options.statusQueueLimit, metrics: metrics, logger: logger)
        metricsAddress = options.metricsAddress
        delegate = LinkDelegate(state: state, identity: identity, reconciler: reconciler, kube: kube, logger: logger)
        link = HubLink(options: .init(endpoint: try HubEndpoint(identity.hub), backoffCap: options.backoffCap, frameObserver: metrics.frameObserver),
                       delegate: delegate, logger: logger)
    }

    /// Runs until cancelled, or until the hub refuses this agent for good (then throws).
    public func run() async throws {
        let metricsServer = try await startMetricsServer()
        await reconciler.start()
        // The Kubernetes version goes into `hello`: wait briefly for it, but an unreachable API
        // server must never keep the agent from connecting; it is retried in the background
        // and reported on the next connection.
        let firstTry = await withTaskGroup(of: String?.self) { group in
            group.addTask { [kube] in try? await kube.serverVersion() }
            group.addTask { try? await Task.sleep(for: .seconds(3)); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        delegate.kubernetesVersion.withLock { $0 = firstTry }
        let versionProbe = Task { [delegate, kube] in
            while !Task.isCancelled && delegate.kubernetesVersion.withLock({ $0 }) == nil {
                try? await Task.sleep(for: .seconds(30))
                if let v = try? await kube.serverVersion() {
                    delegate.kubernetesVersion.withLock { $0 = v }
                }
            }
        }
        defer { versionProbe.cancel() }
        // Long-lived connections renew too: check once a minute, not only on connect.
        let renewer = Task { [delegate] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(60))
                if let sender = delegate.sender.withLock({ $0 }) { await delegate.renewIfDue(sender) }
            }
        }
        await link.run()
        await metricsServer?.close()
        renewer.cancel()
        await reconciler.stop()
        try? await kube.shutdown()
        if case .refused(let why) = link.status { throw LinkError(why) }
    }
}

extension AgentRunner {
    func startMetricsServer() async throws -> MetricsHTTPServer? {
        guard let address = metricsAddress else { return nil }
        guard let endpoint = try? HubEndpoint(address) else {
            throw LinkError("--metrics-address \(address): must be HOST:PORT, e.g. 0.0.0.0:9469")
        }
        do {
            return try await MetricsHTTPServer.start(host: endpoint.host, port: endpoint.port) { [reconciler] in
                await reconciler.metricsExposition()
            }
        } catch {
            throw LinkError("cannot serve metrics on \(address): \(error); pick a free port with --metrics-address")
        }
    }
}

/// Bridges the link's events to the reconciler, and renews the certificate when due.
final class LinkDelegate: HubLinkDelegate {
    let state: AgentStateDirectory
    let identity: AgentStateDirectory.Identity
    let reconciler: Reconciler
    let kube: KubeClient
    let logger: Logger
    let renewal = PendingRenewal()
    let sender = Mutex<FrameSender?>(nil)
    let kubernetesVersion = Mutex<String?>(nil)
    /// Sends queued statuses on the current connection.
    let pump = Mutex<Task<Void, Never>?>(nil)

    init(state: AgentStateDirectory, identity: AgentStateDirectory.Identity, reconciler: Reconciler, kube: KubeClient, logger: Logger) {
        self.state = state
        self.identity = identity
        self.reconciler = reconciler
        self.kube = kube
        self.logger = logger
    }

    func credentials() async throws -> LinkCredentials { try state.credentials() }

    func hello() async -> Hello {
        let commands = await reconciler.commandPosition()
        return Hello(protocolVersions: ProtocolVersion.supported, agentVersion: AgentVersion.current, clusterId: identity.clusterId,
                     kubernetesVersion: kubernetesVersion.withLock { $0 }, lastApplied: await reconciler.lastApplied(), bundles: await reconciler.bundles(),
                     statusStream: reconciler.outbox.stream, commandStream: commands.stream, commandSeq: commands.seq)
    }

    func connected(_ welcome: Welcome, sender: FrameSender) async {
        self.sender.withLock { $0 = sender }
        await reconciler.connected(sender)
        await reconciler.commandStream(is: welcome.commandStream)
        let outbox = reconciler.outbox
        let start: UInt64
        if let hubHas = welcome.statusSeq {
            if outbox.resume(hubHas: hubHas) {
                logger.warning("the hub has fewer of our statuses than it acknowledged (its store was restored?); reporting every app again")
                await reconciler.reportAllAgain()
            }
            start = max(hubHas, 0)
        } else {
            start = outbox.ackedSeq
        }
        let legacy = welcome.statusSeq == nil
        let task = Task { await outbox.pump(sender, from: start, legacy: legacy) }
        pump.withLock { $0?.cancel(); $0 = task }
        await renewIfDue(sender)
    }

    func received(_ frame: Frame) async {
        switch frame {
        case .ack(let ack):
            if let through = ack.streamSeq { reconciler.outbox.acknowledge(through: through) }
        case .assignment(let a): await reconciler.assign(a)
        case .unassign(let u): await reconciler.unassign(u)
        case .command(let c): await reconciler.command(c)
        case .certificate(let issued):
            // Only a certificate for the key we generated is kept: a late or duplicate answer
            // must never pair a certificate with the wrong key (that would lock the agent out).
            guard let pending = renewal.get(), let cert = try? Certificate(pemEncoded: issued.certificatePEM),
                  let key = try? P256.Signing.PrivateKey(pemRepresentation: pending.keyPEM),
                  cert.publicKey == Certificate.PublicKey(key.publicKey) else {
                logger.warning("ignoring a certificate that does not match the pending renewal key")
                return
            }
            renewal.clear()
            do {
                try state.saveRenewed(keyPEM: pending.keyPEM, certificatePEM: issued.certificatePEM)
                logger.notice("certificate renewed", metadata: ["notAfter": "\(WireJSON.formatDate(issued.notAfter))"])
            } catch {
                logger.error("cannot store the renewed certificate", metadata: ["error": "\(error)"])
            }
        default: break
        }
    }

    func disconnected() async {
        sender.withLock { $0 = nil }
        pump.withLock { $0?.cancel(); $0 = nil }
        await reconciler.disconnected()
    }

    /// Sends a `renew` on the live connection once two thirds of the certificate's life is gone.
    func renewIfDue(_ sender: FrameSender) async {
        guard let pem = try? state.credentials().certificatePEM, let cert = try? Certificate(pemEncoded: pem),
              renewalDue(notBefore: cert.notValidBefore, notAfter: cert.notValidAfter, now: Date()) else { return }
        do {
            // One key per renewal: a repeated request (reconnect, timer) resends the same CSR.
            let pending = try renewal.get() ?? {
                let made = try AgentJoin.makeKeyAndCSR()
                let p = PendingRenewal.Request(keyPEM: made.keyPEM, csrPEM: made.csrPEM)
                renewal.set(p)
                return p
            }()
            try await sender.send(.renew(Renew(csrPEM: pending.csrPEM)))
            logger.info("certificate renewal requested", metadata: ["notAfter": "\(cert.notValidAfter)"])
        } catch {
            logger.warning("certificate renewal failed", metadata: ["error": "\(error)"])
        }
    }
}

import Synchronization

/// The new private key and its CSR between sending `renew` and receiving the certificate.
final class PendingRenewal: Sendable {
    struct Request: Sendable {
        let keyPEM: String
        let csrPEM: String
    }
    private let request = Mutex<Request?>(nil)
    func set(_ r: Request) { request.withLock { $0 = r } }
    func get() -> Request? { request.withLock { $0 } }
    func clear() { request.withLock { $0 = nil } }
}
