import HawserProtocol
import NIOCore

/// A connection speaking the line protocol: inbound decoded envelopes, outbound frames
/// (numbered by `NDJSONFrameEncoder`).
public typealias FrameChannel = NIOAsyncChannel<Envelope, Frame>

extension ChannelPipeline.SynchronousOperations {
    /// Adds the NDJSON codec after whatever TLS handler the caller installed.
    public func addFrameCodec(maximumLineLength: Int = NDJSONFrameDecoder.defaultMaximumLineLength) throws {
        try addHandler(ByteToMessageHandler(NDJSONFrameDecoder(maximumLineLength: maximumLineLength)))
        try addHandler(MessageToByteHandler(NDJSONFrameEncoder()))
    }
}
