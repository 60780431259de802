import HawserProtocol
@testable import HubAuth
import Testing

/// The header gate in front of any key: shape, algorithm allow-list, refused header features.
struct CompactJWSTests {
    func token(header: JSONValue, payload: JSONValue = ["sub": "alice"], signature: String = "c2ln") -> String {
        Base64URL.encode(header.jsonBytes()) + "." + Base64URL.encode(payload.jsonBytes()) + "." + signature
    }

    @Test func acceptedAlgorithms() throws {
        let rs = try CompactJWS(token(header: ["alg": "RS256", "kid": "k1", "typ": "JWT"]))
        #expect(rs.algorithm == .rs256)
        #expect(rs.keyID == "k1")
        #expect(rs.signature == Array("sig".utf8))
        let es = try CompactJWS(token(header: ["alg": "ES256"]))
        #expect(es.algorithm == .es256)
        #expect(es.keyID == nil)
    }

    @Test func refusedAlgorithms() {
        for alg in ["none", "None", "HS256", "HS512", "RS512", "PS256", "ES384", "EdDSA"] {
            #expect(throws: OIDCError.unsupportedAlgorithm(alg)) { try CompactJWS(token(header: ["alg": .string(alg)])) }
        }
        #expect(throws: OIDCError.unsupportedAlgorithm("(unrecognised)")) { try CompactJWS(token(header: ["alg": "<script>alert(1)</script>"])) }
        #expect(throws: OIDCError.malformedToken("header has no alg")) { try CompactJWS(token(header: ["kid": "k"])) }
        #expect(throws: OIDCError.malformedToken("header has no alg")) { try CompactJWS(token(header: ["alg": ["RS256"]])) }
    }

    @Test func refusedHeaders() {
        #expect(throws: OIDCError.unsupportedHeader("crit extensions are not supported")) {
            try CompactJWS(token(header: ["alg": "RS256", "crit": ["exp"], "exp": 1]))
        }
        #expect(throws: OIDCError.unsupportedHeader("typ at+jwt is an access token, not an ID token")) {
            try CompactJWS(token(header: ["alg": "RS256", "typ": "at+jwt"]))
        }
        #expect(throws: OIDCError.malformedToken("kid is not a string")) { try CompactJWS(token(header: ["alg": "RS256", "kid": 7])) }
    }

    @Test func malformedTokens() {
        let good = token(header: ["alg": "RS256"])
        #expect(throws: OIDCError.self) { try CompactJWS("") }
        #expect(throws: OIDCError.self) { try CompactJWS(good + ".extra") }
        #expect(throws: OIDCError.self) { try CompactJWS(String(good.prefix { $0 != "." })) }
        #expect(throws: OIDCError.malformedToken("signature is missing or not base64url")) { try CompactJWS(token(header: ["alg": "RS256"], signature: "")) }
        #expect(throws: OIDCError.malformedToken("signature is missing or not base64url")) { try CompactJWS(token(header: ["alg": "RS256"], signature: "c2ln=")) }
        #expect(throws: OIDCError.malformedToken("payload is not a base64url JSON object")) {
            try CompactJWS(token(header: ["alg": "RS256"], payload: ["a", "b"]))
        }
        #expect(throws: OIDCError.malformedToken("longer than 65536 bytes")) {
            try CompactJWS(token(header: ["alg": "RS256"], payload: ["x": .string(String(repeating: "a", count: 70_000))]))
        }
    }

    @Test func signingInputIsTheFirstTwoSegments() throws {
        let t = token(header: ["alg": "RS256"])
        let jws = try CompactJWS(t)
        #expect(String(decoding: jws.signingInput, as: UTF8.self) == t.split(separator: ".").prefix(2).joined(separator: "."))
    }
}
