/// `application/x-www-form-urlencoded` for the token request body and the authorization URL's
/// query.
///
/// Hand-rolled because `URLComponents` leaves `+`, `&`-adjacent and other sub-delimiters alone in
/// query items, and a `+` left raw in a redirect URI or state is read back as a space. Everything
/// outside RFC 3986's unreserved set is percent-encoded.
enum FormURLEncoding {
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
            }
        }
        return out
    }

    /// Appends query parameters to a URL that may already carry some (Azure B2C's `?p=policy`),
    /// keeping any fragment out of the way.
    static func appendingQuery(_ pairs: [(String, String)], to url: String) -> String {
        let withoutFragment = url.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? url
        let separator = withoutFragment.contains("?") ? (withoutFragment.hasSuffix("?") || withoutFragment.hasSuffix("&") ? "" : "&") : "?"
        return withoutFragment + separator + encode(pairs)
    }
}
