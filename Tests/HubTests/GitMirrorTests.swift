import Foundation
import Testing
@testable import HubGit

/// The hub's mirror of a remote: one fetch brings every branch and tag, a deleted branch goes
/// away, and a force push is noticed.
@Suite struct GitMirrorTests {
    let mirror = FileManager.default.temporaryDirectory.appendingPathComponent("hawser-mirror-\(UUID().uuidString).git").path

    @Test func mirrorsBranchesTagsAndTheDefaultBranch() throws {
        let source = try ScratchGitRepo()
        try source.write("app/cm.yaml", "kind: ConfigMap\n")
        let first = try source.commit("first")
        try source.git("tag", "v1")
        try source.git("branch", "feature")
        defer { try? FileManager.default.removeItem(atPath: mirror) }

        let fetched = try GitMirror.fetch(remote: source.path, into: mirror, credentials: GitCredentials())
        #expect(fetched.refs["refs/heads/main"] == first)
        #expect(fetched.refs["refs/heads/feature"] == first)
        #expect(fetched.refs["refs/tags/v1"] == first)
        #expect(fetched.defaultBranch == "refs/heads/main")
        #expect(fetched.changed)

        // The mirror resolves what users write as targetRevision.
        let repo = try GitRepository.open(url: mirror)
        #expect(try repo.resolve("HEAD").sha == first)
        #expect(try repo.resolve("feature").sha == first)
        #expect(try repo.resolve(String(first.prefix(7))).sha == first)

        // Nothing moved: a second fetch says so.
        #expect(try GitMirror.fetch(remote: source.path, into: mirror, credentials: GitCredentials()).changed == false)
    }

    @Test func deletedBranchesArePrunedAndForcePushesReported() throws {
        let source = try ScratchGitRepo()
        try source.write("a.yaml", "a: 1\n")
        let first = try source.commit("first")
        try source.write("a.yaml", "a: 2\n")
        let second = try source.commit("second")
        try source.git("branch", "feature")
        defer { try? FileManager.default.removeItem(atPath: mirror) }
        _ = try GitMirror.fetch(remote: "file://" + source.path, into: mirror, credentials: GitCredentials())

        try source.git("branch", "-D", "feature")
        try source.git("reset", "-q", "--hard", first)
        try source.write("a.yaml", "a: 3\n")
        let rewritten = try source.commit("rewritten")

        let fetched = try GitMirror.fetch(remote: "file://" + source.path, into: mirror, credentials: GitCredentials())
        #expect(fetched.refs["refs/heads/feature"] == nil)
        #expect(fetched.refs["refs/heads/main"] == rewritten)
        #expect(fetched.forcedUpdates == ["refs/heads/main": second])
        let repo = try GitRepository.open(url: mirror)
        #expect(throws: GitError.self) { try repo.resolve("feature") }
    }

    @Test func aMissingRemoteSaysWhichAndWhy() throws {
        defer { try? FileManager.default.removeItem(atPath: mirror) }
        let error = #expect(throws: GitError.self) {
            try GitMirror.fetch(remote: "/nonexistent/hawser-repo", into: mirror, credentials: GitCredentials())
        }
        #expect(error?.message.contains("/nonexistent/hawser-repo") == true)
    }

    @Test func knownHostsLinesMatchByHostName() {
        let key = Data([1, 2, 3, 4]).base64EncodedString()
        let creds = GitCredentials(sshKnownHosts: ["# comment", "git.example.com,10.0.0.1 ssh-ed25519 \(key)", "[127.0.0.1]:2222 ssh-ed25519 \(key)", "other ssh-rsa AAAA"])
        #expect(creds.knownHostKeys(for: "git.example.com") == [Data([1, 2, 3, 4])])
        #expect(creds.knownHostKeys(for: "10.0.0.1") == [Data([1, 2, 3, 4])])
        #expect(creds.knownHostKeys(for: "127.0.0.1") == [Data([1, 2, 3, 4])])
        #expect(creds.knownHostKeys(for: "evil.example.com").isEmpty)
    }
}
