import Foundation
import HawserProtocol
import HubConfig
import HubGit
import HubStore

/// Config repositories: the hub's own applications, projects and RBAC policy, reconciled from
/// a directory of a Git repository (Argo CD's app of apps). Each commit applies whole or not at
/// all; what it defines can only change through Git; every change it makes is audited with the
/// commit and its author.
extension Hub {
    public func addConfigRepo(_ request: ConfigRepoCreateRequest, by principal: Principal) async throws -> ConfigRepoView {
        let url = request.url.trimmingCharacters(in: .whitespaces)
        guard !url.isEmpty else { throw HubError(.invalid, "the repository URL is required, e.g. https://git.example.com/platform/config.git") }
        if Self.urlCarriesPassword(url) {
            throw HubError(.invalid, "the URL carries a password or token, which would be stored in plain text; register the credentials with `hawser repo add URL --username U --password-file F` and give the URL without them")
        }
        let path = request.path.isEmpty ? "." : request.path
        if path.hasPrefix("/") || path.split(separator: "/").contains("..") {
            throw HubError(.invalid, "--path \"\(path)\" leaves the repository: give a directory relative to the repository root, without \"..\"")
        }
        let name = request.name ?? Self.configRepoName(url: url, path: path)
        try Validation.name(name, what: "config repository")
        for (server, cluster) in request.serverClusters where server.isEmpty || cluster.isEmpty {
            throw HubError(.invalid, "--destination-server needs URL=CLUSTER, e.g. https://kubernetes.default.svc=prod")
        }
        let record = ConfigRepoRecord(name: name, url: url, path: path, revision: request.revision.isEmpty ? "HEAD" : request.revision, prune: request.prune,
                                      serverClusters: request.serverClusters, createdAt: now(), createdBy: principal.name)
        // Readable with the registered credentials, or not registered at all.
        do {
            _ = try await mirrors.fetch(url, since: .now, credentials: { [self] in try await credentials(for: url) })
        } catch {
            throw HubError(.invalid, "cannot fetch \(url): \(error); nothing was registered (private repositories need `hawser repo add` first)")
        }
        do { try await store.saveConfigRepo(record, replace: false) } catch StoreError.conflict {
            throw HubError(.conflict, "config repository \"\(name)\" already exists; pick another name with --name, or remove it first")
        }
        logger.info("config repository added", metadata: ["name": "\(name)", "url": "\(url)", "path": "\(path)"])
        return try await reconcileConfigRepo(named: name, since: nil)
    }

    public func configRepos() async throws -> [ConfigRepoView] {
        var out: [ConfigRepoView] = []
        for r in try await store.configRepos() { out.append(try await configRepoView(r)) }
        return out
    }

    public func configRepo(named name: String) async throws -> ConfigRepoView {
        try await configRepoView(try await requireConfigRepo(name))
    }

    /// Removes the repository; what it defined stays, no longer managed (edit or delete it
    /// through the API from then on).
    public func deleteConfigRepo(named name: String) async throws {
        // Not in the middle of its reconcile, which would write it back.
        try await configQueue.run(Self.declarativeQueue) { [self] in
            let r = try await requireConfigRepo(name)
            try await store.deleteConfigRepo(named: name)
            if r.state.policy != nil { await rbac.setGitPolicy(nil, source: "") }
            await rbac.projectsChanged()
            logger.info("config repository removed", metadata: ["name": "\(name)"])
        }
    }

    /// Declarative changes (`hawser apply`, every config repository's reconcile, removing a
    /// config repository) happen one at a time, so ownership is decided on what is there.
    static let declarativeQueue = "declarative"

    func requireConfigRepo(_ name: String) async throws -> ConfigRepoRecord {
        guard let r = try await store.configRepo(named: name) else {
            throw HubError(.notFound, "config repository \"\(name)\" not found; `hawser config-repo list` shows the existing ones")
        }
        return r
    }

