import Foundation
import HawserProtocol
import HawserWire
import NIOCore
import NIOEmbedded
import SeededRandom
import Testing

/// Property-based fuzzing of the line protocol's decoder: 100,000 inputs made from the golden
/// frames by flipping, inserting, deleting, duplicating and splicing bytes and lines, fed in
/// random chunk sizes. Whatever arrives, the decoder yields frames or a `ProtocolError` (which
/// closes only that connection): never a crash, never a hang, never more buffered than the
/// line limit. The seed is fixed, so a failure reproduces; the failing input is printed.
@Suite struct FrameFuzzTests {
    static let seeds: [[UInt8]] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: Vectors.directory)) ?? []
        return files.filter { $0.hasSuffix(".json") }.sorted().compactMap {
            FileManager.default.contents(atPath: Vectors.path($0)).map { Array($0) }
        }
    }()

    /// Bytes that matter to JSON and to the framing.
    static let interesting: [UInt8] = Array("{}[]\":,\\\n\r 0-9eE.tfnu\u{7f}".utf8) + [0x00, 0xC3, 0x28, 0xF0, 0x9F, 0xFF, 0xED, 0xA0, 0x80]

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<8, using: &rng) {
            case 0 where !bytes.isEmpty: bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            case 1: bytes.insert(interesting.randomElement(using: &rng)!, at: at)
            case 2 where !bytes.isEmpty: bytes.remove(at: at)
            case 3 where !bytes.isEmpty:  // duplicate a slice (long lines, repeated keys)
                let end = min(bytes.count, at + Int.random(in: 1...64, using: &rng))
                bytes.insert(contentsOf: bytes[at..<end], at: at)
            case 4: bytes = Array(bytes.prefix(at))  // truncation
            case 5:  // splice another frame in
                let other = seeds.randomElement(using: &rng)!
                bytes.insert(contentsOf: other.prefix(Int.random(in: 0...other.count, using: &rng)), at: at)
            case 6 where !bytes.isEmpty: bytes[at] = UInt8.random(in: 0...255, using: &rng)
            default: bytes.insert(UInt8(ascii: "\n"), at: at)
            }
        }
        return bytes
    }

    /// Async, yielding every 100 inputs: tests share Swift's cooperative threads (two here), and
    /// ten seconds of fuzzing must not starve the suites running beside it (their heartbeats).
    @Test func theDecoderSurvives100000MutatedFrames() async throws {
        #expect(Self.seeds.count >= 10, "the golden vectors are the fuzzer's seeds")
        var rng = SplitMix64(seed: 0x4841_5753_4552)  // "HAWSER"
        let maxLine = 4096
        var frames = 0, refusals = 0
        for iteration in 0..<100_000 {
            if iteration % 100 == 0 { await Task.yield() }
            let input = Self.mutate(Self.seeds.randomElement(using: &rng)!, &rng) + [UInt8(ascii: "\n")]
            let ch = EmbeddedChannel()
            try ch.pipeline.syncOperations.addFrameCodec(maximumLineLength: maxLine)
            do {
                var offset = 0
                while offset < input.count {
                    let n = min(input.count - offset, Int.random(in: 1...512, using: &rng))
                    try ch.writeInbound(ByteBuffer(bytes: input[offset..<offset + n]))
                    offset += n
                    while try ch.readInbound(as: Envelope.self) != nil { frames += 1 }
                }
            } catch is ProtocolError {
                refusals += 1
            } catch {
                Issue.record("input \(iteration) failed with \(type(of: error)), not a ProtocolError: \(error)\n\(String(decoding: input, as: UTF8.self))")
                return
            }
            _ = try? ch.finish()
        }
        // Both outcomes happen: the mutations neither always break frames nor never do.
        #expect(frames > 1_000 && refusals > 1_000, "frames \(frames), refusals \(refusals)")
    }

    @Test func anEndlessLineIsRefusedAtTheLimitNotBuffered() throws {
        var rng = SplitMix64(seed: 7)
        let ch = EmbeddedChannel()
        try ch.pipeline.syncOperations.addFrameCodec(maximumLineLength: 1 << 16)
        var sent = 0
        do {
            // 64 MB without a newline, in random chunks: refused once past 64 KB.
            while sent < 64 << 20 {
                let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: Int.random(in: 1...8192, using: &rng))
                try ch.writeInbound(ByteBuffer(bytes: chunk))
                sent += chunk.count
            }
            Issue.record("64 MB without a newline were accepted")
        } catch let e as ProtocolError {
            #expect(e.code == .frameTooLarge)
            #expect(sent <= (1 << 16) + 8192)
        }
    }
}
