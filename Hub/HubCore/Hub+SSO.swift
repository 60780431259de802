import Foundation
import HawserProtocol
import HubAuth

/// Login attempts started in a browser, waiting for the provider's redirect: the state ties the
/// redirect to the attempt (against CSRF), the nonce ties the ID token to it (against replay),
/// and the PKCE verifier proves the code exchange comes from whoever started it. Each is used
/// once and forgotten after ten minutes.
actor LoginAttempts {
    struct Attempt {
        let nonce: String
        let pkce: PKCE
        let redirectURI: String
        let returnTo: String
        let createdAt: ContinuousClock.Instant
    }
    private var attempts: [String: Attempt] = [:]
    static let lifetime: Duration = .seconds(600)

    /// Pending logins kept at most; anonymous callers start them, so memory is bounded.
    static let maximum = 10_000

    func add(state: String, _ a: Attempt) throws {
        let now = ContinuousClock.now
        attempts = attempts.filter { now - $0.value.createdAt < Self.lifetime }
        guard attempts.count < Self.maximum else {
            throw HubError(.tooManyRequests, "too many logins in progress; try again in a few minutes")
        }
        attempts[state] = a
    }

    func take(state: String) -> Attempt? {
        guard let a = attempts.removeValue(forKey: state), ContinuousClock.now - a.createdAt < Self.lifetime else { return nil }
        return a
    }
}

/// Single sign-on with the company's OpenID Connect provider. The hub is the OIDC client (it
/// holds the client secret); both the web login and `hawser login --sso` end with the hub
/// verifying an ID token and issuing its own session, with the provider's groups, which
/// policy.csv maps to roles with `g, <group>, <role>`.
extension Hub {
    /// What the CLI needs to start a login (`GET /api/v1/settings`); nil without SSO.
    public func ssoSettings() async throws -> SSOSettings? {
        guard let oidc else { return nil }
        let meta = try await oidc.metadata()
        let config = oidc.configuration
        return SSOSettings(issuer: config.issuer, clientID: config.clientID, scopes: config.scopes, authorizationEndpoint: meta.authorizationEndpoint)
    }

    func requireOIDC() throws -> OIDCProvider {
        guard let oidc else { throw HubError(.invalid, "single sign-on is not configured on this hub (start it with --oidc-issuer and --oidc-client-id)") }
        return oidc
    }

    /// Web login, step 1: remember a fresh attempt and send the browser to the provider.
    public func beginWebLogin(redirectURI: String, returnTo: String) async throws -> (url: String, state: String) {
        let oidc = try requireOIDC()
        let state = OIDCRandom.state(), nonce = OIDCRandom.nonce(), pkce = PKCE()
        try await loginAttempts.add(state: state, .init(nonce: nonce, pkce: pkce, redirectURI: redirectURI, returnTo: returnTo, createdAt: .now))
        return (try await oidc.authorizationURL(redirectURI: redirectURI, state: state, nonce: nonce, codeChallenge: pkce.challenge), state)
    }

    /// Web login, step 2: the provider's redirect. Unknown, reused or stale state is refused.
    public func finishWebLogin(state: String, code: String) async throws -> (session: SessionResponse, returnTo: String) {
        let oidc = try requireOIDC()
        guard let attempt = await loginAttempts.take(state: state) else {
            await audit(Principal(name: "anonymous"), "login", "accounts", "sso", outcome: "denied", detail: "unknown, reused or expired login state")
            throw HubError(.unauthenticated, "this login link is unknown, was already used or is older than ten minutes; start again at /auth/login")
        }
        let tokens = try await ssoStep { try await oidc.exchangeCode(code, redirectURI: attempt.redirectURI, codeVerifier: attempt.pkce.verifier) }
        return (try await ssoSession(idToken: tokens.idToken, nonce: attempt.nonce), attempt.returnTo)
    }

    /// CLI login: the CLI ran the browser part against its loopback redirect with its own PKCE
    /// verifier and nonce; the hub exchanges the code with its client credentials.
    public func ssoLogin(code: String, codeVerifier: String, redirectURI: String, nonce: String) async throws -> SessionResponse {
        let oidc = try requireOIDC()
        guard redirectURI.hasPrefix("http://127.0.0.1:") || redirectURI.hasPrefix("http://localhost:") || redirectURI.hasPrefix("http://[::1]:") else {
            throw HubError(.invalid, "the CLI's redirect URI must be a loopback address")
        }
        let tokens = try await ssoStep { try await oidc.exchangeCode(code, redirectURI: redirectURI, codeVerifier: codeVerifier) }
        return try await ssoSession(idToken: tokens.idToken, nonce: nonce)
    }

    /// An ID token obtained elsewhere (automation with the provider's own client).
    public func ssoSession(idToken: String, nonce: String?) async throws -> SessionResponse {
        let oidc = try requireOIDC()
        guard let nonce, !nonce.isEmpty else {
            throw HubError(.invalid, "an ID token is only accepted with the nonce of the login that produced it (replayed tokens are refused)")
        }
        let identity = try await ssoStep { try await oidc.verifyIDToken(idToken, nonce: nonce) }
        // The name policy.csv sees: the e-mail when the provider vouches for it (what people
        // write in policies), else the provider's stable subject. Never a self-chosen user name.
        let subject = identity.email.flatMap { identity.emailVerified ? $0 : nil } ?? identity.subject
        // An SSO user may not take a name the hub gives meaning to: local accounts (admin and
        // break-glass users), roles and project-token subjects.
        let isLocalAccount = try await store.account(named: subject) != nil
        if subject == "admin" || subject.contains(":") || isLocalAccount {
            await audit(Principal(name: "anonymous"), "login", "accounts", subject, outcome: "denied", detail: "SSO identity names a local account, role or project token")
            throw HubError(.unauthenticated, "the identity \(subject) collides with a local account or reserved name; ask an administrator")
        }
        // Groups name roles through `g` lines; a group called like a role or a project token
        // would grant it directly, so such groups are dropped.
        let groups = identity.groups.filter { $0 != "admin" && !$0.hasPrefix("role:") && !$0.hasPrefix("proj:") }
        return try await startSession(subject: subject, groups: groups, method: "sso")
    }

    /// Provider failures become 401 with the reason, and are audited.
    private func ssoStep<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch {
            await audit(Principal(name: "anonymous"), "login", "accounts", "sso", outcome: "denied", detail: "\(error)")
            throw HubError(.unauthenticated, "single sign-on failed: \(error)")
        }
    }
}
