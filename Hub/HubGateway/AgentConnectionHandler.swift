import Foundation
import HawserProtocol
import HawserWire
import HubCore
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// One agent connection, from the first frame to the close.
///
/// ```
///   no client cert:  join ─▶ certificate, bye            (registration)
///   client cert:     hello ─▶ welcome, assignments…      (then frames both ways)
///                    status ─▶ ack · renew ─▶ certificate · ping ─▶ pong
/// ```
/// Every protocol violation is answered with an `error` frame naming it, then this connection
/// (and only this one) is closed.
struct AgentConnectionHandler {
    let hub: Hub
    let channel: FrameChannel
    let logger: Logger
    let helloTimeout: Duration

    func run() async {
        let peer = channel.channel.remoteAddress?.description ?? "unknown"
        var logger = self.logger
        logger[metadataKey: "peer"] = "\(peer)"
        let raw = channel.channel
        // A silent peer must not hold a connection slot forever.
        let deadline = raw.eventLoop.scheduleTask(in: .nanoseconds(Int64(helloTimeout.seconds * 1e9))) {
            raw.close(promise: nil)
        }
        do {
            try await channel.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                do {
                    guard let first = try await frames.next() else { return }
                    deadline.cancel()
                    let certificate = try? await raw.nioSSL_peerCertificate().get()
                    if let certificate {
                        try await serveAgent(first: first, certificate: certificate, frames: &frames, outbound: outbound, peer: peer, logger: logger)
                    } else {
                        try await serveJoin(first: first, outbound: outbound, peer: peer, logger: logger)
                    }
                } catch let error as ProtocolError {
                    logger.warning("closing agent connection", metadata: ["error": "\(error)"])
                    hub.metrics.error("agent_protocol")
                    // Refused joins and connections are security events: they go to the audit trail.
                    let certificate = try? await raw.nioSSL_peerCertificate().get()
                    await hub.audit(Principal(name: certificate == nil ? "agent (no certificate)" : "agent (client certificate)"),
                                    certificate == nil ? "join" : "connect", "clusters", peer,
                                    outcome: "denied", detail: "\(error.code.rawValue): \(error.message)")
                    try? await outbound.write(.error(error))
                }
            }
        } catch {
            logger.debug("agent connection ended", metadata: ["error": "\(error)"])
        }
        deadline.cancel()
    }

    private func serveJoin(first: Envelope, outbound: NIOAsyncChannelOutboundWriter<Frame>, peer: String, logger: Logger) async throws {
        guard case .join(let join) = first.frame else {
            throw ProtocolError(.certificateRequired, "this connection has no client certificate, so it may only send `join`; run `hawser-agent join` first")
        }
        let issued = try await hub.join(join, peer: peer)
        try await outbound.write(.certificate(issued))
        try await outbound.write(.bye(Bye(reason: "registered; reconnect with the new certificate")))
    }

    private func serveAgent(first: Envelope, certificate: NIOSSLCertificate, frames: inout NIOAsyncChannelInboundStream<Envelope>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<Frame>, peer: String, logger: Logger) async throws {
        let cluster = try await hub.authenticateAgent(certificateDER: try certificate.toDERBytes())
        var logger = logger
        logger[metadataKey: "cluster"] = "\(cluster.name)"
        guard case .hello(let hello) = first.frame else {
            throw ProtocolError(.unexpectedFrame, "the first frame must be `hello`, got `\(first.frame.type)`")
        }
        let session = GatewaySession(clusterId: cluster.id, outbound: outbound, channel: channel.channel)
        let connection = try await hub.agentConnected(cluster: cluster, hello: hello, session: session, peer: peer)
        defer { Task { [hub] in await hub.agentDisconnected(connection, reason: "connection closed") } }
        try await outbound.write(.welcome(connection.welcome))
        for frame in connection.catchUp { try await outbound.write(frame) }
        // Frames the domain sent meanwhile (a refresh, a sync) were held back so nothing
        // precedes `welcome` and nothing older overtakes the catch-up; they go out now.
        await session.activate()

        let lastReceived = LastReceived()
        let interval = Duration.seconds(connection.welcome.heartbeatSeconds)
        // Heartbeats: a ping every interval; a peer silent for three intervals is dead.
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { return }
                if lastReceived.age > interval * 3 {
                    logger.warning("agent heartbeat timed out")
                    await session.close(with: ProtocolError(.heartbeatTimeout, "no frame from the agent for \(Int((interval * 3).seconds))s"))
                    return
                }
                await session.send(.ping(Ping(sentAt: Date())))
            }
        }
        defer { heartbeat.cancel() }
        let statuses = StatusIngest(limit: 1024) { reports throws(ProtocolError) in
            try await hub.statusesReported(connection, reports)
        } acknowledge: { ack in
            await session.send(.ack(ack))
        } fail: { [logger] error in
            logger.warning("closing agent connection", metadata: ["error": "\(error)"])
            await session.close(with: error)
        }

        while let envelope = try await frames.next() {
            lastReceived.touch()
            switch envelope.frame {
            case .ping(let p):
                await session.send(.pong(p))
                await hub.agentHeartbeat(connection)
            case .pong:
                await hub.agentHeartbeat(connection)
            case .status(let report):
                // False once a batch failed: the connection is being closed with the reason.
                guard await statuses.submit(report, frameSeq: envelope.seq) else { return }
            case .renew(let renew):
                let issued = try await hub.renew(clusterId: cluster.id, csrPEM: renew.csrPEM)
                await session.send(.certificate(issued))
                logger.info("agent certificate renewed")
            case .ack(let ack):
                if let through = ack.streamSeq { await hub.commandAcknowledged(connection, streamSeq: through) }
            case .bye(let bye):
                logger.info("agent said bye", metadata: ["reason": "\(bye.reason)"])
                return
            case .error(let e):
                if e.code == .bundleMissing, let appId = e.appId {
                    await hub.bundleMissing(connection, appId: appId)
                } else {
                    logger.warning("agent reported an error", metadata: ["error": "\(e)"])
                }
            case .unknown(let type):
                logger.warning("ignoring unknown frame type (newer agent?)", metadata: ["type": "\(type)"])
            case .hello, .welcome, .join, .assignment, .unassign, .command, .certificate:
                throw ProtocolError(.unexpectedFrame, "`\(envelope.frame.type)` is not valid from an agent on an open connection")
            }
        }
    }
}

