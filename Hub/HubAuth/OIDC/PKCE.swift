import Crypto

/// Proof Key for Code Exchange (RFC 7636) with the S256 method.
///
/// The hub keeps `verifier` with the login attempt and sends only `challenge` to the provider, so
/// an authorization code intercepted on its way back (browser history, a hostile redirect
/// handler) cannot be redeemed without the verifier. Used even though the hub also has a client
/// secret: the secret proves which client asks, PKCE proves it is the same login.
public struct PKCE: Sendable, Hashable {
    public let verifier: String
    /// `BASE64URL(SHA256(ASCII(verifier)))`.
    public let challenge: String
    public static let method = "S256"

    /// A fresh verifier: 32 random bytes, base64url, 43 characters.
    public init() {
        self.init(validVerifier: OIDCRandom.token(bytes: 32))
    }

    /// Rebuilds the pair from a stored verifier; `nil` unless it is 43–128 characters of the RFC's
    /// unreserved set (`A-Z a-z 0-9 - . _ ~`).
    public init?(verifier: String) {
        guard (43...128).contains(verifier.utf8.count), verifier.utf8.allSatisfy(Self.isUnreserved) else { return nil }
        self.init(validVerifier: verifier)
    }

    private init(validVerifier: String) {
        verifier = validVerifier
        challenge = Base64URL.encode(SHA256.hash(data: Array(validVerifier.utf8)))
    }

    private static func isUnreserved(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }
}
