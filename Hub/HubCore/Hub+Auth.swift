import Foundation
import HawserProtocol
import HubAuth
import HubRBAC
import HubStore

/// Who is calling: the bootstrap admin token, API tokens for automation, and login sessions
/// (local password or SSO), each resolved to a `Principal` that RBAC then judges.
extension Hub {
    /// Sessions last a working day, as Argo CD's do.
    static let sessionLifetime: TimeInterval = 24 * 3600
    /// Checked against when the account does not exist (same cost as a real check).
    static let dummyHash: String = (try? PasswordHash.make("not a password of anyone")) ?? ""

    /// The principal a bearer token stands for; `nil` when the token is unknown, expired or
    /// revoked (all the same to the caller: 401).
    public func authenticate(bearer token: String) async throws -> Principal? {
        if token.hasPrefix("hwsa_") {
            return try await store.adminTokenHashes().contains(Secrets.hash(token)) ? Principal(name: "admin") : nil
        }
        if token.hasPrefix("hwst_") {
            guard let t = try await store.apiToken(hash: Secrets.hash(token)), t.revokedAt == nil,
                  t.expiresAt.map({ $0 > now() }) ?? true else { return nil }
            return Principal(name: t.subject)
        }
        guard token.split(separator: ".", omittingEmptySubsequences: false).count == 3,
              let claims = try? await sessionTokens.verify(token),
              let session = try await store.session(id: claims.jti.value),
              session.revokedAt == nil, session.expiresAt > now(), session.subject == claims.sub.value else { return nil }
        return Principal(name: session.subject, groups: session.groups, sessionID: session.id)
    }

    // MARK: Login and logout

    /// Password login for a local account. Failures are audited and say nothing about which
    /// half was wrong.
    public func login(username: String, password: String) async throws -> SessionResponse {
        let who = Principal(name: username)
        if let until = await loginThrottle.begin(username, now: now()) {
            await audit(who, "login", "accounts", username, outcome: "denied", detail: "too many failed logins; locked until \(WireJSON.formatDate(until))")
            throw HubError(.tooManyRequests, "too many failed logins for \(username); try again after \(WireJSON.formatDate(until))")
        }
        let account = try await store.account(named: username)
        // Unknown accounts cost the same scrypt work, so timing does not say which names exist.
        let verified = PasswordHash.verify(password, against: account?.passwordHash ?? Self.dummyHash)
        guard let account, account.enabled, account.passwordHash != nil, verified else {
            await audit(who, "login", "accounts", username, outcome: "denied", detail: "invalid username or password")
            throw HubError(.unauthenticated, "invalid username or password")
        }
        await loginThrottle.succeeded(username)
        return try await startSession(subject: username, groups: [], method: "password")
    }

    func startSession(subject: String, groups: [String], method: String) async throws -> SessionResponse {
        let id = UUID().uuidString.lowercased()
        let expires = now().addingTimeInterval(Self.sessionLifetime)
        try await store.addSession(SessionRecord(id: id, subject: subject, groups: groups, method: method, createdAt: now(), expiresAt: expires))
        let token = try await sessionTokens.sign(sessionID: id, subject: subject, groups: groups, expiresAt: expires)
        await audit(Principal(name: subject, groups: groups), "login", "accounts", subject, outcome: "succeeded", detail: "\(method) session \(id)")
        return SessionResponse(token: token, subject: subject, groups: groups, expiresAt: expires)
    }

    /// Ends the caller's session: its token stops working at once, everywhere.
    public func logout(_ p: Principal) async throws {
        guard let id = p.sessionID else {
            throw HubError(.invalid, "this request was made with an API token, not a login session; revoke tokens with `hawser account delete-token`")
        }
        try await store.revokeSession(id: id, at: now())
        await audit(p, "logout", "accounts", p.name, outcome: "succeeded", detail: "session \(id)")
    }

    // MARK: Passwords

    /// Sets a local account's password. The account itself must give its current password
    /// (when it has one); changing someone else's needs `accounts update`.
    public func updatePassword(_ p: Principal, account name: String, _ r: PasswordUpdateRequest) async throws {
        guard r.newPassword.count >= 8 else { throw HubError(.invalid, "the new password is too short: use at least 8 characters") }
        let existing = try await store.account(named: name)
        if let existing {
            if name == p.name, let hash = existing.passwordHash {
                guard let current = r.currentPassword, PasswordHash.verify(current, against: hash) else {
                    await audit(p, "update", "accounts", name, outcome: "denied", detail: "wrong current password")
                    throw HubError(.forbidden, "the current password is wrong")
                }
            } else if name != p.name {
                try await authorize(p, .update, .accounts, name)
            }
        } else if !(name == "admin" && p.name == "admin") {
            // A new local account (break-glass users): creating one is an `accounts create`.
            try Validation.name(name, what: "account")
            try await authorize(p, .create, .accounts, name)
        }
        let hash = try PasswordHash.make(r.newPassword)
        try await store.saveAccount(AccountRecord(name: name, passwordHash: hash, enabled: existing?.enabled ?? true,
                                                  createdAt: existing?.createdAt ?? now(), updatedAt: now()))
        // A reset after a compromise must lock the intruder out: the account's sessions end and
        // its API tokens are revoked (the caller's own session, if it is this account, too).
        let ended = try await store.revokeSessions(subject: name, at: now())
        var revoked = 0
        for t in try await store.apiTokens() where t.subject == name && t.revokedAt == nil {
            try await store.revokeAPIToken(id: t.id, at: now())
            revoked += 1
        }
        await audit(p, "update", "accounts", name, outcome: "succeeded", detail: "password changed; \(ended) sessions ended, \(revoked) API tokens revoked")
    }

