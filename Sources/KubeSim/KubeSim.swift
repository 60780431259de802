// KubeSim: an in-memory Kubernetes API server over HTTPS on loopback, faithful enough for the real
// kubectl and client libraries. Tests, demos and load tests start one per use with `KubeSim.start`.

import Foundation
import HawserProtocol
import Hummingbird
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle
import Synchronization

public struct KubeSimConfiguration: Sendable {
    public var host: String
    /// 0 binds an ephemeral port; read it back from `KubeSim.port`.
    public var port: Int
    public var kubernetesVersion: String
    /// Bearer token required on every request.
    public var token: String
    /// Simulated rollout time before workloads (Deployments, StatefulSets, DaemonSets, Jobs, Pods)
    /// report ready, PVCs bind and LoadBalancer Services get an address.
    public var deploymentReadyDelay: Duration
    /// How long a workload running an image tagged `fail` takes to give up: a Deployment's
    /// progressDeadlineSeconds, a Job's backoff. nil: twice `deploymentReadyDelay`.
    public var failureDelay: Duration?

    /// `deploymentReadyDelay` under the name that says it applies to every simulated controller.
    public var rolloutDelay: Duration {
        get { deploymentReadyDelay }
        set { deploymentReadyDelay = newValue }
    }

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        kubernetesVersion: String = "v1.31.0",
        token: String = KubeSimConfiguration.randomToken(),
        deploymentReadyDelay: Duration = .zero,
        failureDelay: Duration? = nil
    ) {
        self.host = host
        self.port = port
        self.kubernetesVersion = kubernetesVersion
        self.token = token
        self.deploymentReadyDelay = deploymentReadyDelay
        self.failureDelay = failureDelay
    }

    public static func randomToken() -> String {
        (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}

public struct KubeSimError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

public final class KubeSim: Sendable {
    public let port: Int
    public let caCertificatePEM: String
    public let token: String
    private let host: String
    private let store: Store
    private let services: ServiceGroup
    private let server: Mutex<Task<Void, Never>?>

    public var url: String { "https://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    private init(
        port: Int, host: String, caCertificatePEM: String, token: String, store: Store, services: ServiceGroup, server: Task<Void, Never>
    ) {
        self.port = port
        self.host = host
        self.caCertificatePEM = caCertificatePEM
        self.token = token
        self.store = store
        self.services = services
        self.server = Mutex(server)
    }

    public static func start(_ configuration: KubeSimConfiguration = .init(), logger: Logger = Logger(label: "kubesim")) async throws -> KubeSim {
        let identity = try ServingIdentity.generate(host: configuration.host)
        let store = Store(
            readyDelay: configuration.deploymentReadyDelay,
            failureDelay: configuration.failureDelay ?? configuration.deploymentReadyDelay * 2)
        await store.bootstrap()
        let responder = APIResponder(store: store, token: configuration.token, kubernetesVersion: configuration.kubernetesVersion, logger: logger)
        let (running, runningContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: responder,
            server: try .tls(.http1(), tlsConfiguration: identity.tlsConfiguration()),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                runningContinuation.yield(channel.localAddress?.port ?? 0)
                runningContinuation.finish()
            },
            logger: logger
        )
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            do {
                try await services.run()
            } catch {
                logger.error("KubeSim server stopped: \(error)")
            }
            runningContinuation.finish()
        }
        var bound: Int?
        for await port in running {
            bound = port
            break
        }
        guard let bound, bound > 0 else {
            task.cancel()
            throw KubeSimError(description: "KubeSim could not listen on \(configuration.host):\(configuration.port)")
        }
        return KubeSim(
            port: bound, host: configuration.host, caCertificatePEM: identity.caCertificatePEM, token: configuration.token,
            store: store, services: services, server: task)
    }

    /// Ends watch streams, stops the listener gracefully (in-flight requests finish) and waits for it
    /// to close; a straggling connection is cut after a few seconds.
    public func shutdown() async {
        await store.shutdown()
        guard let task = server.withLock({ t -> Task<Void, Never>? in defer { t = nil }; return t }) else { return }
        await services.triggerGracefulShutdown()
        let watchdog = Task {
            try? await Task.sleep(for: .seconds(5))
            if !Task.isCancelled { task.cancel() }
        }
        await task.value
        watchdog.cancel()
    }

    /// A client TLS configuration that trusts this server's CA (for AsyncHTTPClient and NIO clients).
    public func clientTLSConfiguration() throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caCertificatePEM.utf8)))
        tls.minimumTLSVersion = .tlsv12
        return tls
    }

    /// A kubeconfig that points kubectl or client libraries at this server.
    public func kubeconfigYAML(context: String = "kubesim") -> String {
        let ca = Data(caCertificatePEM.utf8).base64EncodedString()
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: \(context)
              cluster:
                server: \(url)
                certificate-authority-data: \(ca)
            contexts:
            - name: \(context)
              context:
                cluster: \(context)
                user: \(context)
                namespace: default
            current-context: \(context)
            users:
            - name: \(context)
              user:
                token: \(token)
            preferences: {}

            """
    }

    /// Writes `kubeconfigYAML()` readable only by the owner (it holds the token).
    public func writeKubeconfig(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try? FileManager.default.removeItem(at: url)
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw KubeSimError(description: "cannot create \(path)")
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.write(contentsOf: Data(kubeconfigYAML().utf8))
    }

    /// Direct read of stored state for tests (nil if absent).
    public func object(apiVersion: String, kind: String, namespace: String?, name: String) async -> JSONValue? {
        guard let type = await store.registry.find(apiVersion: apiVersion, kind: kind) else { return nil }
        return await store.stored(type.groupResource, namespace: type.namespaced ? namespace : nil, name: name)?.served(as: type)
    }

    /// Direct write bypassing HTTP, e.g. to simulate drift by another actor; bumps
    /// resourceVersion/generation, fires watches.
    public func mutate(
        apiVersion: String, kind: String, namespace: String?, name: String, _ body: @Sendable (inout JSONValue) -> Void
    ) async throws {
        guard let type = await store.registry.find(apiVersion: apiVersion, kind: kind) else {
            throw KubeSimError(description: "no resource type \(kind) in \(apiVersion)")
        }
        do {
            try await store.mutate(type, namespace: namespace, name: name, body)
        } catch {
            throw KubeSimError(description: error.message)
        }
    }
}
