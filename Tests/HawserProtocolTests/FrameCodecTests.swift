import Foundation
import HawserProtocol
@testable import HawserWire
import NIOCore
import NIOEmbedded
import Testing

/// The line protocol's decoder and encoder, driven through `EmbeddedChannel` without sockets.
@Suite struct FrameCodecTests {
    func channel(maxLine: Int = NDJSONFrameDecoder.defaultMaximumLineLength) throws -> EmbeddedChannel {
        let ch = EmbeddedChannel()
        try ch.pipeline.syncOperations.addFrameCodec(maximumLineLength: maxLine)
        return ch
    }

    func bytes(_ s: String) -> ByteBuffer { ByteBuffer(string: s) }

    @Test func decodesFramesFedOneByteAtATime() throws {
        let ch = try channel()
        let text = try String(contentsOfFile: Vectors.path("assignment.json"), encoding: .utf8).trimmingCharacters(in: .newlines)
            + "\n" + #"{"type":"ping","seq":3,"sentAt":"2026-11-28T04:00:00.000Z"}"# + "\r\n"
        for b in Array(text.utf8) {
            try ch.writeInbound(ByteBuffer(bytes: [b]))
        }
        let first = try #require(try ch.readInbound(as: Envelope.self))
        guard case .assignment(let a) = first.frame else { Issue.record("expected assignment, got \(first.frame.type)"); return }
        #expect(a.appId == "guestbook")
        #expect(a.manifests.count == 2)
        #expect(a.manifests[1].object[path: ["spec", "replicas"]] == .int(1))
        let second = try #require(try ch.readInbound(as: Envelope.self))
        #expect(second.seq == 3)
        guard case .ping = second.frame else { Issue.record("expected ping"); return }
        #expect(try ch.readInbound(as: Envelope.self) == nil)
        #expect(try ch.finish().isClean)
    }

    @Test func blankLinesAreKeepAlives() throws {
        let ch = try channel()
        try ch.writeInbound(bytes("\n  \n{\"type\":\"bye\",\"seq\":1,\"reason\":\"x\"}\n"))
        let e = try #require(try ch.readInbound(as: Envelope.self))
        #expect(e.frame == .bye(Bye(reason: "x")))
    }