    // MARK: API tokens

    /// A token for automation: a project role's (`proj:P:R`, usable only inside P) or a local
    /// account's. Making a project token needs `projects update P`; an account token for someone
    /// else needs `accounts update`.
    public func generateToken(_ p: Principal, _ r: TokenCreateRequest) async throws -> TokenCreateResponse {
        let subject: String
        if let project = r.project {
            guard let role = r.role, r.account == nil else { throw HubError(.invalid, "a project token needs --role (and no --account)") }
            try await authorize(p, .update, .projects, project)
            let proj = try await requireProject(project)
            guard proj.spec.roles.contains(where: { $0.name == role }) else {
                throw HubError(.notFound, "project \(project) has no role \(role); create it with `hawser proj role create \(project) \(role)`")
            }
            subject = "proj:\(project):\(role)"
        } else {
            let account = r.account ?? p.name
            if account != p.name { try await authorize(p, .update, .accounts, account) }
            // Account tokens are for local accounts only: a project token or an SSO session
            // minting a token for itself would outlive its own expiry, revocation or logout.
            let isLocal = try await store.account(named: account) != nil
            guard !account.contains(":"), account == "admin" || isLocal else {
                await audit(p, "create", "accounts", account, outcome: "denied", detail: "API token for a subject that is not a local account")
                throw HubError(.forbidden, "\(account) is not a local account; API tokens are made for local accounts or project roles (--project P --role R)")
            }
            subject = account
        }
        if let s = r.expiresInSeconds, s <= 0 { throw HubError(.invalid, "--expires-in must be positive") }
        let token = Secrets.newToken(prefix: "hwst_")
        let record = APITokenRecord(id: UUID().uuidString.lowercased().prefix(8).description, tokenHash: Secrets.hash(token), subject: subject,
                                    project: r.project, role: r.role, description: r.description, createdBy: p.name, createdAt: now(),
                                    expiresAt: r.expiresInSeconds.map { now().addingTimeInterval($0) })
        try await store.addAPIToken(record)
        await audit(p, "create", "accounts", subject, outcome: "succeeded", detail: "API token \(record.id)")
        return TokenCreateResponse(token: token, info: Self.view(record))
    }

    /// Tokens the caller may see: its own subject's, its projects' (`projects get`), or all
    /// with `accounts get`.
    public func tokens(_ p: Principal) async throws -> [TokenView] {
        var out: [TokenView] = []
        let everything = try await can(p, .get, .accounts, "*")
        for t in try await store.apiTokens() {
            if everything || t.subject == p.name || t.createdBy == p.name { out.append(Self.view(t)); continue }
            if let project = t.project, try await can(p, .update, .projects, project) { out.append(Self.view(t)) }
        }
        return out
    }

    public func revokeToken(_ p: Principal, id: String) async throws {
        let notFound = HubError(.notFound, "API token \(id) not found; `hawser account list-tokens` shows the ones you may see")
        guard let t = try await store.apiTokens().first(where: { $0.id == id }) else { throw notFound }
        if t.createdBy != p.name && t.subject != p.name {
            // Someone else's token: unknown and not-yours answer alike, so ids cannot be probed.
            let allowed: Bool
            if let project = t.project { allowed = try await can(p, .update, .projects, project) } else { allowed = try await can(p, .update, .accounts, t.subject) }
            guard allowed else {
                await audit(p, "delete", "accounts", t.subject, outcome: "denied", detail: "revoke API token \(id)")
                throw notFound
            }
        }
        try await store.revokeAPIToken(id: id, at: now())
        await audit(p, "delete", "accounts", t.subject, outcome: "succeeded", detail: "API token \(id) revoked")
    }

    static func view(_ t: APITokenRecord) -> TokenView {
        TokenView(id: t.id, subject: t.subject, project: t.project, role: t.role, description: t.description, createdBy: t.createdBy,
                  createdAt: t.createdAt, expiresAt: t.expiresAt, revokedAt: t.revokedAt)
    }
}

extension Hub {
    /// `POST /api/v1/session`: password login, an SSO code from the CLI's loopback login, or an
    /// ID token.
    public func login(_ r: LoginRequest) async throws -> SessionResponse {
        if let username = r.username, let password = r.password { return try await login(username: username, password: password) }
        if let code = r.code, let verifier = r.codeVerifier, let redirect = r.redirectURI, let nonce = r.nonce {
            return try await ssoLogin(code: code, codeVerifier: verifier, redirectURI: redirect, nonce: nonce)
        }
        if let idToken = r.idToken { return try await ssoSession(idToken: idToken, nonce: r.nonce) }
        throw HubError(.invalid, "give a username and password, an SSO code (hawser login --sso), or an ID token")
    }
}
