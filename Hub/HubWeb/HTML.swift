import Foundation

/// A fragment of HTML. Interpolated strings are escaped; only other `HTML` values go in as
/// they are, so a page cannot carry an app name, label or audit detail as markup by mistake
/// (names come from users and Git; they must never become script).
public struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var text: String

    public init(stringLiteral value: String) { text = value }
    public init(stringInterpolation: StringInterpolation) { text = stringInterpolation.out }
    init(raw: String) { text = raw }

    public var description: String { text }

    public struct StringInterpolation: StringInterpolationProtocol {
        var out = ""
        public init(literalCapacity: Int, interpolationCount: Int) { out.reserveCapacity(literalCapacity + interpolationCount * 16) }
        public mutating func appendLiteral(_ literal: String) { out += literal }
        public mutating func appendInterpolation(_ value: String) { out += HTML.escape(value) }
        public mutating func appendInterpolation(_ value: String?) { out += HTML.escape(value ?? "") }
        public mutating func appendInterpolation(_ value: Int) { out += String(value) }
        public mutating func appendInterpolation(_ value: Int64) { out += String(value) }
        public mutating func appendInterpolation(_ html: HTML) { out += html.text }
        public mutating func appendInterpolation(_ list: [HTML]) { for h in list { out += h.text } }
    }

    /// Escapes for text and for double-quoted attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Percent-encodes one path segment or query value for an `href`.
    public static func urlComponent(_ s: String) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// `?a=1&b=2` from the pairs with a value (empty string when none).
    public static func query(_ items: [(String, String?)]) -> String {
        let parts = items.compactMap { k, v in v.flatMap { $0.isEmpty ? nil : "\(k)=\(urlComponent($0))" } }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }
}
