import Foundation
import HawserProtocol
import HubGit
import HubStore

extension Hub {
    // MARK: Registered repositories (`hawser repo`)

    /// Registers a repository after one successful fetch with the given credentials, as Argo CD
    /// does: a typo or a wrong password is an error now, not a condition on every app later.
    /// Nothing is saved when the fetch fails.
    public func addRepository(_ request: RepositoryCreateRequest) async throws -> RepositoryView {
        let url = request.url.trimmingCharacters(in: .whitespaces)
        try Self.validateRepository(request, url: url)
        let key = RepoURL.normalized(url)
        let existing = try await store.repository(normalizedURL: key)
        if existing != nil, request.upsert != true {
            throw HubError(.conflict, "repository \(url) is already registered; replace its settings with `hawser repo add \(url) --upsert ...`")
        }
        let secret: GitCredentials.Secret
        if let key = request.sshPrivateKey {
            secret = .sshKey(username: request.username ?? "git", privateKey: key, passphrase: nil)
        } else if let password = request.password {
            secret = .password(username: request.username ?? "", password: password)
        } else {
            secret = .none
        }
        let credentials = GitCredentials(secret: secret, insecureSkipServerVerification: request.insecure ?? false, sshKnownHosts: request.sshKnownHosts ?? [])
        do {
            _ = try await mirrors.fetch(url, since: .now, credentials: { credentials })
        } catch {
            throw HubError(.invalid, "cannot fetch \(url), so it was not registered: \(error)")
        }
        let sealed: Data? = (request.password == nil && request.sshPrivateKey == nil) ? nil
            : try repoSecrets.seal(.init(password: request.password, sshPrivateKey: request.sshPrivateKey), url: key)
        let t = now()
        try await store.saveRepository(RepositoryRecord(
            url: url, normalizedURL: key, username: request.username, sealedSecret: sealed,
            hasPassword: request.password != nil, hasSSHKey: request.sshPrivateKey != nil, insecure: request.insecure ?? false,
            sshKnownHosts: request.sshKnownHosts ?? [], createdAt: existing?.createdAt ?? t, updatedAt: t), replace: request.upsert == true)
        logger.info("repository registered", metadata: ["repo": "\(url)", "type": "\(RepoURL.type(url))", "credentials": "\(sealed != nil)"])
        // Apps that failed for want of these credentials get a fresh render at once.
        if (try await appCountsByRepository()[key] ?? 0) > 0 {
            let hub = self
            Task { await hub.pollRepository(url, since: .now) }
        }
        return try await repository(url: url)
    }

