import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 server for `GET /metrics` and `GET /healthz`, for processes without an
/// HTTP API (the agent): a Prometheus scrape target without linking a web framework.
public final class MetricsHTTPServer: Sendable {
    let channel: any Channel

    /// The address actually bound (port 0 picks a free one).
    public var localAddress: SocketAddress? { channel.localAddress }

    /// Binds `host:port`; `exposition` is called on each scrape (it may refresh gauges first).
    public static func start(host: String, port: Int, exposition: @escaping @Sendable () async -> String) async throws -> MetricsHTTPServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                // Idle connections are closed: whoever can reach the port cannot pile them up.
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(60)))
                    try channel.pipeline.syncOperations.addHandler(CloseOnIdle())
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(exposition: exposition))
                }
            }
            .bind(host: host, port: port).get()
        return MetricsHTTPServer(channel: channel)
    }

    init(channel: any Channel) { self.channel = channel }

    public func close() async { try? await channel.close() }

    final class CloseOnIdle: ChannelInboundHandler, Sendable {
        typealias InboundIn = NIOAny
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
        }
    }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let exposition: @Sendable () async -> String
        private var head: HTTPRequestHead?

        init(exposition: @escaping @Sendable () async -> String) { self.exposition = exposition }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h): head = h
            case .body: break
            case .end:
                guard let head else { return }
                self.head = nil
                let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
                let keepAlive = head.isKeepAlive
                let loop = context.eventLoop
                let bound = NIOLoopBound(context, eventLoop: loop)
                let respond: @Sendable (HTTPResponseStatus, String, String) -> Void = { status, type, body in
                    loop.execute {
                        let context = bound.value
                        var headers = HTTPHeaders([("Content-Type", type), ("Content-Length", String(body.utf8.count))])
                        if !keepAlive { headers.add(name: "Connection", value: "close") }
                        context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
                        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
                        let channel = context.channel
                        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in
                            if !keepAlive { channel.close(promise: nil) }
                        }
                    }
                }
                switch (head.method, path) {
                case (.GET, "/metrics"):
                    let exposition = self.exposition
                    Task { respond(.ok, "text/plain; version=0.0.4; charset=utf-8", await exposition()) }
                case (.GET, "/healthz"):
                    respond(.ok, "text/plain", "ok\n")
                default:
                    respond(.notFound, "text/plain", "not found: this endpoint serves GET /metrics and GET /healthz\n")
                }
            }
        }
    }
}
