import Foundation
import HawserProtocol
import HawserWire
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// What the link needs from the rest of the agent. The link owns the socket, heartbeats and
/// reconnects; the delegate owns desired state and status.
public protocol HubLinkDelegate: Sendable {
    /// Credentials are read on every dial: a renewed certificate is used on the next connection.
    func credentials() async throws -> LinkCredentials
    func hello() async -> Hello
    /// The hub accepted us; `sender` stays valid until `disconnected()`.
    func connected(_ welcome: Welcome, sender: FrameSender) async
    /// assignment, unassign, command, ack, certificate and error frames from the hub. A command
    /// is acknowledged to the hub when this returns.
    func received(_ frame: Frame) async
    func disconnected() async
}

/// Sends frames to the hub on the current connection. Statuses are written directly, so a
/// slow hub slows their sender down (backpressure); every other frame goes through the
/// connection's control queue, so whoever sends it (the read loop handling an assignment,
/// say) never waits for the hub to read.
public struct FrameSender: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<Frame>
    let control: OutboundFrameQueue
    public func send(_ frame: Frame) async throws {
        if case .status = frame { try await outbound.write(frame) } else { await control.send(frame) }
    }
}

/// Keeps one connection to the hub open: dial, `hello`, `welcome`, frames both ways,
/// heartbeats, and on any failure exponential backoff with full jitter before redialling.
public final class HubLink: Sendable {
    public struct Options: Sendable {
        public var endpoint: HubEndpoint
        public var backoffBase: Duration
        public var backoffCap: Duration
        /// Counts frames for the agent's metrics.
        public var frameObserver: FrameObserver?
        public init(endpoint: HubEndpoint, backoffBase: Duration = .milliseconds(500), backoffCap: Duration = .seconds(60), frameObserver: FrameObserver? = nil) {
            self.frameObserver = frameObserver
            self.endpoint = endpoint
            self.backoffBase = backoffBase
            self.backoffCap = backoffCap
        }
    }

    let options: Options
    let delegate: any HubLinkDelegate
    let logger: Logger
    private let state = Mutex(LinkStatus.disconnected)

    public enum LinkStatus: Sendable, Equatable {
        case disconnected
        case connected
        /// The hub refused us for good (revoked, unknown): retrying cannot help.
        case refused(String)
    }

    public init(options: Options, delegate: any HubLinkDelegate, logger: Logger = Logger(label: "hawser.agent.link")) {
        self.options = options
        self.delegate = delegate
        self.logger = logger
    }

    public var status: LinkStatus { state.withLock { $0 } }

    /// Runs until cancelled. Returns early only when the hub refuses this agent for good.
    public func run() async {
        var backoff = Backoff(base: options.backoffBase, cap: options.backoffCap)
        while !Task.isCancelled {
            do {
                try await connectOnce { backoff.reset() }
                logger.info("connection to hub closed")
            } catch let error as ProtocolError where Self.isPermanent(error.code) {
                logger.error("the hub refused this agent: \(error.message)")
                state.withLock { $0 = .refused(error.message) }
                await delegate.disconnected()
                return
            } catch {
                logger.warning("hub connection failed: \(Self.explain(error))")
            }
            state.withLock { if $0 == .connected { $0 = .disconnected } }
            await delegate.disconnected()
            let delay = backoff.nextDelay()
            logger.info("reconnecting", metadata: ["in": "\(delay)", "attempt": "\(backoff.attempt)"])
            try? await Task.sleep(for: delay)
        }
    }

    static func isPermanent(_ code: ProtocolError.Code) -> Bool {
        [.clusterRevoked, .clusterUnknown, .noCommonVersion, .clusterMismatch, .certificateSuperseded].contains(code)
    }

