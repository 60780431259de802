import Foundation
import HubAuth
import OIDCTestSupport
import Testing

/// The whole login against a real provider (oidc-provider-mock in a child process): authorization
/// URL with state, nonce and PKCE, the provider's login form, code exchange, ID token checks.
@Suite(.serialized)
struct OIDCCodeFlowTests {
    static let alice = #"{"sub":"alice","groups":["team-a"],"email":"alice@example.com","name":"Alice Liddell","preferred_username":"alice"}"#
    static let bob = #"{"sub":"bob","roles":"ops","email":"bob@example.com"}"#

    @Test func authorizationCodeFlowWithPKCE() async throws {
        try await MockOIDCProvider.withRunning(users: [Self.alice]) { mock in
            let provider = try OIDCProvider(configuration: mock.configuration())
            let login = LoginAttempt()

            let url = try await provider.authorizationURL(redirectURI: LoginAttempt.redirectURI, state: login.state,
                                                          nonce: login.nonce, codeChallenge: login.pkce.challenge)
            #expect(url.hasPrefix(mock.issuer + "/oauth2/authorize?response_type=code&client_id=hawser&"))
            #expect(url.contains("&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fauth%2Fcallback&"))
            #expect(url.contains("&scope=openid%20profile%20email%20groups&"))
            #expect(url.contains("&code_challenge=\(login.pkce.challenge)&code_challenge_method=S256"))

            let tokens = try await login.run(provider, as: "alice")
            #expect(tokens.accessToken != nil)
            #expect(tokens.refreshToken != nil)
            #expect(tokens.expiresIn == 3600)

            let identity = try await provider.verifyIDToken(tokens.idToken, nonce: login.nonce)
            #expect(identity.subject == "alice")
            #expect(identity.issuer == mock.issuer)
            #expect(identity.email == "alice@example.com")
            #expect(identity.name == "Alice Liddell")
            #expect(identity.preferredUsername == "alice")
            #expect(identity.groups == ["team-a"])
            #expect(abs(identity.expiry.timeIntervalSinceNow - 3600) < 120)

            #expect(try await provider.endSessionEndpoint() == mock.issuer + "/oauth2/end_session")
            let logout = try #require(try await provider.endSessionURL(idTokenHint: tokens.idToken, postLogoutRedirectURI: "http://127.0.0.1:8080/"))
            #expect(logout.hasPrefix(mock.issuer + "/oauth2/end_session?client_id=hawser&id_token_hint="))
        }
    }

    @Test func aCodeIsRedeemedOnlyOnce() async throws {
        try await MockOIDCProvider.withRunning(users: [Self.alice]) { mock in
            let provider = try OIDCProvider(configuration: mock.configuration())
            let login = LoginAttempt()
            let url = try await provider.authorizationURL(redirectURI: LoginAttempt.redirectURI, state: login.state,
                                                          nonce: login.nonce, codeChallenge: login.pkce.challenge)
            let code = try #require(try await BrowserlessLogin.authorize(url, as: "alice").code)
            _ = try await provider.exchangeCode(code, redirectURI: LoginAttempt.redirectURI, codeVerifier: login.pkce.verifier)
            let error = await #expect(throws: OIDCError.self) {
                try await provider.exchangeCode(code, redirectURI: LoginAttempt.redirectURI, codeVerifier: login.pkce.verifier)
            }
            guard case .tokenEndpoint(status: 400, error: "invalid_grant", _)? = error else {
                Issue.record("expected invalid_grant from the token endpoint, got \(String(describing: error))")
                return
            }
        }
    }

    @Test func groupsComeFromTheConfiguredClaim() async throws {
        try await MockOIDCProvider.withRunning(users: [Self.alice, Self.bob]) { mock in
            // bob's provider puts a single role in "roles" as a string, not an array.
            let byRoles = try OIDCProvider(configuration: mock.configuration(groupsClaim: "roles"))
            let bobLogin = LoginAttempt()
            let bob = try await byRoles.verifyIDToken(try await bobLogin.run(byRoles, as: "bob").idToken, nonce: bobLogin.nonce)
            #expect(bob.subject == "bob")
            #expect(bob.groups == ["ops"])

            let aliceLogin = LoginAttempt()
            let alice = try await byRoles.verifyIDToken(try await aliceLogin.run(byRoles, as: "alice").idToken, nonce: aliceLogin.nonce)
            #expect(alice.groups == [], "alice has no roles claim")

            let byGroups = try OIDCProvider(configuration: mock.configuration())
            let again = LoginAttempt()
            #expect(try await byGroups.verifyIDToken(try await again.run(byGroups, as: "alice").idToken, nonce: again.nonce).groups == ["team-a"])
        }
    }

    @Test func theNonceMustBeTheLogins() async throws {
        try await MockOIDCProvider.withRunning(users: [Self.alice]) { mock in
            let provider = try OIDCProvider(configuration: mock.configuration())
            let login = LoginAttempt()
            let tokens = try await login.run(provider, as: "alice")
            await #expect(throws: OIDCError.nonceMismatch) {
                try await provider.verifyIDToken(tokens.idToken, nonce: OIDCRandom.nonce())
            }
            // A token without any nonce does not satisfy a login that expects one.
            let noNonce = LoginAttempt()
            let bare = try await noNonce.run(provider, as: "alice", sendNonce: false)
            await #expect(throws: OIDCError.nonceMismatch) {
                try await provider.verifyIDToken(bare.idToken, nonce: noNonce.nonce)
            }
            #expect(try await provider.verifyIDToken(tokens.idToken, nonce: login.nonce).subject == "alice")
        }
    }

    @Test func theDiscoveredIssuerMustMatchExactly() async throws {
        try await MockOIDCProvider.withRunning(users: [Self.alice]) { mock in
            // Same server, but configured with a trailing slash: not the issuer it announces.
            let provider = try OIDCProvider(configuration: OIDCConfiguration(issuer: mock.issuer + "/", clientID: "hawser"))
            await #expect(throws: OIDCError.issuerMismatch(configured: mock.issuer + "/", discovered: mock.issuer)) {
                try await provider.metadata()
            }
        }
    }
}