/// Time of the last frame received, shared by the read loop and the heartbeat task.
final class LastReceived: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    func touch() { instant.withLock { $0 = .now } }
    var age: Duration { instant.withLock { ContinuousClock.now - $0 } }
}

/// The domain's handle on this connection. It holds frames back until `activate()`, which the
/// handler calls once `welcome` and the catch-up are written; after that, frames go to the
/// connection's `OutboundFrameQueue`, so neither the domain (a fleet's fan-out) nor this
/// connection's read loop (pongs, acks) ever waits on a slow agent.
///
/// What coalesces: an assignment or withdrawal replaces one still queued for the same app
/// (desired state is level-triggered: only the latest counts), and a ping, a pong and the
/// cumulative status `ack` each replace their queued predecessor, so a slow reader costs at
/// most one frame per app plus commands. Commands are kept (they are on disk too: a connection
/// closed for falling too far behind gets them again after reconnecting). Past `limit` frames
/// the agent is told it is too slow and disconnected; it resumes from state.
actor GatewaySession: AgentSession {
    nonisolated let clusterId: String
    let outbound: NIOAsyncChannelOutboundWriter<Frame>
    let channel: any Channel
    let limit: Int
    private let queue: OutboundFrameQueue
    private var held: [Frame] = []
    private var active = false
    private var closed = false

    init(clusterId: String, outbound: NIOAsyncChannelOutboundWriter<Frame>, channel: any Channel, limit: Int = 10_000) {
        self.clusterId = clusterId
        self.outbound = outbound
        self.channel = channel
        self.limit = limit
        self.queue = OutboundFrameQueue(outbound: outbound, key: Self.coalescingKey)
    }

    func send(_ frame: Frame) async {
        guard !closed else { return }
        guard active else {
            held.append(frame)
            return
        }
        guard await queue.send(frame) > limit else { return }
        closed = true
        await queue.discard()
        // Not awaited: the link is congested, and the caller (a fan-out) must not wait on it.
        let (outbound, channel, limit) = (outbound, channel, limit)
        Task {
            try? await outbound.write(.error(ProtocolError(.internal, "this agent reads too slowly: more than \(limit) frames are waiting for it; reconnect to resume from the current state")))
            try? await channel.close()
        }
        Task { try? await Task.sleep(for: .seconds(5)); try? await channel.close() }
    }

    /// Frames where only the newest matters: per app, the desired state; one ping, one pong;
    /// one status `ack` (its `streamSeq` is cumulative).
    static func coalescingKey(_ frame: Frame) -> String? {
        switch frame {
        case .assignment(let a): "app:" + a.appId
        case .unassign(let u): "app:" + u.appId
        case .ping: "ping"
        case .pong: "pong"
        case .ack: "ack"
        default: nil
        }
    }

    func activate() async {
        // Frames sent while flushing join `held`, so order is kept without a lock.
        while !held.isEmpty {
            let frame = held.removeFirst()
            try? await outbound.write(frame)
        }
        active = true
    }

    /// Ends the connection without waiting on the peer: the error frame is written if the link
    /// takes it, and the channel closes within 5 s either way (a peer that stopped reading must
    /// not hold a heartbeat timeout or a failed status batch for minutes of TCP retries).
    func close(with error: ProtocolError?) async {
        closed = true
        await queue.discard()
        let (outbound, channel) = (outbound, channel)
        guard let error else {
            try? await channel.close()
            return
        }
        Task {
            try? await outbound.write(.error(error))
            try? await channel.close()
        }
        Task { try? await Task.sleep(for: .seconds(5)); try? await channel.close() }
    }
}
