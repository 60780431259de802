import Crypto
import Foundation
import HawserProtocol
import Testing
@testable import HubCore

/// Push webhooks as each forge sends them: accepted only with that forge's proof, read for the
/// repository's URLs and the refs that moved.
@Suite struct GitWebhookTests {
    let verifier = GitWebhookVerifier(secrets: ["github": "gh-secret", "gitlab": "gl-token", "gitea": "tea-secret", "bitbucket": "bb-secret"])

    static func hmac(_ body: Data, _ secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8))).map { String(format: "%02x", $0) }.joined()
    }

    func verify(_ headers: [String: String], _ body: String) throws(GitWebhookVerifier.Rejection) -> GitPush? {
        let lowered = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.lowercased(), $0.value) })
        return try verifier.verify(header: { lowered[$0.lowercased()] }, body: Data(body.utf8))
    }

    static let github = #"{"ref":"refs/heads/main","repository":{"clone_url":"https://github.com/argoproj/argocd-example-apps.git","ssh_url":"git@github.com:argoproj/argocd-example-apps.git","html_url":"https://github.com/argoproj/argocd-example-apps"}}"#

    @Test func github() throws {
        let sig = "sha256=" + Self.hmac(Data(Self.github.utf8), "gh-secret")
        let push = try #require(try verify(["X-GitHub-Event": "push", "X-Hub-Signature-256": sig], Self.github))
        #expect(push.forge == "github")
        #expect(push.refs == ["refs/heads/main"])
        #expect(push.repositoryURLs.contains("git@github.com:argoproj/argocd-example-apps.git"))
        // A ping is welcome and moves nothing.
        let ping = #"{"zen":"Keep it logically awesome."}"#
        #expect(try verify(["X-GitHub-Event": "ping", "X-Hub-Signature-256": "sha256=" + Self.hmac(Data(ping.utf8), "gh-secret")], ping) == nil)
    }

    @Test func refusals() {
        let wrong = "sha256=" + Self.hmac(Data(Self.github.utf8), "not-the-secret")
        for headers in [["X-GitHub-Event": "push"], ["X-GitHub-Event": "push", "X-Hub-Signature-256": wrong],
                        ["X-GitHub-Event": "push", "X-Hub-Signature-256": "sha1=" + Self.hmac(Data(Self.github.utf8), "gh-secret")]] {
            let error = #expect(throws: GitWebhookVerifier.Rejection.self) { try verify(headers, Self.github) }
            #expect(error?.message.contains("signature is missing or does not match") == true)
        }
        // A body changed after signing.
        let sig = "sha256=" + Self.hmac(Data(Self.github.utf8), "gh-secret")
        #expect(throws: GitWebhookVerifier.Rejection.self) { try verify(["X-GitHub-Event": "push", "X-Hub-Signature-256": sig], Self.github.replacingOccurrences(of: "main", with: "prod")) }
        // A forge the hub has no secret for is refused, not trusted.
        let gogsOnly = GitWebhookVerifier(secrets: ["github": "x"])
        let error = #expect(throws: GitWebhookVerifier.Rejection.self) {
            try gogsOnly.verify(header: { $0 == "X-Gitlab-Event" ? "Push Hook" : $0 == "X-Gitlab-Token" ? "anything" : nil }, body: Data("{}".utf8))
        }
        #expect(error?.message.contains("--git-webhook-secret gitlab=FILE") == true)
        #expect(throws: GitWebhookVerifier.Rejection.self) { try verify(["Content-Type": "application/json"], "{}") }
    }

    @Test func gitlab() throws {
        let body = #"{"object_kind":"push","ref":"refs/heads/main","project":{"git_http_url":"https://gitlab.example.com/team/app.git","git_ssh_url":"git@gitlab.example.com:team/app.git"}}"#
        let push = try #require(try verify(["X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "gl-token"], body))
        #expect(push.repositoryURLs.contains("https://gitlab.example.com/team/app.git") && push.refs == ["refs/heads/main"])
        #expect(throws: GitWebhookVerifier.Rejection.self) { try verify(["X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "gl-tokeN"], body) }
    }

    @Test func giteaAndGogs() throws {
        let body = #"{"ref":"refs/heads/dev","repository":{"clone_url":"https://gitea.example.com/org/app.git","ssh_url":"ssh://git@gitea.example.com:2222/org/app.git"}}"#
        let sig = Self.hmac(Data(body.utf8), "tea-secret")
        // Gitea sends GitHub's and Gogs' headers as well; its own decide.
        let push = try #require(try verify(["X-Gitea-Event": "push", "X-GitHub-Event": "push", "X-Gitea-Signature": sig], body))
        #expect(push.forge == "gitea" && push.refs == ["refs/heads/dev"])
        let gogs = try #require(try verify(["X-Gogs-Event": "push", "X-Gogs-Signature": sig], body))
        #expect(gogs.forge == "gogs")
    }

    @Test func bitbucketCloudAndDataCenter() throws {
        let cloud = #"{"push":{"changes":[{"new":{"type":"branch","name":"main"},"old":{"type":"branch","name":"main"}}]},"repository":{"full_name":"team/app","links":{"html":{"href":"https://bitbucket.org/team/app"}}}}"#
        let push = try #require(try verify(["X-Event-Key": "repo:push", "X-Hub-Signature": "sha256=" + Self.hmac(Data(cloud.utf8), "bb-secret")], cloud))
        #expect(push.refs == ["refs/heads/main"] && push.repositoryURLs.contains("git@bitbucket.org:team/app"))
        let server = #"{"changes":[{"ref":{"id":"refs/heads/release"}}],"repository":{"links":{"clone":[{"href":"https://bb.example.com/scm/team/app.git","name":"http"},{"href":"ssh://git@bb.example.com:7999/team/app.git","name":"ssh"}]}}}"#
        let dc = try #require(try verify(["X-Event-Key": "repo:refs_changed", "X-Hub-Signature": "sha256=" + Self.hmac(Data(server.utf8), "bb-secret")], server))
        #expect(dc.refs == ["refs/heads/release"] && dc.repositoryURLs.contains("ssh://git@bb.example.com:7999/team/app.git"))
    }

    @Test func oneRepositoryHasOneIdentityWhateverTheSpelling() {
        let id = RepoURL.identity("https://github.com/argoproj/argocd-example-apps")
        for spelling in ["git@github.com:argoproj/argocd-example-apps.git", "ssh://git@github.com/argoproj/argocd-example-apps.git",
                         "https://github.com/Argoproj/Argocd-Example-Apps.git/", "https://user@github.com:443/argoproj/argocd-example-apps"] {
            #expect(RepoURL.identity(spelling) == id, "\(spelling)")
        }
        #expect(RepoURL.identity("https://github.com/argoproj/other") != id)
        #expect(RepoURL.identity("file:///srv/git/app") == RepoURL.identity("/srv/git/app/"))
    }
}