    /// A readable reason for a failed dial, TLS failures especially. BoringSSL's reasons
    /// arrive wrapped in different error types depending on when the handshake failed, so
    /// this reads the reason codes from the text.
    public static func explain(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "TLS handshake failed: the hub's certificate is not signed by the CA in the state directory (\(text))"
        }
        if text.contains("ALERT_UNKNOWN_CA") || text.contains("ALERT_BAD_CERTIFICATE") {
            return "TLS handshake failed: the hub does not trust our client certificate (issued by another hub's CA?) (\(text))"
        }
        if text.contains("ALERT_CERTIFICATE_EXPIRED") {
            return "TLS handshake failed: the hub refused our client certificate as expired; join again with a new token (\(text))"
        }
        if text.contains("ALERT") {
            return "TLS handshake failed: the hub refused our client certificate (\(text))"
        }
        if let e = error as? ChannelError, e == .ioOnClosedChannel || e == .alreadyClosed || e == .eof {
            return "the hub closed the connection before welcoming us: most often it refused our client certificate during the TLS handshake (expired, or issued by another hub's CA); the hub's log says which"
        }
        if error is NIOSSLError || error is BoringSSLError {
            return "TLS error: \(text)"
        }
        return text
    }

    private func connectOnce(onWelcome: () -> Void) async throws {
        let credentials = try await delegate.credentials()
        let channel = try await HubDialer.dial(options.endpoint, credentials: credentials, observer: options.frameObserver)
        try await channel.executeThenClose { inbound, outbound in
            var frames = inbound.makeAsyncIterator()
            try await outbound.write(.hello(await delegate.hello()))
            guard let first = try await frames.next() else { throw LinkError("the hub closed the connection before answering hello") }
            let welcome: Welcome
            switch first.frame {
            case .welcome(let w): welcome = w
            case .error(let e): throw e
            default: throw ProtocolError(.unexpectedFrame, "expected welcome, got \(first.frame.type)")
            }
            onWelcome()
            state.withLock { $0 = .connected }
            logger.info("connected to hub", metadata: ["cluster": "\(welcome.clusterName)", "protocol": "\(welcome.protocolVersion)"])
            // Pings, pongs, acks and errors are queued, not written here: this read loop must
            // keep reading while the hub is slow to read what we send (see OutboundFrameQueue).
            let control = OutboundFrameQueue(outbound: outbound) { frame in
                switch frame {
                case .ping: "ping"
                case .pong: "pong"
                default: nil  // command acks are one per command, not cumulative
                }
            }
            let sender = FrameSender(outbound: outbound, control: control)
            await delegate.connected(welcome, sender: sender)

            let interval = Duration.seconds(welcome.heartbeatSeconds)
            let lastReceived = Mutex(ContinuousClock.now)
            let raw = channel.channel
            // Heartbeats: ping every interval; three silent intervals mean the hub is gone.
            let heartbeat = Task { [logger] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled { return }
                    if lastReceived.withLock({ ContinuousClock.now - $0 }) > interval * 3 {
                        logger.warning("no frame from the hub for three heartbeat intervals; reconnecting")
                        try? await raw.close()
                        return
                    }
                    await control.send(.ping(Ping(sentAt: Date())))
                }
            }
            defer { heartbeat.cancel() }
            while let envelope = try await frames.next() {
                lastReceived.withLock { $0 = .now }
                switch envelope.frame {
                case .ping(let p): await control.send(.pong(p))
                case .pong: break
                case .command(let c):
                    // Acknowledged once the delegate has handled it (recorded it on disk), so a
                    // crash before that means the hub sends it again.
                    await delegate.received(envelope.frame)
                    if let streamSeq = c.streamSeq {
                        await control.send(.ack(Ack(ackSeq: envelope.seq, streamSeq: streamSeq)))
                    }
                case .bye(let b):
                    logger.info("hub said bye: \(b.reason)")
                    return
                case .error(let e):
                    if Self.isPermanent(e.code) { throw e }
                    logger.warning("hub reported an error: \(e)")
                    await delegate.received(envelope.frame)
                case .unknown(let type):
                    logger.warning("ignoring unknown frame type from the hub (newer hub?)", metadata: ["type": "\(type)"])
                default:
                    await delegate.received(envelope.frame)
                }
            }
        }
    }
}
