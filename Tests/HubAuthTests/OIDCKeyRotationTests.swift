import Foundation
import HubAuth
import OIDCTestSupport
import Testing

/// Key rotation against a provider whose JWKS the test controls (``StaticKeyServer``), with ES256
/// keys made here and tokens signed by jwt-kit: an unknown `kid` fetches the key set again, once,
/// and a flood of made-up `kid`s cannot turn into a flood of downloads.
@Suite(.serialized)
struct OIDCKeyRotationTests {
    @Test func aNewKeyIsPickedUpOnItsFirstToken() async throws {
        let a = TestSigningKey(kid: "key-a"), b = TestSigningKey(kid: "key-b")
        try await StaticKeyServer.withRunning(publishing: [a]) { server in
            let clock = TestClock()
            let provider = try OIDCProvider(configuration: OIDCConfiguration(issuer: server.issuer, clientID: "hawser"), now: clock.now)
            let claims = TestClaims(issuer: server.issuer, now: clock.now(), nonce: "n")

            #expect(try await provider.verifyIDToken(try await a.sign(claims), nonce: "n").subject == "alice")
            #expect(try await server.jwksDownloads() == 1)
            // Cached: more tokens, no more downloads.
            for _ in 0..<3 { _ = try await provider.verifyIDToken(try await a.sign(claims), nonce: "n") }
            #expect(try await server.jwksDownloads() == 1)

            // The provider rotates: b is published and signs from now on. The very first token
            // with b is accepted, right after the initial download, with exactly one more fetch.
            try server.publish([a, b])
            #expect(try await provider.verifyIDToken(try await b.sign(claims), nonce: "n").groups == ["team-a"])
            #expect(try await server.jwksDownloads() == 2)
            #expect(try await provider.signingKeyIDs() == ["key-a", "key-b"])

            // a is withdrawn; after the next download (an unknown kid, later) a's tokens fail.
            try server.publish([b])
            clock.advance(by: 10)
            let c = TestSigningKey(kid: "key-c")
            await #expect(throws: OIDCError.unknownKey) { try await provider.verifyIDToken(try await c.sign(claims), nonce: "n") }
            #expect(try await server.jwksDownloads() == 3)
            await #expect(throws: OIDCError.unknownKey) { try await provider.verifyIDToken(try await a.sign(claims), nonce: "n") }
            #expect(try await server.jwksDownloads() == 3, "within the interval: no download for a's kid")
        }
    }

    @Test func aFloodOfUnknownKidsFetchesOncePerInterval() async throws {
        let a = TestSigningKey(kid: "key-a")
        try await StaticKeyServer.withRunning(publishing: [a]) { server in
            let clock = TestClock()
            let provider = try OIDCProvider(configuration: OIDCConfiguration(issuer: server.issuer, clientID: "hawser"), now: clock.now,
                                            minimumKeyRefetchInterval: 5)
            let claims = TestClaims(issuer: server.issuer, now: clock.now())
            _ = try await provider.verifyIDToken(try await a.sign(claims), nonce: nil)
            #expect(try await server.jwksDownloads() == 1)

            let forgers = (0..<20).map { TestSigningKey(kid: "forged-\($0)") }
            var forged: [String] = []
            for forger in forgers { forged.append(try await forger.sign(claims)) }

            // 20 concurrent tokens with unknown kids: one download between them.
            let refused = await withTaskGroup(of: Bool.self) { group in
                for token in forged {
                    group.addTask {
                        do { _ = try await provider.verifyIDToken(token, nonce: nil); return false } catch OIDCError.unknownKey { return true } catch { return false }
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(refused == 20)
            #expect(try await server.jwksDownloads() == 2)

            // Still within the interval: nothing. After it: one more, then nothing again.
            clock.advance(by: 4)
            for token in forged { await #expect(throws: OIDCError.unknownKey) { try await provider.verifyIDToken(token, nonce: nil) } }
            #expect(try await server.jwksDownloads() == 2)
            clock.advance(by: 2)
            for token in forged { await #expect(throws: OIDCError.unknownKey) { try await provider.verifyIDToken(token, nonce: nil) } }
            #expect(try await server.jwksDownloads() == 3)

            // The genuine key kept working throughout.
            #expect(try await provider.verifyIDToken(try await a.sign(claims), nonce: nil).subject == "alice")
            #expect(try await server.jwksDownloads() == 3)
        }
    }
}