    static func validateRepository(_ r: RepositoryCreateRequest, url: String) throws {
        guard !url.isEmpty, !url.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw HubError(.invalid, "repository URL \"\(r.url)\" is empty or contains spaces; give e.g. https://github.com/org/repo.git, git@github.com:org/repo.git or file:///srv/git/repo")
        }
        if Self.urlCarriesPassword(url) {
            throw HubError(.invalid, "the repository URL carries a password or token; it would be stored and shown in plain text. Give the URL without it and the secret with --username and --password-file")
        }
        let known = ["https://", "http://", "ssh://", "file://", "/"]
        guard known.contains(where: url.hasPrefix) || RepoURL.isSSH(url) else {
            throw HubError(.invalid, "repository URL \"\(url)\" has no scheme Hawser fetches from: use https://, http://, ssh://, git@host:path, file:// or an absolute local path")
        }
        if r.password != nil && r.sshPrivateKey != nil {
            throw HubError(.invalid, "give either --password (HTTPS) or --ssh-key (SSH), not both")
        }
        if r.password != nil, RepoURL.isSSH(url) {
            throw HubError(.invalid, "\(url) is an SSH URL: authenticate with --ssh-key FILE, or use the repository's https:// URL with --password")
        }
        if r.sshPrivateKey != nil, !RepoURL.isSSH(url) {
            throw HubError(.invalid, "--ssh-key works with SSH URLs (git@host:org/repo.git or ssh://), and \(url) is not one")
        }
        if r.password != nil, (r.username ?? "").isEmpty {
            throw HubError(.invalid, "--password needs --username (for a forge's access token, any non-empty name such as \"git\" works)")
        }
        if let key = r.sshPrivateKey, !key.contains("PRIVATE KEY") {
            throw HubError(.invalid, "--ssh-key does not look like a private key (no \"PRIVATE KEY\" block); give the key file, not the .pub file")
        }
    }

    /// `https://user:token@host/…`: a secret where URLs are logged, listed and audited.
    static func urlCarriesPassword(_ url: String) -> Bool {
        guard let scheme = url.range(of: "://") else { return false }
        let rest = url[scheme.upperBound...]
        guard let at = rest.firstIndex(of: "@") else { return false }
        let userinfo = rest[..<at]
        return !userinfo.contains("/") && userinfo.contains(":")
    }

    /// The URL a repository was registered under, for RBAC objects: a policy line names the
    /// spelling the admin registered, whatever spelling a request uses.
    public func registeredRepositoryURL(_ url: String) async throws -> String? {
        try await store.repository(normalizedURL: RepoURL.normalized(url))?.url
    }

    public func repositories() async throws -> [RepositoryView] {
        let counts = try await appCountsByRepository()
        var out: [RepositoryView] = []
        for r in try await store.repositories() { out.append(await view(r, applications: counts[r.normalizedURL] ?? 0)) }
        return out
    }

    public func repository(url: String) async throws -> RepositoryView {
        guard let r = try await store.repository(normalizedURL: RepoURL.normalized(url)) else {
            throw HubError(.notFound, "repository \(url) is not registered; `hawser repo list` shows the registered ones")
        }
        return await view(r, applications: try await appCountsByRepository()[r.normalizedURL] ?? 0)
    }

    /// Forgets the repository's credentials. Applications that still use it keep its mirror
    /// and go on fetching without credentials (fine for a public repository; a private one
    /// gives its apps a condition saying so).
    public func removeRepository(url: String) async throws {
        let key = RepoURL.normalized(url)
        try await store.deleteRepository(normalizedURL: key)
        if (try await appCountsByRepository()[key] ?? 0) == 0 { await mirrors.remove(url) }
        logger.info("repository removed", metadata: ["repo": "\(url)"])
    }

    func appCountsByRepository() async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for (url, n) in try await store.appRepoURLs() { out[RepoURL.normalized(url), default: 0] += n }
        return out
    }

    func view(_ r: RepositoryRecord, applications: Int) async -> RepositoryView {
        let status = await mirrors.status(r.url)
        let branches = status.result.map { result in
            Dictionary(uniqueKeysWithValues: result.refs.filter { $0.key.hasPrefix("refs/heads/") }.map { (String($0.key.dropFirst("refs/heads/".count)), $0.value) })
        }
        return RepositoryView(
            url: r.url, type: RepoURL.type(r.url), username: r.username, hasPassword: r.hasPassword, hasSSHKey: r.hasSSHKey,
            insecure: r.insecure, sshKnownHosts: r.sshKnownHosts.count,
            connectionState: status.error != nil ? "Failed" : status.result != nil ? "Successful" : "Unknown",
            message: status.error, lastFetchedAt: status.fetchedAt, defaultBranch: status.result?.defaultBranch, branches: branches,
            applications: applications, createdAt: r.createdAt)
    }

    /// How to reach `url`: the registered credentials, opened only now, or none for a
    /// repository nobody registered (a public or local one).
    func credentials(for url: String) async throws -> GitCredentials {
        let key = RepoURL.normalized(url)
        guard let r = try await store.repository(normalizedURL: key) else { return GitCredentials() }
        var secret = GitCredentials.Secret.none
        if let sealed = r.sealedSecret {
            let opened = try repoSecrets.open(sealed, url: key)
            if let sshKey = opened.sshPrivateKey {
                secret = .sshKey(username: r.username ?? "git", privateKey: sshKey, passphrase: nil)
            } else if let password = opened.password {
                secret = .password(username: r.username ?? "", password: password)
            }
        }
        return GitCredentials(secret: secret, insecureSkipServerVerification: r.insecure, sshKnownHosts: r.sshKnownHosts)
    }

    // MARK: Polling and pushes

    /// Fetches one repository (once, however many apps use it) and renders again the apps
    /// that need it: all of them when a branch or tag moved, or on this process's first fetch;
    /// otherwise only those whose last render failed. A failed fetch gives every app of the
    /// repository a condition saying why.
    func pollRepository(_ url: String, since: ContinuousClock.Instant) async {
        // The hub's own configuration first: a commit may add or change apps of this repository.
        await reconcileConfigRepos(url: url, since: since)
        let key = RepoURL.normalized(url)
        let spellings = ((try? await store.appRepoURLs()) ?? [:]).keys.filter { RepoURL.normalized($0) == key }
        // Fleet applications render through their deployments, which are listed here too.
        let apps = ((try? await store.apps(repoURLs: Array(spellings))) ?? []).filter { !$0.isFleet }
        guard !apps.isEmpty else { return }
        let firstFetch = await mirrors.status(url).fetchedAt == nil
        let result: GitFetchResult
        do {
            result = try await mirrors.fetch(url, since: since, credentials: { [self] in try await credentials(for: url) })
        } catch {
            metrics.error("git")
            logger.warning("fetch failed", metadata: ["repo": "\(url)", "apps": "\(apps.count)", "error": "\(error)"])
            for app in apps {
                do {
                    if try await refreshQueue.run(app.name, { [self] in try await recordReadFailure(try await requireApp(app.name), error) }) {
                        await publishApp(app.name)
                    }
                } catch {}
            }
            return
        }
        for (ref, old) in result.forcedUpdates.sorted(by: { $0.key < $1.key }) {
            logger.warning("branch force-pushed", metadata: ["repo": "\(url)", "ref": "\(ref)", "lost": "\(old.prefix(8))", "now": "\(result.refs[ref]?.prefix(8) ?? "?")"])
        }
        // A few apps at a time: renders come from the cache, so the work is the store and the
        // sends, which spread over the cores (a push to 1,000 apps took 3.4 s one by one).
        let changed = result.changed || firstFetch
        await withTaskGroup(of: Void.self) { group in
            for (index, app) in apps.enumerated() {
                if index >= Self.pollConcurrency { await group.next() }
                group.addTask { [self] in
                    if !changed {
                        let render = try? await store.render(app: app.name)
                        if let render, render.revision != nil, render.conditions.isEmpty { return }
                    }
                    do { try await poll(appNamed: app.name) } catch {
                        logger.warning("refresh failed", metadata: ["app": "\(app.name)", "error": "\(error)"])
                    }
                }
            }
        }
    }

    static let pollConcurrency = 8

    /// The repositories applications use, each under one of its spellings: what the poller
    /// fetches.
    func repositoriesInUse() async throws -> [String] {
        var byKey: [String: String] = [:]
        let urls = try await store.appRepoURLs().keys.sorted() + store.configRepos().map(\.url)
        for url in urls where byKey[RepoURL.normalized(url)] == nil {
            byKey[RepoURL.normalized(url)] = url
        }
        return byKey.values.sorted()
    }

    /// Fetches performed since the hub started.
    public func fetchCount() async -> Int { await mirrors.fetchCount }
}

extension Hub {
    /// Renders performed since the hub started (renders shared through the cache count once).
    public func renderCount() async -> Int { await renderer.cache.renders }
}