    @Test func oversizedLineIsRefusedBeforeItIsBuffered() throws {
        let ch = try channel(maxLine: 64)
        // No newline yet: the decoder must give up as soon as it holds more than the maximum.
        #expect(throws: ProtocolError.self) {
            try ch.writeInbound(ByteBuffer(bytes: Array(repeating: UInt8(ascii: "a"), count: 65)))
        }
        do {
            let ch2 = try channel(maxLine: 64)
            try ch2.writeInbound(bytes(String(repeating: "b", count: 100) + "\n"))
            Issue.record("expected frame_too_large")
        } catch let e as ProtocolError {
            #expect(e.code == .frameTooLarge)
            #expect(e.message.contains("64 bytes"))
        }
    }

    @Test func invalidJSONIsAProtocolError() throws {
        let ch = try channel()
        do {
            try ch.writeInbound(bytes("{not json\n"))
            Issue.record("expected invalid_json")
        } catch let e as ProtocolError {
            #expect(e.code == .invalidJSON)
        }
    }

    @Test func invalidUTF8IsAProtocolError() throws {
        let ch = try channel()
        do {
            try ch.writeInbound(ByteBuffer(bytes: Array(#"{"type":"bye","seq":1,"reason":""#.utf8) + [0xC3, 0x28] + Array("\"}\n".utf8)))
            Issue.record("expected invalid_utf8")
        } catch let e as ProtocolError {
            #expect(e.code == .invalidUTF8)
        }
    }

    @Test func missingFieldNamesTheField() throws {
        let ch = try channel()
        do {
            try ch.writeInbound(bytes(#"{"type":"command","seq":1,"action":"sync"}"# + "\n"))
            Issue.record("expected invalid_frame")
        } catch let e as ProtocolError {
            #expect(e.code == .invalidFrame)
            #expect(e.message.contains("appId"))
        }
    }

    @Test func unknownTypeIsDecodedForTheCallerToIgnore() throws {
        let ch = try channel()
        try ch.writeInbound(bytes(try String(contentsOfFile: Vectors.path("unknown-type.json"), encoding: .utf8)))
        let e = try #require(try ch.readInbound(as: Envelope.self))
        #expect(e.frame == .unknown(type: "telemetry"))
    }

    @Test func sequenceNumbersMustIncrease() throws {
        let ch = try channel()
        try ch.writeInbound(bytes(#"{"type":"bye","seq":5,"reason":"a"}"# + "\n"))
        _ = try ch.readInbound(as: Envelope.self)
        do {
            try ch.writeInbound(bytes(#"{"type":"bye","seq":5,"reason":"b"}"# + "\n"))
            Issue.record("expected invalid_frame for a repeated seq")
        } catch let e as ProtocolError {
            #expect(e.code == .invalidFrame)
            #expect(e.message.contains("seq"))
        }
    }

    @Test func encoderNumbersFramesAndEndsEachWithANewline() throws {
        let ch = try channel()
        try ch.writeOutbound(Frame.ping(Ping(sentAt: Date(timeIntervalSince1970: 0))))
        try ch.writeOutbound(Frame.bye(Bye(reason: "done")))
        var out = ByteBuffer()
        while var b = try ch.readOutbound(as: ByteBuffer.self) { out.writeBuffer(&b) }
        let lines = String(buffer: out).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[2].isEmpty)
        let decoder = WireJSON.decoder()
        let a = try decoder.decode(Envelope.self, from: Data(lines[0].utf8))
        let b = try decoder.decode(Envelope.self, from: Data(lines[1].utf8))
        #expect(a.seq == 1 && b.seq == 2)
        #expect(b.frame == .bye(Bye(reason: "done")))
    }
}

@Suite struct VersionNegotiationTests {
    @Test func picksTheHighestCommonVersion() {
        #expect(ProtocolVersion.negotiate(offered: [1, 2, 3], supported: [1, 2]) == 2)
        #expect(ProtocolVersion.negotiate(offered: [1], supported: [1, 2]) == 1)
    }

    @Test func noCommonVersionIsNil() {
        #expect(ProtocolVersion.negotiate(offered: [2, 3], supported: [1]) == nil)
        #expect(ProtocolVersion.negotiate(offered: [], supported: [1]) == nil)
    }
}

enum Vectors {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocol/vectors").path

    static func path(_ name: String) -> String { directory + "/" + name }
}

/// Every golden frame in Protocol/vectors decodes, names its own type, and survives a
/// round trip through our encoder unchanged (so the spec's examples are the real format).
@Suite struct GoldenVectorTests {
    static let files = (try? FileManager.default.contentsOfDirectory(atPath: Vectors.directory).filter { $0.hasSuffix(".json") }.sorted()) ?? []

    @Test func vectorsExistForEveryFrameType() {
        let names = Set(Self.files.map { String($0.dropLast(5)) })
        for t in ["hello", "welcome", "join", "assignment", "unassign", "status", "ack", "ping", "pong", "command", "renew", "certificate", "error", "bye"] {
            #expect(names.contains(t), "missing Protocol/vectors/\(t).json")
        }
    }

    @Test(arguments: files) func decodesAndRoundTrips(file: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Vectors.path(file)))
        let envelope = try WireJSON.decoder().decode(Envelope.self, from: data)
        let expectedType = file == "unknown-type.json" ? "telemetry" : String(file.dropLast(5))
        #expect(envelope.frame.type == expectedType)
        if case .unknown = envelope.frame { return }
        let again = try WireJSON.decoder().decode(Envelope.self, from: try WireJSON.encoder().encode(envelope))
        #expect(again == envelope)
        // Nothing in the golden file is silently dropped by our types.
        let original = try JSONValue.parse(data)
        let reencoded = try JSONValue.parse(try WireJSON.encoder().encode(envelope))
        #expect(original == reencoded, "\(file) does not round-trip field for field")
    }
}

/// An assignment that names a bundle instead of carrying manifests.
@Suite struct BundleFrameTests {
    @Test func anAssignmentWithoutManifestsNamesItsBundle() throws {
        let full = Assignment(appId: "guestbook", project: "default", revision: "4f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39", generation: 4,
                              manifests: [Manifest(source: "cm.yaml", line: 1, object: .object(["kind": .string("ConfigMap")]))],
                              syncPolicy: SyncPolicy(), destinationNamespace: "guestbook", bundle: "ab12")
        let slim = full.withoutManifests()
        let json = String(decoding: try JSONEncoder().encode(slim), as: UTF8.self)
        #expect(!json.contains("\"manifests\"") && json.contains("\"bundle\":\"ab12\""))
        let decoded = try JSONDecoder().decode(Assignment.self, from: Data(json.utf8))
        #expect(decoded.manifestsOmitted && decoded.manifests.isEmpty && decoded.bundle == "ab12")
        // With manifests, as every hub sent before bundles existed.
        let whole = try JSONDecoder().decode(Assignment.self, from: try JSONEncoder().encode(full))
        #expect(!whole.manifestsOmitted && whole.manifests.count == 1)
        // Neither manifests nor a bundle: not an assignment.
        let broken = json.replacingOccurrences(of: "\"bundle\":\"ab12\",", with: "").replacingOccurrences(of: ",\"bundle\":\"ab12\"", with: "")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Assignment.self, from: Data(broken.utf8)) }
    }
}

/// Acks take a shortcut past the JSON encoder (they are the most frequent frame): the bytes
/// must be exactly what the encoder would have written.
@Suite struct AckFastPathTests {
    @Test func acksAreWrittenExactlyAsTheJSONEncoderWould() throws {
        let encoder = NDJSONFrameEncoder()
        let acks = [Ack(ackSeq: 3), Ack(ackSeq: 7, streamSeq: 119), Ack(ackSeq: UInt64.max, streamSeq: UInt64.max), Ack(ackSeq: 0, streamSeq: 0)]
        for (i, ack) in acks.enumerated() {
            var buffer = ByteBuffer()
            try encoder.encode(data: .ack(ack), out: &buffer)
            let line = buffer.readString(length: buffer.readableBytes) ?? ""
            let expected = String(decoding: try WireJSON.encoder().encode(Envelope(seq: UInt64(i + 1), frame: .ack(ack))), as: UTF8.self) + "\n"
            #expect(line == expected)
            #expect(try WireJSON.decoder().decode(Envelope.self, from: Data(line.dropLast().utf8)) == Envelope(seq: UInt64(i + 1), frame: .ack(ack)))
        }
    }

    /// The decoder's shortcut reads those same bytes to the same frame, and sends every other
    /// spelling to the full decoder, which accepts or refuses it as it always did.
    @Test func theDecoderShortcutAgreesWithTheFullDecoder() throws {
        let ch = EmbeddedChannel()
        try ch.pipeline.syncOperations.addFrameCodec()
        let lines = [
            #"{"ackSeq":3,"seq":1,"type":"ack"}"#,
            #"{"ackSeq":7,"seq":2,"streamSeq":119,"type":"ack"}"#,
            #"{"ackSeq":18446744073709551615,"seq":3,"streamSeq":18446744073709551615,"type":"ack"}"#,
            #"{"type":"ack","seq":4,"ackSeq":5,"streamSeq":6}"#,        // another key order: the full decoder
            #"{"ackSeq": 8, "seq":5, "type":"ack"}"#,                   // spaces: the full decoder
        ]
        try ch.writeInbound(ByteBuffer(string: lines.joined(separator: "\n") + "\n"))
        var got: [Envelope] = []
        while let e = try ch.readInbound(as: Envelope.self) { got.append(e) }
        let expected = try lines.map { try WireJSON.decoder().decode(Envelope.self, from: Data($0.utf8)) }
        #expect(got == expected)
        // Spellings JSON does not allow are still refused, not read by the shortcut.
        for bad in [#"{"ackSeq":01,"seq":9,"type":"ack"}"#, #"{"ackSeq":18446744073709551616,"seq":9,"type":"ack"}"#, #"{"ackSeq":1,"seq":9,"type":"ack"}x"#] {
            #expect(NDJSONFrameDecoder.ack(Array(bad.utf8)) == nil, "\(bad)")
            let c = EmbeddedChannel()
            try c.pipeline.syncOperations.addFrameCodec()
            #expect(throws: ProtocolError.self) { try c.writeInbound(ByteBuffer(string: bad + "\n")) }
        }
    }
}
