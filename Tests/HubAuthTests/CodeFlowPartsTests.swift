import Foundation
@testable import HubAuth
import Testing

/// The pure parts of the login: PKCE, random values, URL encoding, endpoint policy, the token
/// request and response, the key refresh limiter.
struct CodeFlowPartsTests {
    @Test func pkceMatchesRFC7636AppendixB() throws {
        let pkce = try #require(PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
        #expect(pkce.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCE.method == "S256")
    }

    @Test func generatedVerifiersAreValidAndFresh() throws {
        let pkce = PKCE()
        #expect(pkce.verifier.count == 43)
        #expect(PKCE(verifier: pkce.verifier) == pkce)
        #expect(PKCE().verifier != pkce.verifier)
        #expect(PKCE(verifier: String(repeating: "a", count: 42)) == nil)
        #expect(PKCE(verifier: String(repeating: "a", count: 128)) != nil)
        #expect(PKCE(verifier: String(repeating: "a", count: 129)) == nil)
        #expect(PKCE(verifier: String(repeating: "a", count: 42) + "+") == nil)
        #expect(PKCE(verifier: String(repeating: "a", count: 40) + "-._~") != nil)
    }

    @Test func stateAndNonceAreRandom() {
        let values = (0..<100).map { _ in OIDCRandom.state() } + (0..<100).map { _ in OIDCRandom.nonce() }
        #expect(Set(values).count == 200)
        #expect(values.allSatisfy { $0.count == 43 && Base64URL.decode($0)?.count == 32 })
    }

