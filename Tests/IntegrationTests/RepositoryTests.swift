import AsyncHTTPClient
import Crypto
import Foundation
import HawserProtocol
import HubCore
import HubPKI
import HubServer
import Testing

/// Git repositories as a platform team registers them: private ones behind credentials the hub
/// keeps to itself, fetched once per poll however many apps use them, and failures that say
/// what went wrong.
@Suite(.serialized) struct RepositoryTests {
    static let password = "s3cret-token-8f2a"

    /// A bare copy of `source` under `root` as `NAME.git`, the way a forge stores it.
    static func publish(_ source: TestRepo, as name: String, under root: String) async throws -> String {
        let bare = root + "/\(name).git"
        let out = try await Proc.run("git", ["clone", "-q", "--bare", source.path, bare])
        guard out.ok else { throw TestFailure("git clone --bare: \(out.stderr)") }
        return bare
    }

    static func push(_ source: TestRepo, to bare: String, force: Bool = false) async throws {
        try await source.git(["push", "-q"] + (force ? ["--force"] : []) + [bare, "main"])
    }

    /// Everything the hub wrote to disk about its store, for "the secret is not in there".
    static func storeBytes(_ h: HubHarness) throws -> Data {
        var all = Data()
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: h.dataDirectory + "/hawser.db" + suffix) {
            all.append(try Data(contentsOf: URL(fileURLWithPath: h.dataDirectory + "/hawser.db" + suffix)))
        }
        return all
    }

    @Test func privateRepositoryOverHTTPWithCredentials() async throws {
        let source = try await TestRepo.create(files: ["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: private-cm\ndata:\n  v: \"1\"\n"])
        let root = tempDirectory("git-root")
        let bare = try await Self.publish(source, as: "app", under: root)
        _ = try await Self.publish(source, as: "other", under: root)
        let server = try await GitHTTPServer.start(root: root, user: "ci", password: Self.password)
        defer { server.stop() }
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        let url = "http://127.0.0.1:\(server.port)/app.git"
        _ = try await h.hub.addCluster(ClusterCreateRequest(name: "c1"))

        // An app on a private repository nobody registered: a condition says how to fix it.
        _ = try await h.hub.createApp(AppSpec(name: "private", repoURL: url, path: "app", cluster: "c1", namespace: "default"))
        let before = try await h.hub.app(named: "private")
        #expect(before.targetCommit == nil)
        #expect(before.conditions.contains { $0.type == "ComparisonError" && $0.message.contains("asks for credentials") && $0.message.contains("hawser repo add") })

        // A wrong password is refused at once, and nothing is registered.
        let wrong = try await h.cli("repo", "add", url, "--username", "ci", "--password", "wrong-password")
        #expect(!wrong.ok)
        #expect(wrong.stderr.contains("authentication failed"), "\(wrong.stderr)")
        #expect(try await h.hub.repositories().isEmpty)

        // The right one registers it; the waiting app renders without anyone asking.
        let pwFile = tempDirectory("pw") + "/token"
        try Self.password.write(toFile: pwFile, atomically: true, encoding: .utf8)
        let added = try await h.cli("repo", "add", url, "--username", "ci", "--password-file", pwFile)
        #expect(added.ok, "\(added.stderr)")
        #expect(added.stdout.contains("default branch main"), "\(added.stdout)")
        let head = try await source.git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        try await eventually("the app renders once credentials exist") { try await h.hub.app(named: "private").targetCommit?.sha == head }
        let commit = try #require(try await h.hub.app(named: "private").targetCommit)
        #expect(commit.author == "Test <test@example.com>")
        #expect(commit.message.hasPrefix("initial"))

        // The API says credentials exist, never what they are; neither do the store or the audit trail.
        let got = try await h.cli("repo", "get", url, "-o", "json")
        #expect(got.ok, "\(got.stderr)")
        let view = try WireJSON.decoder().decode(RepositoryView.self, from: Data(got.stdout.utf8))
        #expect(view.hasPassword && view.username == "ci" && view.connectionState == "Successful" && view.applications == 1)
        #expect(view.branches?["main"] == head)
        let listed = try await h.cli("repo", "list", "-o", "json")
        for text in [got.stdout, listed.stdout, added.stdout, added.stderr] { #expect(!text.contains(Self.password)) }
        #expect(try Self.storeBytes(h).range(of: Data(Self.password.utf8)) == nil)
        let audit = try await h.hub.auditEvents(limit: 50, before: nil, filter: .init())
        #expect(audit.contains { $0.resource == "repositories" && $0.action == "create" && $0.object == url && $0.outcome == "succeeded" })
        #expect(audit.contains { $0.resource == "repositories" && $0.outcome == "failed" })
        #expect(!audit.contains { ($0.detail ?? "").contains(Self.password) })

        // A push reaches the app on refresh, through the stored credentials.
        let next = try await source.commit(["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: private-cm\ndata:\n  v: \"2\"\n"], message: "second")
        try await Self.push(source, to: bare)
        #expect(try await h.hub.refresh(appNamed: "private").targetCommit?.sha == next)

        // Registering twice is a conflict unless replacing on purpose.
        let again = try await h.cli("repo", "add", url, "--username", "ci", "--password-file", pwFile)
        #expect(!again.ok && again.stderr.contains("--upsert"))
        #expect(try await h.cli("repo", "add", url, "--username", "ci", "--password-file", pwFile, "--upsert").ok)

        // Removed: gone from the list, and the app's next fetch has no credentials again.
        #expect(try await h.cli("repo", "rm", url).ok)
        #expect(try await h.hub.repositories().isEmpty)
        let missing = try await h.cli("repo", "get", url)
        #expect(!missing.ok && missing.stderr.contains("not registered"))
        _ = try await h.hub.refresh(appNamed: "private")
        #expect(try await h.hub.app(named: "private").conditions.contains { $0.message.contains("asks for credentials") })
    }

    @Test func httpsCertificatesAreVerified() async throws {
        let source = try await TestRepo.create(files: ["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tls-cm\n"])
        let root = tempDirectory("git-root")
        _ = try await Self.publish(source, as: "app", under: root)
        // A certificate from a CA nobody told the hub about (mbedTLS, libgit2's TLS here, checks DNS names).
        let pki = tempDirectory("git-pki")
        let identity = HubIdentityFiles(directory: pki)
        _ = try identity.loadOrCreate(serverNames: ["localhost"])
        let server = try await GitHTTPServer.start(root: root, user: "ci", password: Self.password,
                                                   tls: (identity.serverCertificatePath, identity.serverKeyPath))
        defer { server.stop() }
        let url = "https://localhost:\(server.port)/app.git"

        let h = try await HubHarness.start()
        let untrusted = try await h.cli("repo", "add", url, "--username", "ci", "--password", Self.password)
        #expect(!untrusted.ok)
        #expect(untrusted.stderr.contains("not trusted") && untrusted.stderr.contains("--git-ca-file"), "\(untrusted.stderr)")
        let insecure = try await h.cli("repo", "add", url, "--username", "ci", "--password", Self.password, "--insecure-skip-server-verification")
        #expect(insecure.ok, "\(insecure.stderr)")
        await h.stop()

        // A hub told to trust that CA fetches without skipping anything.
        let trusting = try await HubHarness.start { $0.gitCAFile = identity.caCertificatePath }
        defer { Task { await trusting.stop() } }
        let verified = try await trusting.cli("repo", "add", url, "--username", "ci", "--password", Self.password)
        #expect(verified.ok, "\(verified.stderr)")
    }

    @Test func sshWithADeployKeyAndAKnownHostKey() async throws {
        guard SSHGitServer.sshd != nil else {
            print("RepositoryTests.sshWithADeployKeyAndAKnownHostKey skipped: needs /usr/sbin/sshd (openssh-server, `make deps`) and root to run it")
            return
        }
        let source = try await TestRepo.create(files: ["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: over-ssh\n"])
        let root = tempDirectory("git-root")
        let bare = try await Self.publish(source, as: "app", under: root)
        let server = try await SSHGitServer.start()
        defer { server.stop() }
        let url = "ssh://\(server.user)@127.0.0.1:\(server.port)\(bare)"
        let known = server.directory + "/known_hosts"
        try (server.knownHostsLine + "\n").write(toFile: known, atomically: true, encoding: .utf8)
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }

        // A host key nobody vouched for is refused; so is one that differs from the registered one.
        let unknown = try await h.cli("repo", "add", url, "--ssh-key", server.clientKeyPath)
        #expect(!unknown.ok && unknown.stderr.contains("host key of 127.0.0.1 is not known") && unknown.stderr.contains("ssh-keyscan"), "\(unknown.stderr)")
        let impostor = server.directory + "/impostor_hosts"
        try "[127.0.0.1]:\(server.port) \(try String(contentsOfFile: server.otherKeyPath + ".pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " "))\n"
            .write(toFile: impostor, atomically: true, encoding: .utf8)
        let mismatch = try await h.cli("repo", "add", url, "--ssh-key", server.clientKeyPath, "--ssh-known-hosts", impostor)
        #expect(!mismatch.ok && mismatch.stderr.contains("does not match"), "\(mismatch.stderr)")
        // A key the server does not authorize is refused.
        let wrongKey = try await h.cli("repo", "add", url, "--ssh-key", server.otherKeyPath, "--ssh-known-hosts", known)
        #expect(!wrongKey.ok && wrongKey.stderr.contains("refused the registered key"), "\(wrongKey.stderr)")

        // The deploy key and the known host key: registered, and apps render over SSH.
        let added = try await h.cli("repo", "add", url, "--ssh-key", server.clientKeyPath, "--ssh-known-hosts", known)
        #expect(added.ok, "\(added.stderr)")
        let view = try await h.hub.repository(url: url)
        #expect(view.type == "ssh" && view.hasSSHKey && !view.hasPassword && view.sshKnownHosts == 1)
        let keyText = try String(contentsOfFile: server.clientKeyPath, encoding: .utf8)
        let keyBody = keyText.split(separator: "\n")[1]
        #expect(try Self.storeBytes(h).range(of: Data(keyBody.utf8)) == nil)
        _ = try await h.hub.addCluster(ClusterCreateRequest(name: "c1"))
        _ = try await h.hub.createApp(AppSpec(name: "over-ssh", repoURL: url, path: "app", cluster: "c1", namespace: "default"))
        let head = try await source.git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await h.hub.app(named: "over-ssh").targetCommit?.sha == head)
    }

    @Test func oneFetchPerRepositoryPerPollAndNoRenderWithoutChange() async throws {
        let repo = try await TestRepo.create(files: ["shared/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n"])
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        _ = try await h.hub.addCluster(ClusterCreateRequest(name: "c1"))
        for i in 0..<5 {
            // Two spellings of one repository share one mirror and one fetch.
            let url = i % 2 == 0 ? repo.path : "file://" + repo.path + "/"
            _ = try await h.hub.createApp(AppSpec(name: "app-\(i)", repoURL: url, path: "shared", cluster: "c1", namespace: "ns-\(i)"))
        }
        let next = try await repo.commit(["shared/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  v: \"2\"\n"], message: "bump")
        let fetches = await h.hub.fetchCount()
        await h.hub.refreshAll()
        #expect(await h.hub.fetchCount() == fetches + 1)
        for i in 0..<5 { #expect(try await h.hub.app(named: "app-\(i)").targetCommit?.sha == next) }

        // Nothing moved in Git: one more fetch, and no app is rendered again.
        let renders = try await (0..<5).asyncMap { try await h.hub.store.render(app: "app-\($0)") }
        await h.hub.refreshAll()
        #expect(await h.hub.fetchCount() == fetches + 2)
        let after = try await (0..<5).asyncMap { try await h.hub.store.render(app: "app-\($0)") }
        #expect(after == renders)
    }

    @Test func deletedBranchAndForcePush() async throws {
        let repo = try await TestRepo.create(files: ["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n"])
        try await repo.git(["branch", "feature"])
        let first = try await repo.git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let second = try await repo.commit(["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\n"], message: "two")
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        _ = try await h.hub.addCluster(ClusterCreateRequest(name: "c1"))
        _ = try await h.hub.createApp(AppSpec(name: "feat", repoURL: repo.path, path: "app", targetRevision: "feature", cluster: "c1", namespace: "default"))
        _ = try await h.hub.createApp(AppSpec(name: "trunk", repoURL: repo.path, path: "app", targetRevision: "main", cluster: "c1", namespace: "default"))
        #expect(try await h.hub.app(named: "feat").targetCommit?.sha == first)

        try await repo.git(["branch", "-D", "feature"])
        try await repo.git(["reset", "-q", "--hard", first])
        let rewritten = try await repo.commit(["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: three\n"], message: "rewritten")
        await h.hub.refreshAll()

        // The deleted branch: a condition naming it; what was rendered stays assigned.
        let feat = try await h.hub.app(named: "feat")
        #expect(feat.conditions.contains { $0.type == "ComparisonError" && $0.message.contains("\"feature\"") && $0.message.contains("no branch") }, "\(feat.conditions)")
        #expect(try await h.hub.store.render(app: "feat")?.revision == first)
        // The force-pushed branch: its new commit, and a warning naming the commit that left.
        let trunk = try await h.hub.app(named: "trunk")
        #expect(trunk.targetCommit?.sha == rewritten)
        #expect(trunk.conditions.contains { $0.type == "ForcePushWarning" && $0.message.contains("force-pushed") && $0.message.contains(String(second.prefix(8))) }, "\(trunk.conditions)")
    }

    @Test func aSignedPushWebhookRefreshesAtOnceAndAnUnsignedOneIsRefused() async throws {
        let repo = try await TestRepo.create(files: ["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hooked\n"])
        let h = try await HubHarness.start { $0.gitWebhookSecrets = ["github": "hook-secret"] }
        defer { Task { await h.stop() } }
        _ = try await h.hub.addCluster(ClusterCreateRequest(name: "c1"))
        _ = try await h.hub.createApp(AppSpec(name: "hooked", repoURL: repo.path, path: "app", cluster: "c1", namespace: "default"))
        let next = try await repo.commit(["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hooked\ndata:\n  v: \"2\"\n"], message: "pushed")
        let body = Data(#"{"ref":"refs/heads/main","repository":{"clone_url":"file://\#(repo.path)"}}"#.utf8)
        let signature = "sha256=" + HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data("hook-secret".utf8))).map { String(format: "%02x", $0) }.joined()
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = client.shutdown() }
        func post(_ headers: [(String, String)]) async throws -> (Int, String) {
            var request = HTTPClientRequest(url: h.apiURL + "/api/webhook")
            request.method = .POST
            for (k, v) in headers { request.headers.add(name: k, value: v) }
            request.body = .bytes(body)
            let response = try await client.execute(request, timeout: .seconds(10))
            return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
        }

        // Unsigned, or signed with another secret: refused, recorded, and nothing fetched.
        let fetches = await h.hub.fetchCount()
        let (unsigned, message) = try await post([("X-GitHub-Event", "push")])
        #expect(unsigned == 401 && message.contains("signature is missing or does not match"))
        #expect(try await post([("X-GitHub-Event", "push"), ("X-Hub-Signature-256", "sha256=" + String(repeating: "0", count: 64))]).0 == 401)
        #expect(try await post([("X-Gitlab-Event", "Push Hook"), ("X-Gitlab-Token", "hook-secret")]).0 == 401)  // no GitLab secret configured
        #expect(await h.hub.fetchCount() == fetches)
        #expect(try await h.hub.auditEvents(limit: 20).contains { $0.action == "webhook" && $0.outcome == "denied" && $0.resource == "repositories" })

        // Signed: the app moves to the pushed commit without waiting for a poll.
        let (ok, answer) = try await post([("X-GitHub-Event", "push"), ("X-Hub-Signature-256", signature)])
        #expect(ok == 200 && answer.contains("\"repositories\":1"), "\(answer)")
        try await eventually("the pushed commit is rendered", timeout: .seconds(10)) { try await h.hub.app(named: "hooked").targetCommit?.sha == next }
    }

    @Test func anUnreachableRemoteIsNotRegistered() async throws {
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        let out = try await h.cli("repo", "add", "http://127.0.0.1:9/nothing.git")
        #expect(!out.ok)
        #expect(out.stderr.contains("cannot fetch http://127.0.0.1:9/nothing.git, so it was not registered"), "\(out.stderr)")
        let bad = try await h.cli("repo", "add", "git@example.com:org/app.git", "--password", "x", "--username", "u")
        #expect(!bad.ok && bad.stderr.contains("SSH URL"))
        // A token inside the URL would be stored, listed and audited in plain text.
        let inURL = try await h.cli("repo", "add", "https://ci:secret-token@git.example.com/org/app.git")
        #expect(!inURL.ok && inURL.stderr.contains("carries a password or token") && !inURL.stderr.contains("secret-token@"), "\(inURL.stderr)")
        #expect(try await h.hub.repositories().isEmpty)
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await transform(e)) }
        return out
    }
}

