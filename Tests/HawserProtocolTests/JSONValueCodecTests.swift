import Foundation
import HawserProtocol
import Testing

/// `JSONValue`'s own parser and compact writer are held to exactly what Foundation's
/// `JSONDecoder`/`JSONEncoder` did before them: digests, golden frames and diffs depend on it.
@Suite struct JSONValueCodecTests {
    /// A deterministic generator (no randomness between runs: a failure reproduces).
    struct Gen {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }

        static let pieces = ["a", "B", "z9", "_x", "a-b", "a.b", "é", "😀", "\"", "\\", "/", "\n", "\t", "\u{1}", "\u{1f}",
                             "\u{7f}", "\u{2028}", "\r", "\u{8}", "\u{c}", " ", "10", "2", "app.hawser.io/instance"]
        mutating func string() -> String {
            (0..<int(5)).map { _ in Self.pieces[int(Self.pieces.count)] }.joined()
        }

        mutating func value(depth: Int = 0) -> JSONValue {
            switch int(depth > 3 ? 6 : 8) {
            case 0: return .null
            case 1: return .bool(int(2) == 0)
            case 2: return .int([0, 1, -1, 3, Int64.max, Int64.min, 1_000_000_007][int(7)])
            case 3: return .double([0.5, -2.25, 1e21, 1e-7, 0.1, 1.5e300, 12345.678, 1.2345678901234568e17][int(8)])
            case 4, 5: return .string(string())
            case 6: return .array((0..<int(4)).map { _ in value(depth: depth + 1) })
            default:
                var o: [String: JSONValue] = [:]
                for _ in 0..<int(5) { o[string()] = value(depth: depth + 1) }
                return .object(o)
            }
        }
    }

    func foundationBytes(_ v: JSONValue) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try e.encode(v))
    }

    func foundationParse(_ bytes: [UInt8]) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    @Test func compactOutputIsByteIdenticalToJSONEncoder() throws {
        var gen = Gen(state: 42)
        for _ in 0..<400 {
            let v = gen.value()
            let ours = v.jsonBytes()
            let theirs = try foundationBytes(v)
            #expect(ours == theirs, "\(String(decoding: ours, as: UTF8.self)) vs \(String(decoding: theirs, as: UTF8.self))")
        }
    }

    @Test func parsingGivesWhatJSONDecoderGave() throws {
        var gen = Gen(state: 7)
        for _ in 0..<400 {
            let bytes = gen.value().jsonBytes()
            #expect(try JSONValue.parse(bytes) == (try foundationParse(bytes)))
        }
        // Number forms a producer other than us may write, and escapes we never write.
        for text in ["1e3", "1.0", "-0", "1.5", "18446744073709551615", "9223372036854775807", "9223372036854775808",
                     "-9223372036854775808", "1E2", "-0.0", "2.5e-3", "0", "[1,2.5,-3e2]",
                     #""\u00e9\ud83d\ude00\/\b""#, #" { "a" : [ true , false , null ] } "#, #"{"a":1,"a":2}"#] {
            let bytes = Array(text.utf8)
            #expect(try JSONValue.parse(bytes) == (try foundationParse(bytes)), "\(text)")
        }
        #expect(try JSONValue.parse("{\"replicas\": 3}")["replicas"] == .int(3))
        #expect(try JSONValue.parse("0.25") == .double(0.25))
    }

    @Test func malformedInputIsRefusedWithWhereAndWhy() {
        let cases: [(String, String)] = [
            ("", "unexpected end of input"),
            ("{\"a\":1,}", "expected a string key"),
            ("[1 2]", "expected ',' or ']'"),
            ("{\"a\" 1}", "expected ':'"),
            ("\"abc", "unterminated string"),
            ("01", "must not start with 0"),
            ("1.", "digits after '.'"),
            ("tru", "unexpected end of input"),
            ("nul!", "invalid literal"),
            ("{} x", "unexpected data after"),
            ("\"\\x\"", "invalid escape"),
            ("\"\\ud800\"", "unpaired UTF-16 surrogate"),
            ("\"a\u{1}\"", "unescaped control character"),
            ("{\n\"a\":\n@}", "line 3"),
        ]
        for (text, expected) in cases {
            do {
                _ = try JSONValue.parse(Array(text.utf8))
                Issue.record("\(text.debugDescription) parsed")
            } catch {
                #expect("\(error)".contains(expected), "\(text.debugDescription): \(error)")
            }
        }
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let bomb = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        do {
            _ = try JSONValue.parse(bomb)
            Issue.record("a 100000-deep array parsed")
        } catch {
            #expect("\(error)".contains("nested deeper than \(JSONValue.maxDepth)"))
        }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect((try? JSONValue.parse(fine)) != nil)
    }
}
