import _CryptoExtras
import Crypto
import Foundation
import HawserProtocol
import JWTKit

/// An ES256 key made in the test (Crypto P256), published as a JWK and used through jwt-kit to
/// sign tokens, as a provider would.
struct TestSigningKey: Sendable {
    let kid: String
    let key: P256.Signing.PrivateKey

    init(kid: String) {
        self.kid = kid
        key = P256.Signing.PrivateKey()
    }

    var publicJWK: JSONValue {
        let raw = Array(key.publicKey.rawRepresentation)   // x ‖ y, 32 bytes each
        return .object(["kty": .string("EC"), "crv": .string("P-256"), "use": .string("sig"), "alg": .string("ES256"),
                        "kid": .string(kid), "x": .string(TokenForge.base64URL(raw[0..<32])), "y": .string(TokenForge.base64URL(raw[32...]))])
    }

    /// A token signed by jwt-kit with this key, `kid` in the header.
    func sign(_ claims: TestClaims) async throws -> String {
        let keys = await JWTKeyCollection().add(ecdsa: try ES256PrivateKey(backing: key), kid: JWKIdentifier(string: kid))
        return try await keys.sign(claims, kid: JWKIdentifier(string: kid))
    }
}

/// ID-token claims for tokens the tests sign themselves.
struct TestClaims: JWTPayload {
    var iss: String
    var sub: String = "alice"
    var aud: String = "hawser"
    var exp: Int
    var iat: Int
    var nonce: String?
    var groups: [String] = ["team-a"]

    init(issuer: String, now: Date, lifetime: TimeInterval = 3600, nonce: String? = nil) {
        iss = issuer
        iat = Int(now.timeIntervalSince1970)
        exp = iat + Int(lifetime)
        self.nonce = nonce
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Hand-made JWS compact tokens, for forgeries jwt-kit would not produce: `alg: none`, a
/// header naming someone else's key, a payload edited under an old signature.
enum TokenForge {
    static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: some StringProtocol) throws -> [UInt8] {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        s += String(repeating: "=", count: (4 - s.count % 4) % 4)
        guard let data = Data(base64Encoded: s) else { throw TestFailure("not base64url") }
        return Array(data)
    }

    struct Parts {
        var header: JSONValue
        var payload: JSONValue
        var payloadSegment: String
        var signatureSegment: String
    }

    static func split(_ token: String) throws -> Parts {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw TestFailure("not a JWS") }
        return Parts(header: try JSONValue.parse(try decodeBase64URL(parts[0])), payload: try JSONValue.parse(try decodeBase64URL(parts[1])),
                     payloadSegment: String(parts[1]), signatureSegment: String(parts[2]))
    }

    /// `header.payload.signature`, the signature computed by `sign` over the first two segments.
    static func token(header: JSONValue, payloadSegment: String, sign: ([UInt8]) throws -> [UInt8]) rethrows -> String {
        let input = base64URL(header.jsonBytes()) + "." + payloadSegment
        return input + "." + base64URL(try sign(Array(input.utf8)))
    }

    static func segment(_ payload: JSONValue) -> String { base64URL(payload.jsonBytes()) }

    static func rs256(_ key: _RSA.Signing.PrivateKey) -> ([UInt8]) throws -> [UInt8] {
        { Array(try key.signature(for: SHA256.hash(data: $0), padding: .insecurePKCS1v1_5).rawRepresentation) }
    }

    static func es256(_ key: P256.Signing.PrivateKey) -> ([UInt8]) throws -> [UInt8] {
        { Array(try key.signature(for: SHA256.hash(data: $0)).rawRepresentation) }
    }

    static func hs256(secret: [UInt8]) -> ([UInt8]) -> [UInt8] {
        { Array(HMAC<SHA256>.authenticationCode(for: $0, using: SymmetricKey(data: secret))) }
    }
}
