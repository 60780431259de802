/// The authorization code flow with PKCE (OIDC Core §3.1, RFC 7636), step by step:
///
/// 1. The hub makes `state`, `nonce` (``OIDCRandom``) and a ``PKCE`` pair, stores them with the
///    browser's pending login, and redirects to ``OIDCProvider/authorizationURL(redirectURI:state:nonce:codeChallenge:)``.
/// 2. The provider redirects back with `code` and `state`; the hub checks `state` against the
///    stored one, then calls ``OIDCProvider/exchangeCode(_:redirectURI:codeVerifier:)``.
/// 3. ``OIDCProvider/verifyIDToken(_:nonce:)`` with the stored nonce gives the identity.
extension OIDCProvider {
    /// The URL to send the browser to. Always asks for `openid`, whatever the configured scopes.
    public func authorizationURL(redirectURI: String, state: String, nonce: String, codeChallenge: String) async throws -> String {
        let document = try await metadata()
        var scopes = configuration.scopes
        if !scopes.contains("openid") { scopes.insert("openid", at: 0) }
        return FormURLEncoding.appendingQuery([
            ("response_type", "code"),
            ("client_id", configuration.clientID),
            ("redirect_uri", redirectURI),
            ("scope", scopes.joined(separator: " ")),
            ("state", state),
            ("nonce", nonce),
            ("code_challenge", codeChallenge),
            ("code_challenge_method", PKCE.method),
        ], to: document.authorizationEndpoint)
    }

    /// Redeems an authorization code at the token endpoint, authenticating with the client secret
    /// as the provider allows (Basic preferred, else form post; none for a public client). The
    /// returned ID token is not verified yet.
    public func exchangeCode(_ code: String, redirectURI: String, codeVerifier: String) async throws -> OIDCTokens {
        let document = try await metadata()
        let authentication = try TokenRequest.clientAuthentication(
            secret: configuration.clientSecret, supported: document.tokenEndpointAuthMethodsSupported)
        let request = TokenRequest.request(
            code: code, redirectURI: redirectURI, codeVerifier: codeVerifier, clientID: configuration.clientID,
            clientSecret: configuration.clientSecret, authentication: authentication)
        let response: OIDCHTTP.Response
        do { response = try await http.postForm(document.tokenEndpoint, request.form, headers: request.headers) } catch {
            throw OIDCError.transport("POST \(document.tokenEndpoint): \(error)")
        }
        return try TokenRequest.parseResponse(status: response.status, body: response.body)
    }

    /// The provider's RP-initiated logout endpoint, if it has one.
    public func endSessionEndpoint() async throws -> String? {
        try await metadata().endSessionEndpoint
    }

    /// Where to send the browser to end the provider's session too (OIDC RP-Initiated Logout
    /// §2), or `nil` when the provider has no such endpoint and only the hub's session can end.
    public func endSessionURL(idTokenHint: String?, postLogoutRedirectURI: String?, state: String? = nil) async throws -> String? {
        guard let endpoint = try await endSessionEndpoint() else { return nil }
        var query = [("client_id", configuration.clientID)]
        if let idTokenHint { query.append(("id_token_hint", idTokenHint)) }
        if let postLogoutRedirectURI { query.append(("post_logout_redirect_uri", postLogoutRedirectURI)) }
        if let state { query.append(("state", state)) }
        return FormURLEncoding.appendingQuery(query, to: endpoint)
    }
}