    @Test func formEncoding() {
        #expect(FormURLEncoding.encode([("redirect_uri", "https://hub/cb?a=1&b=2"), ("scope", "openid email"), ("x", "a+b~é")])
                == "redirect_uri=https%3A%2F%2Fhub%2Fcb%3Fa%3D1%26b%3D2&scope=openid%20email&x=a%2Bb~%C3%A9")
        #expect(FormURLEncoding.appendingQuery([("a", "1")], to: "https://idp/authorize") == "https://idp/authorize?a=1")
        #expect(FormURLEncoding.appendingQuery([("a", "1")], to: "https://idp/authorize?p=B2C_1_signin") == "https://idp/authorize?p=B2C_1_signin&a=1")
        #expect(FormURLEncoding.appendingQuery([("a", "1")], to: "https://idp/authorize?") == "https://idp/authorize?a=1")
    }

    @Test func base64URLIsStrict() {
        #expect(Base64URL.decode("c2ln") == Array("sig".utf8))
        #expect(Base64URL.decode("c2lnbg") == Array("sign".utf8))
        #expect(Base64URL.decode("c2lnbg==") == nil)
        #expect(Base64URL.decode("a+b/") == nil)
        #expect(Base64URL.decode("a") == nil)
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
    }

    @Test func endpointPolicy() throws {
        #expect(try EndpointPolicy.check("https://idp.example.com/x").host == "idp.example.com")
        for loopback in ["http://127.0.0.1:5556/dex", "http://localhost:8080", "http://[::1]:9000", "http://127.1.2.3"] {
            #expect(throws: Never.self) { try EndpointPolicy.check(loopback) }
        }
        #expect(throws: OIDCError.insecureEndpoint("http://dex.example.com")) { try EndpointPolicy.check("http://dex.example.com") }
        #expect(throws: OIDCError.insecureEndpoint("http://127.0.0.1.nip.io")) { try EndpointPolicy.check("http://127.0.0.1.nip.io") }
        #expect(throws: OIDCError.self) { try EndpointPolicy.check("ftp://idp.example.com") }
        #expect(throws: OIDCError.self) { try EndpointPolicy.check("/relative") }
        #expect(throws: OIDCError.self) { try EndpointPolicy.checkIssuer("https://idp.example.com?tenant=1") }
        #expect(throws: OIDCError.insecureEndpoint("http://dex.example.com")) {
            try OIDCProvider(configuration: OIDCConfiguration(issuer: "http://dex.example.com", clientID: "hawser"))
        }
    }

    @Test func configurationDefaults() throws {
        let decoded = try JSONDecoder().decode(OIDCConfiguration.self, from: Data(#"{"issuer":"https://idp","clientID":"hawser"}"#.utf8))
        #expect(decoded == OIDCConfiguration(issuer: "https://idp", clientID: "hawser"))
        #expect(decoded.scopes == ["openid", "profile", "email", "groups"])
        #expect(decoded.groupsClaim == "groups")
        #expect(decoded.clientSecret == nil)
        let roundTrip = try JSONDecoder().decode(OIDCConfiguration.self, from: JSONEncoder().encode(
            OIDCConfiguration(issuer: "https://idp", clientID: "c", clientSecret: "s", scopes: ["openid"], groupsClaim: "roles")))
        #expect(roundTrip.groupsClaim == "roles" && roundTrip.clientSecret == "s" && roundTrip.scopes == ["openid"])
    }

    @Test func clientAuthenticationFollowsDiscovery() throws {
        #expect(try TokenRequest.clientAuthentication(secret: "s", supported: nil) == .basic)
        #expect(try TokenRequest.clientAuthentication(secret: "s", supported: ["client_secret_post", "client_secret_basic"]) == .basic)
        #expect(try TokenRequest.clientAuthentication(secret: "s", supported: ["client_secret_post"]) == .post)
        #expect(try TokenRequest.clientAuthentication(secret: nil, supported: ["client_secret_basic"]) == .none)
        #expect(throws: OIDCError.clientAuthenticationUnsupported("the provider accepts only private_key_jwt")) {
            try TokenRequest.clientAuthentication(secret: "s", supported: ["private_key_jwt"])
        }
    }

    @Test func tokenRequestForm() {
        let basic = TokenRequest.request(code: "c", redirectURI: "https://hub/cb", codeVerifier: "v", clientID: "hub:1", clientSecret: "p@ss word",
                                         authentication: .basic)
        #expect(basic.form.map { "\($0.0)=\($0.1)" } == ["grant_type=authorization_code", "code=c", "redirect_uri=https://hub/cb",
                                                         "code_verifier=v", "client_id=hub:1"])
        // RFC 6749 §2.3.1: ID and secret are form-encoded before base64.
        #expect(basic.headers.map(\.0) == ["Authorization"])
        #expect(basic.headers.first?.1 == "Basic " + Data("hub%3A1:p%40ss%20word".utf8).base64EncodedString())

        let post = TokenRequest.request(code: "c", redirectURI: "r", codeVerifier: "v", clientID: "hub", clientSecret: "s", authentication: .post)
        #expect(post.headers.isEmpty)
        #expect(post.form.last! == ("client_secret", "s"))
        let none = TokenRequest.request(code: "c", redirectURI: "r", codeVerifier: "v", clientID: "hub", clientSecret: nil, authentication: .none)
        #expect(none.headers.isEmpty && !none.form.contains { $0.0 == "client_secret" })
    }

    @Test func tokenResponses() throws {
        let ok = try TokenRequest.parseResponse(status: 200, body: Array(#"{"id_token":"i","access_token":"a","refresh_token":"r","expires_in":"3599","token_type":"Bearer"}"#.utf8))
        #expect(ok == OIDCTokens(idToken: "i", accessToken: "a", refreshToken: "r", expiresIn: 3599))
        #expect(throws: OIDCError.tokenResponseInvalid("no id_token (was the openid scope granted?)")) {
            try TokenRequest.parseResponse(status: 200, body: Array(#"{"access_token":"a"}"#.utf8))
        }
        #expect(throws: OIDCError.tokenEndpoint(status: 400, error: "invalid_grant", description: "code expired")) {
            try TokenRequest.parseResponse(status: 400, body: Array(#"{"error":"invalid_grant","error_description":"code expired"}"#.utf8))
        }
        #expect(throws: OIDCError.tokenEndpoint(status: 502, error: nil, description: nil)) {
            try TokenRequest.parseResponse(status: 502, body: Array("<html>bad gateway</html>".utf8))
        }
    }

    @Test func keyRefetchLimiter() {
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        var policy = KeyRefetchPolicy(minimumInterval: 5, maximumAge: 3600)
        #expect(policy.isStale(at: t0))
        policy.recordFetch(at: t0)
        #expect(!policy.isStale(at: t0.addingTimeInterval(3599)))
        #expect(policy.isStale(at: t0.addingTimeInterval(3600)))
        #expect(policy.isStale(at: t0.addingTimeInterval(-1)), "a clock stepped back does not freeze the cache")

        func allow(_ offset: TimeInterval) -> Bool { policy.allowUnknownKeyFetch(at: t0.addingTimeInterval(offset)) }
        #expect(allow(0))
        #expect(!allow(0))
        #expect(!allow(4.9))
        #expect(allow(5))
        #expect(!allow(6))
        #expect(allow(-100), "clock stepped back: re-armed")
        #expect(!allow(-99))
    }
}

/// Secrets do not reach logs through string interpolation.
struct RedactionTests {
    @Test func tokensAndSecretsAreNotPrinted() {
        let tokens = OIDCTokens(idToken: "eyJ.secret.sig", accessToken: "at-secret", refreshToken: nil, expiresIn: 60)
        #expect("\(tokens)" == "OIDCTokens(idToken: <14 bytes>, accessToken: <9 bytes>, refreshToken: nil, expiresIn: 60)")
        #expect(!String(reflecting: tokens).contains("secret"))
        let configuration = OIDCConfiguration(issuer: "https://idp", clientID: "hawser", clientSecret: "s3cret")
        #expect(!"\(configuration)".contains("s3cret") && !String(reflecting: configuration).contains("s3cret"))
        #expect("\(configuration)".contains("clientID: hawser"))
    }
}
