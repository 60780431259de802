/// A JSON parser that builds `JSONValue` directly from UTF-8 bytes.
///
/// Why not `JSONDecoder`: decoding an untyped value through `Codable` has to guess its type by
/// trying each one in turn, and every wrong guess throws an error that carries a coding path.
/// Profiling the agent's no-op re-sync showed two thirds of its CPU time in those failed guesses
/// while reading list responses. Reading the bytes once is an order of magnitude faster and
/// allocates only the result.
///
/// Semantics match what `JSONDecoder` gave `JSONValue` (golden files and digests depend on it):
/// numbers without fraction or exponent that fit `Int64` are `.int`; other numbers are
/// `.double`, unless they hold a whole number exactly representable as `Int64` (`1.0`, `1e3`),
/// which are `.int` as well; a duplicate key keeps its first value; strings must be valid UTF-8.
/// Nesting deeper than `maxDepth` is refused, so hostile input cannot exhaust the stack.
extension JSONValue {
    public static let maxDepth = 512

    public static func parse(_ data: some Collection<UInt8>) throws -> JSONValue {
        let bytes = Array(data)
        return try bytes.withUnsafeBufferPointer { buf in
            var p = JSONByteParser(buf)
            p.skipWhitespace()
            let value = try p.value(depth: 0)
            p.skipWhitespace()
            guard p.at == buf.count else { throw p.error("unexpected data after the JSON value") }
            return value
        }
    }

    public static func parse(_ string: String) throws -> JSONValue {
        try parse(Array(string.utf8))
    }
}

/// Where and why JSON could not be parsed.
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    public let offset: Int
    public let line: Int
    public let reason: String
    public var description: String { "invalid JSON at line \(line), byte \(offset): \(reason)" }
}

struct JSONByteParser {
    let b: UnsafeBufferPointer<UInt8>
    var at = 0

    init(_ b: UnsafeBufferPointer<UInt8>) { self.b = b }

    func error(_ reason: String) -> JSONParseError {
        let line = 1 + b[..<min(at, b.count)].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        return JSONParseError(offset: at, line: line, reason: reason)
    }

    mutating func skipWhitespace() {
        while at < b.count {
            switch b[at] {
            case 0x20, 0x0A, 0x0D, 0x09: at += 1
            default: return
            }
        }
    }

    mutating func value(depth: Int) throws -> JSONValue {
        guard at < b.count else { throw error("unexpected end of input") }
        switch b[at] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character '\(Character(Unicode.Scalar(b[at])))'")
        }
    }

    mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard at + n <= b.count else { throw error("unexpected end of input") }
        for i in 0..<n where b[at + i] != word.utf8Start[i] { throw error("invalid literal, expected \(word)") }
        at += n
    }

    mutating func object(depth: Int) throws -> JSONValue {
        guard depth <= JSONValue.maxDepth else { throw error("nested deeper than \(JSONValue.maxDepth) levels") }
        at += 1
        var out: [String: JSONValue] = [:]
        skipWhitespace()
        if at < b.count, b[at] == UInt8(ascii: "}") { at += 1; return .object(out) }
        while true {
            skipWhitespace()
            guard at < b.count, b[at] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try string()
            skipWhitespace()
            guard at < b.count, b[at] == UInt8(ascii: ":") else { throw error("expected ':' after key \"\(key)\"") }
            at += 1
            skipWhitespace()
            let v = try value(depth: depth)
            if out[key] == nil { out[key] = v }
            skipWhitespace()
            guard at < b.count else { throw error("unexpected end of input in an object") }
            if b[at] == UInt8(ascii: ",") { at += 1; continue }
            if b[at] == UInt8(ascii: "}") { at += 1; return .object(out) }
            throw error("expected ',' or '}' in an object")
        }
    }

    mutating func array(depth: Int) throws -> JSONValue {
        guard depth <= JSONValue.maxDepth else { throw error("nested deeper than \(JSONValue.maxDepth) levels") }
        at += 1
        var out: [JSONValue] = []
        skipWhitespace()
        if at < b.count, b[at] == UInt8(ascii: "]") { at += 1; return .array(out) }
        while true {
            skipWhitespace()
            out.append(try value(depth: depth))
            skipWhitespace()
            guard at < b.count else { throw error("unexpected end of input in an array") }
            if b[at] == UInt8(ascii: ",") { at += 1; continue }
            if b[at] == UInt8(ascii: "]") { at += 1; return .array(out) }
            throw error("expected ',' or ']' in an array")
        }
    }

    mutating func string() throws -> String {
        at += 1
        let start = at
        // Fast path: no escapes, the bytes are the string.
        while at < b.count {
            let c = b[at]
            if c == UInt8(ascii: "\"") {
                guard let s = String(validating: UnsafeBufferPointer(rebasing: b[start..<at]), as: UTF8.self) else {
                    at = start
                    throw error("string is not valid UTF-8")
                }
                at += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("unescaped control character in a string") }
            at += 1
        }
        var bytes = Array(b[start..<at])
        while at < b.count {
            let c = b[at]
            switch c {
            case UInt8(ascii: "\""):
                at += 1
                guard let s = String(validating: bytes, as: UTF8.self) else { throw error("string is not valid UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                at += 1
                guard at < b.count else { throw error("unexpected end of input in a string") }
                let e = b[at]
                at += 1
                switch e {
                case UInt8(ascii: "\""): bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5C)
                case UInt8(ascii: "/"): bytes.append(0x2F)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard at + 1 < b.count, b[at] == UInt8(ascii: "\\"), b[at + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired UTF-16 surrogate in a \\u escape")
                        }
                        at += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("invalid UTF-16 surrogate pair in a \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw error("unpaired UTF-16 surrogate in a \\u escape")
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                    bytes.append(contentsOf: UTF8.encode(u)!)
                default:
                    at -= 1
                    throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
                }
            default:
                if c < 0x20 { throw error("unescaped control character in a string") }
                bytes.append(c)
                at += 1
            }
        }
        throw error("unterminated string")
    }

    mutating func hex4() throws -> UInt32 {
        guard at + 4 <= b.count else { throw error("unexpected end of input in a \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[at]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in a \\u escape")
            }
            v = v << 4 | d
            at += 1
        }
        return v
    }

    mutating func number() throws -> JSONValue {
        let start = at
        if b[at] == UInt8(ascii: "-") { at += 1 }
        func digits(_ p: inout JSONByteParser) -> Int {
            let s = p.at
            while p.at < p.b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p.b[p.at]) { p.at += 1 }
            return p.at - s
        }
        let intStart = at
        let intDigits = digits(&self)
        guard intDigits > 0 else { throw error("a number needs digits") }
        if intDigits > 1, b[intStart] == UInt8(ascii: "0") { at = intStart; throw error("a number must not start with 0") }
        var integral = true
        if at < b.count, b[at] == UInt8(ascii: ".") {
            integral = false
            at += 1
            guard digits(&self) > 0 else { throw error("a number needs digits after '.'") }
        }
        if at < b.count, b[at] == UInt8(ascii: "e") || b[at] == UInt8(ascii: "E") {
            integral = false
            at += 1
            if at < b.count, b[at] == UInt8(ascii: "+") || b[at] == UInt8(ascii: "-") { at += 1 }
            guard digits(&self) > 0 else { throw error("a number needs digits in its exponent") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<at]), as: UTF8.self)
        if integral, let i = Int64(text) { return .int(i) }
        guard let d = Double(text) else { at = start; throw error("invalid number \(text)") }
        if d == d.rounded(), let i = Int64(exactly: d) { return .int(i) }
        return .double(d)
    }
}