    /// `platform-config` for https://git.example.com/platform-config.git at the root;
    /// `platform-config-clusters-prod` for its path clusters/prod.
    public static func configRepoName(url: String, path: String) -> String {
        let base = url.split(whereSeparator: { $0 == "/" || $0 == ":" }).last.map { String($0) } ?? "config"
        let stem = base.hasSuffix(".git") ? String(base.dropLast(4)) : base
        let parts = [stem] + path.split(separator: "/").filter { $0 != "." }.map(String.init)
        let slug = parts.joined(separator: "-").lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let name = String(slug).split(separator: "-").joined(separator: "-")
        return String(name.prefix(63)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }

    /// Config repositories read from `url` (any spelling of it), reconciled after a fetch.
    func reconcileConfigRepos(url: String, since: ContinuousClock.Instant?) async {
        let key = RepoURL.normalized(url)
        for r in (try? await store.configRepos()) ?? [] where RepoURL.normalized(r.url) == key {
            do { _ = try await reconcileConfigRepo(named: r.name, since: since) } catch {
                logger.warning("config repository reconcile failed", metadata: ["name": "\(r.name)", "error": "\(error)"])
            }
        }
    }

    /// Reads the repository's revision and applies it, one declarative change at a time.
    /// A commit with any problem changes nothing; the repository's state says why (file, line,
    /// field), and the refusal is audited once per commit.
    @discardableResult
    public func reconcileConfigRepo(named name: String, since: ContinuousClock.Instant? = .now) async throws -> ConfigRepoView {
        try await configQueue.run(Self.declarativeQueue) { [self] in
            var r = try await requireConfigRepo(name)
            let url = r.url
            let credentials: @Sendable () async throws -> GitCredentials = { [self] in try await self.credentials(for: url) }
            let commit: CommitInfo
            let files: [GitFile]
            do {
                if let since { _ = try await mirrors.fetch(r.url, since: since, credentials: credentials) } else { try await mirrors.ensureFetched(r.url, credentials: credentials) }
                let mirror = mirrors.path(for: r.url)
                let (revision, path) = (r.revision, r.path)
                (commit, files) = try await renderer.threadPool.runIfActive {
                    let repo = try GitRepository.open(url: mirror)
                    let c = try repo.resolve(revision)
                    return (CommitInfo(sha: c.sha, author: "\(c.authorName) <\(c.authorEmail)>", date: c.date, message: c.message), try repo.files(at: c.sha, under: path))
                }
            } catch {
                metrics.error("git")
                r.state.checkedAt = now()
                r.state.errors = [ConfigDiagnostic(file: r.path, line: nil, field: nil, message: "cannot read \(r.url) at \(r.revision): \(error)")]
                try await store.saveConfigRepo(r, replace: true)
                return try await configRepoView(r)
            }
            let escaping = files.compactMap { f in f.symlinkTarget.map { "\(f.path) -> \($0)" } }
            let read: ConfigRead = escaping.isEmpty
                ? ConfigFiles.read(files: files.map { (path: $0.path, data: $0.data) }, under: r.path, serverClusters: r.serverClusters)
                : ConfigRead(objects: [], errors: escaping.map { ConfigDiagnostic(file: String($0.prefix { $0 != " " }), line: nil, field: nil, message: "symbolic links are not read in a config repository (\($0)); commit the file itself") }, warnings: [])
            let previousErrors = r.state.errors
            let previousCommit = r.state.lastCommit?.sha
            r.state.lastCommit = commit
            r.state.checkedAt = now()
            // What is saved if the commit cannot be written after all: it was read, not applied.
            let unapplied = r
            do {
                let plan = try await planConfig(read, source: .repo(r, commit))
                r.state.errors = []
                r.state.warnings = plan.warnings
                // Kept objects are reported until they are deleted or defined again.
                let stillKept = try await keptObjects()
                var orphaned = r.state.orphaned.filter { o in
                    stillKept.contains("\(o.kind)/\(o.name)") && !read.objects.contains { $0.kind.rawValue == o.kind && $0.name == o.name }
                }
                for o in plan.orphaned where !orphaned.contains(where: { $0.kind == o.kind && $0.name == o.name }) { orphaned.append(o) }
                r.state.orphaned = orphaned
                if let policy = plan.policy { r.state.policy = policy }
                if plan.changesAnything || r.state.appliedCommit == nil || r.state.appliedCommit?.sha != commit.sha {
                    r.state.appliedCommit = commit
                    r.state.appliedAt = now()
                }
                try await executeConfig(plan, repo: r)
                if plan.changesAnything {
                    logger.notice("config repository applied", metadata: ["name": "\(name)", "commit": "\(commit.sha.prefix(8))", "by": "\(commit.author)",
                                                                         "changes": "\(plan.outcomes.filter { $0.action != .unchanged }.count)"])
                }
            } catch let rejection as ConfigRejection {
                r.state.errors = rejection.errors
                r.state.warnings = rejection.warnings
                try await store.saveConfigRepo(r, replace: true)
                if previousCommit != commit.sha || previousErrors != rejection.errors {
                    logger.warning("config repository commit refused", metadata: ["name": "\(name)", "commit": "\(commit.sha.prefix(8))", "errors": "\(rejection.errors.count)"])
                    await audit(Principal(name: commit.author), "apply", "configrepos", name, outcome: "failed",
                                detail: Self.auditDetail(.repo(r, commit), file: nil) + "; nothing applied: " + rejection.errors.prefix(5).map(\.description).joined(separator: "; "))
                }
            } catch let error as HubError {
                // Changed meanwhile (a name taken between check and write): nothing of the commit
                // was written, and the next poll tries again.
                var failed = unapplied
                failed.state.errors = [ConfigDiagnostic(file: r.path, line: nil, field: nil, message: error.message)]
                try await store.saveConfigRepo(failed, replace: true)
                return try await configRepoView(failed)
            }
            return try await configRepoView(r)
        }
    }

    /// `Application/NAME` and `AppProject/NAME` of every unmanaged object: what a repository
    /// kept after its file was removed stays reported while it is still there, unmanaged.
    func keptObjects() async throws -> Set<String> {
        Set(try await store.apps().filter { $0.parent == nil && $0.managedBy == nil }.map { "Application/\($0.name)" }
            + store.projects().filter { $0.managedBy == nil }.map { "AppProject/\($0.name)" })
    }

    func configRepoView(_ r: ConfigRepoRecord) async throws -> ConfigRepoView {
        var objects: [ConfigOutcome] = []
        for a in try await store.apps() where a.parent == nil && a.managedBy?.configRepo == r.name {
            objects.append(ConfigOutcome(kind: "Application", name: a.name, action: .unchanged, file: a.managedBy?.file))
        }
        for p in try await store.projects() where p.managedBy?.configRepo == r.name {
            objects.append(ConfigOutcome(kind: "AppProject", name: p.name, action: .unchanged, file: p.managedBy?.file))
        }
        if let policy = r.state.policy { objects.append(ConfigOutcome(kind: "RBACPolicy", name: "policy", action: .unchanged, file: policy.file)) }
        objects.sort { ($0.kind, $0.name) < ($1.kind, $1.name) }
        return ConfigRepoView(name: r.name, url: r.url, path: r.path, revision: r.revision, prune: r.prune, serverClusters: r.serverClusters,
                              createdAt: r.createdAt, createdBy: r.createdBy, appliedCommit: r.state.appliedCommit, appliedAt: r.state.appliedAt,
                              lastCommit: r.state.lastCommit, checkedAt: r.state.checkedAt, errors: r.state.errors, warnings: r.state.warnings,
                              objects: objects + r.state.orphaned)
    }

    /// At start: the RBAC policy the config repositories applied before the restart. One that
    /// no longer fits the hub's own policy (policy.csv was edited meanwhile) is left out and
    /// logged: the hub still starts, and the repository's next commit is checked again.
    public func loadConfigRepoPolicy() async throws {
        for r in try await store.configRepos() {
            guard let policy = r.state.policy else { continue }
            let source = Self.policySource(r, file: policy.file)
            let problems = try await rbac.check(gitPolicy: policy, source: source, projects: try await store.projects())
            guard problems.isEmpty else {
                logger.error("the RBAC policy from a config repository is not used: it is invalid with this hub's policy", metadata: [
                    "configRepo": "\(r.name)", "file": "\(policy.file)", "problems": "\(problems.map(\.description).joined(separator: "; "))"])
                continue
            }
            await rbac.setGitPolicy(policy, source: source)
        }
    }
}
