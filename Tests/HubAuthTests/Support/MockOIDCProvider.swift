import Foundation
import HubAuth
import OIDCTestSupport
import Testing

/// One login with a provider, as the hub runs it: fresh state, nonce and PKCE, authorization URL,
/// the user's (scripted) consent, state check, code exchange.
struct LoginAttempt {
    let state = OIDCRandom.state()
    let nonce = OIDCRandom.nonce()
    let pkce = PKCE()
    static let redirectURI = "http://127.0.0.1:8080/auth/callback"

    func run(_ provider: OIDCProvider, as subject: String, sendNonce: Bool = true) async throws -> OIDCTokens {
        var url = try await provider.authorizationURL(redirectURI: Self.redirectURI, state: state, nonce: nonce, codeChallenge: pkce.challenge)
        if !sendNonce { url = url.replacingOccurrences(of: "&nonce=\(nonce)", with: "") }
        let redirect = try await BrowserlessLogin.authorize(url, as: subject)
        #expect(redirect.location.hasPrefix(Self.redirectURI + "?"))
        #expect(redirect.state == state, "the provider must return our state unchanged")
        let code = try #require(redirect.code, "no code in \(redirect.location)")
        return try await provider.exchangeCode(code, redirectURI: Self.redirectURI, codeVerifier: pkce.verifier)
    }
}
