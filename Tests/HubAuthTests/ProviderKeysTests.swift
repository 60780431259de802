import Crypto
import Foundation
import HawserProtocol
@testable import HubAuth
import Testing

/// Which JWKS entries become verification keys, and that a token can use only the key it names.
struct ProviderKeysTests {
    func jwks(_ keys: [JSONValue]) -> [UInt8] { JSONValue.object(["keys": .array(keys)]).jsonBytes() }

    @Test func unusableKeysAreSkipped() async throws {
        let a = TestSigningKey(kid: "a")
        var encryption = a.publicJWK; encryption["kid"] = "enc"; encryption["use"] = "enc"
        var wrongAlg = a.publicJWK; wrongAlg["kid"] = "rs"; wrongAlg["alg"] = "RS256"
        var p384 = a.publicJWK; p384["kid"] = "p384"; p384["crv"] = "P-384"
        let hmac: JSONValue = ["kty": "oct", "kid": "hmac", "k": "c2VjcmV0"]
        let weakRSA: JSONValue = ["kty": "RSA", "kid": "rsa-512", "n": .string(Base64URL.encode([UInt8](repeating: 0xC1, count: 64))), "e": "AQAB"]
        let garbage: JSONValue = ["kty": "EC", "crv": "P-256", "kid": "junk", "x": "AAAA", "y": "AAAA"]
        let keys = try await ProviderKeys(jwks: jwks([encryption, wrongAlg, p384, hmac, weakRSA, garbage, "not a key", a.publicJWK]), generation: 1)
        #expect(keys.keyIDs == ["a"])
    }

    @Test func aSetWithoutUsableKeysIsAnError() async {
        await #expect(throws: OIDCError.keySetFailed("no RS256 or ES256 signing key in the set")) {
            try await ProviderKeys(jwks: jwks([["kty": "oct", "kid": "h", "k": "c2VjcmV0"]]), generation: 1)
        }
        await #expect(throws: OIDCError.keySetFailed("not a JSON Web Key Set (no keys array)")) {
            try await ProviderKeys(jwks: Array(#"{"kty":"EC"}"#.utf8), generation: 1)
        }
    }

    @Test func tokensUseTheKeyTheyName() async throws {
        let a = TestSigningKey(kid: "a"), b = TestSigningKey(kid: "b")
        var unnamed = b.publicJWK; unnamed["kid"] = nil
        let keys = try await ProviderKeys(jwks: jwks([a.publicJWK, unnamed]), generation: 1)
        #expect(keys.keyIDs == ["a"])
        let claims = TestClaims(issuer: "https://idp", now: Date())

        let byA = try CompactJWS(try await a.sign(claims))
        guard case .verified? = try? await keys.verify(byA) else { Issue.record("a's token must verify"); return }

        // b signs but names a's kid: that key, and only that key, is tried.
        let parts = try TokenForge.split(try await b.sign(claims))
        let bAsA = try TokenForge.token(header: ["alg": "ES256", "kid": "a"], payloadSegment: parts.payloadSegment, sign: TokenForge.es256(b.key))
        await #expect(throws: OIDCError.badSignature) { try await keys.verify(try CompactJWS(bAsA)) }

        // Without a kid every key of the right type is tried: b's unnamed key verifies.
        let bNoKid = try TokenForge.token(header: ["alg": "ES256"], payloadSegment: parts.payloadSegment, sign: TokenForge.es256(b.key))
        guard case .verified? = try? await keys.verify(try CompactJWS(bNoKid)) else { Issue.record("kid-less token must verify"); return }

        // A kid that is not in the set: for the caller to refresh the set.
        let stranger = TestSigningKey(kid: "z")
        guard case .noMatchingKey? = try? await keys.verify(try CompactJWS(try await stranger.sign(claims))) else {
            Issue.record("unknown kid must report noMatchingKey"); return
        }
    }
}
