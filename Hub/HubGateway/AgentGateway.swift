import Foundation
import HawserProtocol
import HawserWire
import HubCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// The hub's agent port: TLS 1.3 with optional client certificates, NDJSON frames.
///
/// A connection without a client certificate may only `join`; one with a certificate signed by
/// our CA (checked by TLS) is mapped to its cluster and must open with `hello`. Each connection
/// runs in its own child task (SwiftNIO's `NIOTCPEchoServer` shape): one peer's bad bytes or
/// death affect nobody else.
public final class AgentGateway: Service, Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var serverCertificatePEM: String
        public var serverKeyPEM: String
        public var caCertificatePEM: String
        public var maximumLineLength: Int
        /// How long a new connection may take to send its first frame.
        public var helloTimeout: Duration
        /// Counts frames for the hub's metrics.
        public var frameObserver: FrameObserver?
        public init(host: String, port: Int, serverCertificatePEM: String, serverKeyPEM: String, caCertificatePEM: String, maximumLineLength: Int = NDJSONFrameDecoder.defaultMaximumLineLength, helloTimeout: Duration = .seconds(10), frameObserver: FrameObserver? = nil) {
            self.frameObserver = frameObserver
            self.host = host
            self.port = port
            self.serverCertificatePEM = serverCertificatePEM
            self.serverKeyPEM = serverKeyPEM
            self.caCertificatePEM = caCertificatePEM
            self.maximumLineLength = maximumLineLength
            self.helloTimeout = helloTimeout
        }
    }

    /// The bound agent port, before the hub exists: the hub's advertised address needs the
    /// real port when binding port 0.
    public struct Listener: Sendable {
        let channel: NIOAsyncChannel<FrameChannel, Never>
        let configuration: Configuration
        public var port: Int { channel.channel.localAddress?.port ?? configuration.port }

        /// Unbinds the port when the hub cannot start after binding it.
        public func close() async throws { try await channel.channel.close() }
    }

    public static func bind(_ configuration: Configuration) async throws -> Listener {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(configuration.serverCertificatePEM.utf8)).map { .certificate($0) }
                + NIOSSLCertificate.fromPEMBytes(Array(configuration.caCertificatePEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(configuration.serverKeyPEM.utf8), format: .pem)))
        tls.minimumTLSVersion = .tlsv13
        // Optional: joining agents have no certificate yet. A certificate that is presented
        // must chain to our CA and be in date, or the handshake fails.
        tls.certificateVerification = .optionalVerification
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(configuration.caCertificatePEM.utf8)))
        let context = try NIOSSLContext(configuration: tls)
        let maxLine = configuration.maximumLineLength
        let observer = configuration.frameObserver
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            // A hub restart with thousands of agents: they redial with jitter, but a burst of
            // hundreds within a millisecond must not overflow the accept queue.
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.addFrameCodec(maximumLineLength: maxLine, observer: observer)
                    return try FrameChannel(wrappingChannelSynchronously: channel)
                }
            }
        return Listener(channel: channel, configuration: configuration)
    }

    let hub: Hub
    let listener: Listener
    let logger: Logger

    public init(hub: Hub, listener: Listener, logger: Logger = Logger(label: "hawser.gateway")) {
        self.hub = hub
        self.listener = listener
        self.logger = logger
    }

    public var port: Int { listener.port }

    public func run() async throws {
        let serverChannel = listener.channel
        try await withGracefulShutdownHandler {
            try await serverChannel.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        group.addTask {
                            await AgentConnectionHandler(hub: self.hub, channel: connection, logger: self.logger, helloTimeout: self.listener.configuration.helloTimeout).run()
                        }
                    }
                }
            }
        } onGracefulShutdown: { [hub] in
            // Stop accepting, then end every agent connection with `bye` (they reconnect to
            // the next hub process); otherwise the connection tasks would keep shutdown waiting.
            serverChannel.channel.close(promise: nil)
            Task { await hub.disconnectAllAgents(reason: "hub shutting down") }
        }
    }
}
