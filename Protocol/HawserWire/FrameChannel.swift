import HawserProtocol
import NIOCore

/// A connection speaking the line protocol: inbound decoded envelopes, outbound frames
/// (numbered by `NDJSONFrameEncoder`).
public typealias FrameChannel = NIOAsyncChannel<Envelope, Frame>

extension ChannelPipeline.SynchronousOperations {
    /// Adds the NDJSON codec after whatever TLS handler the caller installed.
    /// `observer` hears of every frame read or written (metrics).
    public func addFrameCodec(maximumLineLength: Int = NDJSONFrameDecoder.defaultMaximumLineLength, observer: FrameObserver? = nil) throws {
        try addHandler(ByteToMessageHandler(NDJSONFrameDecoder(maximumLineLength: maximumLineLength, observer: observer)))
        try addHandler(MessageToByteHandler(NDJSONFrameEncoder(observer: observer)))
    }
}

/// Told of each frame the codec reads or writes, with its type and size on the wire: the hub
/// and the agent count frames in and out for their metrics without the codec knowing how.
public struct FrameObserver: Sendable {
    public enum Direction: String, Sendable { case inbound = "in", outbound = "out" }
    public let observe: @Sendable (_ direction: Direction, _ type: String, _ bytes: Int) -> Void
    public init(_ observe: @escaping @Sendable (_ direction: Direction, _ type: String, _ bytes: Int) -> Void) {
        self.observe = observe
    }
}
