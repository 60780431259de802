import HawserProtocol
import Yams

/// Resolves untagged plain scalars the way kubectl's YAML parser (go-yaml v2, YAML 1.1) does,
/// so Hawser renders exactly what `kubectl apply -f` would send:
///
/// - null: empty, `~`, `null`, `Null`, `NULL`
/// - bool: `true`/`false`, and the YAML 1.1 forms `yes`/`no`/`on`/`off` (any of lower, Title,
///   UPPER case) — quote them to get strings
/// - int: decimal, `0x` hex, `0o` or leading-`0` octal, `0b` binary, `_` separators, in Int64
/// - float: `1.5`, `.5`, `1e3`, `-2.5E-3`; `.inf` and `.nan` are refused (JSON has no such
///   numbers); timestamps and sexagesimal `1:30` stay strings
///
/// Quoted and block (`|`, `>`) scalars are always strings, so `"8080"` stays a string.
/// Explicit `!!str`, `!!int`, `!!float`, `!!bool`, `!!null` tags are honoured.
enum YAMLScalars {
    static let strTag = "tag:yaml.org,2002:str"
    static let intTag = "tag:yaml.org,2002:int"
    static let floatTag = "tag:yaml.org,2002:float"
    static let boolTag = "tag:yaml.org,2002:bool"
    static let nullTag = "tag:yaml.org,2002:null"

    static let nulls: Set<String> = ["", "~", "null", "Null", "NULL"]
    static let trues: Set<String> = ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"]
    static let falses: Set<String> = ["false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"]

    enum Problem: Error {
        case notRepresentable(String)
        case badTaggedValue(tag: String, value: String)
    }

    static func isNull(_ text: String) -> Bool { nulls.contains(text) }

    static func value(of scalar: Node.Scalar) throws(Problem) -> JSONValue {
        let text = scalar.string
        // Tags Yams resolved itself (it does so on mapping keys while checking for duplicates)
        // read like explicit ones; resolving plain text again gives the same answer for them.
        let tag = scalar.tag.rawValue
        let plain = scalar.style == .plain || scalar.style == .any
        switch tag {
        case "", "?":
            return plain ? try resolvePlain(text) : .string(text)
        case "!", strTag:
            return .string(text)
        case nullTag:
            return .null
        case boolTag:
            if trues.contains(text) { return .bool(true) }
            if falses.contains(text) { return .bool(false) }
            throw .badTaggedValue(tag: "!!bool", value: text)
        case intTag:
            if let i = int(text) { return .int(i) }
            throw .badTaggedValue(tag: "!!int", value: text)
        case floatTag:
            if let i = int(text) { return .double(Double(i)) }
            if let d = float(text) { return .double(d) }
            throw .badTaggedValue(tag: "!!float", value: text)
        default:
            // Yams-resolved tags (timestamp, merge, value…) or application tags: keep the text,
            // resolved as if untagged when plain.
            return plain ? try resolvePlain(text) : .string(text)
        }
    }

    static func resolvePlain(_ text: String) throws(Problem) -> JSONValue {
        if nulls.contains(text) { return .null }
        if trues.contains(text) { return .bool(true) }
        if falses.contains(text) { return .bool(false) }
        guard let first = text.utf8.first,
              first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
        else { return .string(text) }
        if let i = int(text) { return .int(i) }
        if let d = float(text) { return .double(d) }
        if [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"].contains(text) {
            throw .notRepresentable(text)
        }
        return .string(text)
    }

    /// go-yaml v2's integer forms (Go's `strconv.ParseInt(s, 0, 64)` after removing `_`).
    static func int(_ text: String) -> Int64? {
        var s = Substring(text.replacingOccurrences(of: "_", with: ""))
        var negative = false
        if s.first == "-" || s.first == "+" {
            negative = s.first == "-"
            s = s.dropFirst()
        }
        guard !s.isEmpty else { return nil }
        var radix = 10
        if s.count > 1, s.first == "0" {
            let marker = s.dropFirst().first!
            switch marker {
            case "x", "X": radix = 16; s = s.dropFirst(2)
            case "o", "O": radix = 8; s = s.dropFirst(2)
            case "b", "B": radix = 2; s = s.dropFirst(2)
            default: radix = 8; s = s.dropFirst()
            }
        }
        guard !s.isEmpty, s.first != "-", s.first != "+", let magnitude = UInt64(s, radix: radix) else { return nil }
        if negative {
            if magnitude == UInt64(Int64.max) + 1 { return Int64.min }
            return magnitude <= UInt64(Int64.max) ? -Int64(magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`, go-yaml v2's float form.
    static func float(_ text: String) -> Double? {
        let s = text.replacingOccurrences(of: "_", with: "")
        var chars = Substring(s)
        if chars.first == "-" || chars.first == "+" { chars = chars.dropFirst() }
        let mantissaEnd = chars.firstIndex { $0 == "e" || $0 == "E" } ?? chars.endIndex
        let mantissa = chars[..<mantissaEnd]
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }) else { return nil }
        if parts.count == 1 { guard !parts[0].isEmpty else { return nil } }
        else if parts[0].isEmpty { guard !parts[1].isEmpty else { return nil } }
        if mantissaEnd != chars.endIndex {
            var exponent = chars[chars.index(after: mantissaEnd)...]
            if exponent.first == "-" || exponent.first == "+" { exponent = exponent.dropFirst() }
            guard !exponent.isEmpty, exponent.allSatisfy(\.isASCIIDigit) else { return nil }
        }
        guard let d = Double(s), d.isFinite else { return nil }
        return d
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
