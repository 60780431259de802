import _CryptoExtras
import Crypto
import Foundation
import HawserProtocol
import HubAuth
import OIDCTestSupport
import Testing

/// Tokens an attacker could make, each refused for the right reason, against the keys of a real
/// provider (oidc-provider-mock). Starts from one genuine ID token and alters one thing at a time.
@Suite(.serialized)
struct OIDCForgedTokenTests {
    /// Runs `body` with a provider client, a genuine ID token, its nonce, and the provider's key ID.
    private func withGenuineToken(clock: TestClock = TestClock(),
                                  _ body: (MockOIDCProvider, OIDCProvider, String, String, String) async throws -> Void) async throws {
        try await MockOIDCProvider.withRunning(users: [OIDCCodeFlowTests.alice]) { mock in
            let provider = try OIDCProvider(configuration: mock.configuration(), now: clock.now)
            let login = LoginAttempt()
            let token = try await login.run(provider, as: "alice").idToken
            _ = try await provider.verifyIDToken(token, nonce: login.nonce)
            let kid = try #require(try await provider.signingKeyIDs().first)
            try await body(mock, provider, token, login.nonce, kid)
        }
    }

    @Test func forgedSignaturesAreRefused() async throws {
        try await withGenuineToken { mock, provider, genuine, nonce, kid in
            let parts = try TokenForge.split(genuine)
            func expectRefused(_ expected: OIDCError, _ token: String, _ comment: Comment) async {
                await #expect(throws: expected, comment) { try await provider.verifyIDToken(token, nonce: nonce) }
            }

            await expectRefused(.unsupportedAlgorithm("none"),
                                TokenForge.token(header: ["alg": "none", "kid": .string(kid)], payloadSegment: parts.payloadSegment) { _ in [] }
                                    .appending("AA"), "alg none, with a dummy signature")
            await expectRefused(.unsupportedAlgorithm("none"),
                                TokenForge.token(header: ["alg": "none"], payloadSegment: parts.payloadSegment) { _ in [] },
                                "alg none, empty signature, no kid")

            // HS256 "signed" with what an attacker can guess or read: the client secret, the
            // provider's public key, the empty key.
            let jwks = try JSONValue.parse(try await TestHTTP.request(mock.issuer + "/jwks").body)
            let modulus = try #require(jwks["keys"]?.arrayValue?.first?["n"]?.stringValue)
            for secret in ["hawser-secret", modulus, ""] {
                await expectRefused(.unsupportedAlgorithm("HS256"),
                                    TokenForge.token(header: ["alg": "HS256", "typ": "JWT", "kid": .string(kid)], payloadSegment: parts.payloadSegment,
                                                     sign: TokenForge.hs256(secret: Array(secret.utf8))), "HS256 with a guessed secret")
            }

            let otherRSA = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            await expectRefused(.badSignature,
                                try TokenForge.token(header: ["alg": "RS256", "kid": .string(kid)], payloadSegment: parts.payloadSegment,
                                                     sign: TokenForge.rs256(otherRSA)), "another RSA key, the provider's kid")
            await expectRefused(.badSignature,
                                try TokenForge.token(header: ["alg": "RS256", "typ": "JWT"], payloadSegment: parts.payloadSegment,
                                                     sign: TokenForge.rs256(otherRSA)), "another RSA key, no kid (like the provider's own tokens)")
            await expectRefused(.keyAlgorithmMismatch,
                                try TokenForge.token(header: ["alg": "ES256", "kid": .string(kid)], payloadSegment: parts.payloadSegment,
                                                     sign: TokenForge.es256(P256.Signing.PrivateKey())), "an EC key, the provider's (RSA) kid")
            await expectRefused(.unsupportedAlgorithm("PS256"),
                                try TokenForge.token(header: ["alg": "PS256", "kid": .string(kid)], payloadSegment: parts.payloadSegment,
                                                     sign: TokenForge.rs256(otherRSA)), "RSA-PSS is not on the list either")
            await expectRefused(.unknownKey,
                                try TokenForge.token(header: ["alg": "RS256", "kid": "not-the-providers"], payloadSegment: parts.payloadSegment,
                                                     sign: TokenForge.rs256(otherRSA)), "a kid the provider does not publish")

            // The genuine signature over an edited payload: more groups.
            var escalated = parts.payload
            escalated["groups"] = .array([.string("team-a"), .string("hawser-admins")])
            let headerSegment = genuine.split(separator: ".")[0]
            await expectRefused(.badSignature, "\(headerSegment).\(TokenForge.segment(escalated)).\(parts.signatureSegment)",
                                "groups edited, signature kept")

            // After all that, the genuine token still verifies: no forgery poisoned the key cache.
            #expect(try await provider.verifyIDToken(genuine, nonce: nonce).groups == ["team-a"])
        }
    }

    @Test func expiredTokensAreRefused() async throws {
        let clock = TestClock()
        try await withGenuineToken(clock: clock) { _, provider, genuine, nonce, _ in
            clock.advance(by: 3600 + 30)   // past exp, within the 60 s leeway
            let stillValid = try await provider.verifyIDToken(genuine, nonce: nonce)
            #expect(stillValid.subject == "alice")
            clock.advance(by: 60)
            await #expect(throws: OIDCError.expired) { try await provider.verifyIDToken(genuine, nonce: nonce) }
            clock.advance(by: -3600 - 90 - 120)   // before iat, beyond the leeway: hub clock behind
            await #expect(throws: OIDCError.issuedInFuture) { try await provider.verifyIDToken(genuine, nonce: nonce) }
        }
    }

    @Test func tokensForAnotherClientAreRefused() async throws {
        try await withGenuineToken { mock, _, genuine, nonce, _ in
            let otherClient = try OIDCProvider(configuration: mock.configuration(clientID: "someone-else"))
            await #expect(throws: OIDCError.wrongAudience) { try await otherClient.verifyIDToken(genuine, nonce: nonce) }
        }
    }
}
