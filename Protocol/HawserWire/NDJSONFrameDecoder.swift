import Foundation
import HawserProtocol
import NIOCore

/// Splits the inbound byte stream into lines and decodes each line into an `Envelope`.
///
/// ```
///   {"seq":1,"type":"hello",...}\n{"seq":2,"type":"ping",...}\n
///   └──────────── frame 1 ─────┘  └──────── frame 2 ────────┘
/// ```
///
/// Unlike NIO's `LineBasedFrameDecoder` the buffer is bounded: a peer that sends more than
/// `maximumLineLength` bytes without a newline gets `frame_too_large` instead of exhausting our
/// memory. Every failure is thrown as a `ProtocolError`; the connection owner answers it with an
/// `error` frame and closes that connection only. Blank lines (keep-alives) and a trailing `\r`
/// are tolerated. Sequence numbers must increase strictly, per the spec.
public struct NDJSONFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = Envelope

    public static let defaultMaximumLineLength = 8 * 1024 * 1024

    public let maximumLineLength: Int
    /// Bytes already scanned for a newline, so a frame fed byte by byte costs O(n), not O(n²).
    private var scanned = 0
    private var lastSeq: UInt64?
    private let decoder = WireJSON.decoder()
    private let observer: FrameObserver?

    public init(maximumLineLength: Int = NDJSONFrameDecoder.defaultMaximumLineLength, observer: FrameObserver? = nil) {
        self.maximumLineLength = maximumLineLength
        self.observer = observer
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let line = try nextLine(&buffer) else { return .needMoreData }
        if let envelope = try decodeLine(line) {
            observer?.observe(.inbound, envelope.frame.type, line.readableBytes + 1)
            context.fireChannelRead(wrapInboundOut(envelope))
        }
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial line at EOF is discarded: the peer went away mid-frame.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    /// Pulls one complete line (without its newline) out of `buffer`, if there is one.
    mutating func nextLine(_ buffer: inout ByteBuffer) throws -> ByteBuffer? {
        let view = buffer.readableBytesView
        let start = view.startIndex + scanned
        if let nl = view[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let length = nl - view.startIndex
            if length > maximumLineLength { throw tooLarge() }
            let line = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            scanned = 0
            return line
        }
        scanned = view.count
        if view.count > maximumLineLength { throw tooLarge() }
        return nil
    }

    private func tooLarge() -> ProtocolError {
        ProtocolError(.frameTooLarge, "a frame exceeded the maximum line length of \(maximumLineLength) bytes; split large payloads or raise the limit on both sides")
    }

    /// Decodes one line; `nil` for a blank line.
    mutating func decodeLine(_ line: ByteBuffer) throws -> Envelope? {
        var bytes = Array(line.readableBytesView)
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
        let envelope: Envelope
        if let ack = Self.ack(bytes) {
            envelope = ack
        } else {
            envelope = try decodeJSON(bytes)
        }
        if let last = lastSeq, envelope.seq <= last {
            throw ProtocolError(.invalidFrame, "frame seq \(envelope.seq) after \(last): seq must increase on each frame")
        }
        lastSeq = envelope.seq
        return envelope
    }

    /// An `ack` exactly as `NDJSONFrameEncoder` writes it (keys sorted, no spaces), read
    /// without the JSON decoder: acks are the most frequent frame. Anything else, even an ack
    /// spelled differently, is nil and goes through the full decoder.
    static func ack(_ b: [UInt8]) -> Envelope? {
        var i = 0
        func literal(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard i + n <= b.count else { return false }
            let matches = s.withUTF8Buffer { lit in (0..<n).allSatisfy { b[i + $0] == lit[$0] } }
            if matches { i += n }
            return matches
        }
        func number() -> UInt64? {
            let start = i
            var value: UInt64 = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(UInt64(b[i] - 0x30))
                guard !o1, !o2 else { return nil }
                value = sum
                i += 1
            }
            // JSON numbers have no leading zeros.
            guard i > start, !(b[start] == 0x30 && i - start > 1) else { return nil }
            return value
        }
        guard literal("{\"ackSeq\":"), let ackSeq = number(), literal(",\"seq\":"), let seq = number() else { return nil }
        var streamSeq: UInt64?
        if literal(",\"streamSeq\":") {
            guard let s = number() else { return nil }
            streamSeq = s
        }
        guard literal(",\"type\":\"ack\"}"), i == b.count else { return nil }
        return Envelope(seq: seq, frame: .ack(Ack(ackSeq: ackSeq, streamSeq: streamSeq)))
    }

    private func decodeJSON(_ bytes: [UInt8]) throws -> Envelope {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw ProtocolError(.invalidUTF8, "a frame is not valid UTF-8; frames are UTF-8 JSON, one per line")
        }
        let envelope: Envelope
        do {
            envelope = try decoder.decode(Envelope.self, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw ProtocolError(.invalidFrame, "frame is missing field \"\((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))\"")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw ProtocolError(.invalidFrame, "frame field \"\(ctx.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type: \(ctx.debugDescription)")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw ProtocolError(.invalidFrame, "frame field \"\(ctx.codingPath.map(\.stringValue).joined(separator: "."))\" is null")
        } catch let DecodingError.dataCorrupted(ctx) where !ctx.codingPath.isEmpty {
            throw ProtocolError(.invalidFrame, "frame field \"\(ctx.codingPath.map(\.stringValue).joined(separator: "."))\" is invalid: \(ctx.debugDescription)")
        } catch {
            throw ProtocolError(.invalidJSON, "a frame is not valid JSON (\(bytes.count) bytes): each line must be one JSON object")
        }
        return envelope
    }
}

/// Encodes outbound frames as one JSON line each and numbers them: `seq` starts at 1 and
/// increases by one per frame, so monotonicity holds by construction on the sending side.
public final class NDJSONFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = Frame

    private var nextSeq: UInt64 = 1
    private let encoder = WireJSON.encoder()
    private let observer: FrameObserver?

    public init(observer: FrameObserver? = nil) {
        self.observer = observer
    }

    public func encode(data: Frame, out: inout ByteBuffer) throws {
        // Acks are the most frequent frame (one per status, thousands a second on a busy hub):
        // written directly, byte for byte what the JSON encoder makes of them (sorted keys).
        if case .ack(let ack) = data {
            let text = "{\"ackSeq\":\(ack.ackSeq),\"seq\":\(nextSeq)" + (ack.streamSeq.map { ",\"streamSeq\":\($0)" } ?? "") + ",\"type\":\"ack\"}\n"
            nextSeq += 1
            let written = out.writeString(text)
            observer?.observe(.outbound, data.type, written)
            return
        }
        let bytes = try encoder.encode(Envelope(seq: nextSeq, frame: data))
        nextSeq += 1
        out.writeBytes(bytes)
        out.writeInteger(UInt8(ascii: "\n"))
        observer?.observe(.outbound, data.type, bytes.count + 1)
    }
}
