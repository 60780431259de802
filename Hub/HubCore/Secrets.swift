import Crypto
import Foundation

/// Bearer secrets (admin tokens, bootstrap tokens): random, shown once, stored only as SHA-256.
public enum Secrets {
    /// 32 random bytes, base64url, with a prefix that says what the secret is for (so a leaked
    /// one is recognisable in a scanner or a log).
    public static func newToken(prefix: String) -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return prefix + base64url(Data(bytes))
    }

    /// Base64url without padding: safe in URLs, headers and file names.
    static func base64url(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func hash(_ token: String) -> String {
        sha256Hex(Data(token.utf8))
    }

    /// Lowercase hex SHA-256: token hashes and manifest digests alike.
    static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