/// A remote that accepts connections and never answers: its fetch is abandoned after the
/// timeout, its apps say so, and nothing else waits for it.
@Suite(.serialized) struct HangingRemoteTests {
    @Test func aSilentRemoteIsAbandonedAndOthersCarryOn() async throws {
        let silent = try await PythonServer.start("""
            import socket, sys, os
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
            open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1])); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
            held = []
            while True:
                c, _ = s.accept(); held.append(c)
            """, name: "silent")
        defer { silent.stop() }
        let port = silent.port

        let good = try await TestRepo.create(files: ["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n"])
        let h = try await HubHarness.start { $0.gitFetchTimeout = .seconds(1) }
        defer { Task { await h.stop() } }
        _ = try await h.hub.addCluster(ClusterCreateRequest(name: "c1"))
        let started = ContinuousClock.now
        _ = try await h.hub.createApp(AppSpec(name: "silent", repoURL: "http://127.0.0.1:\(port)/app.git", path: "app", cluster: "c1", namespace: "default"))
        #expect(ContinuousClock.now - started < .seconds(15))
        let abandoned = try await h.hub.app(named: "silent").conditions
        #expect(abandoned.contains { $0.message.contains("made no progress") }, "\(abandoned)")
        // While that fetch's thread is still stuck, no second fetch of the mirror starts.
        _ = try await h.hub.refresh(appNamed: "silent")
        #expect(try await h.hub.app(named: "silent").conditions.contains { $0.message.contains("still hanging") })
        // Another repository is not held up.
        _ = try await h.hub.createApp(AppSpec(name: "fine", repoURL: good.path, path: "app", cluster: "c1", namespace: "default"))
        #expect(try await h.hub.app(named: "fine").conditions.isEmpty)
    }
}
