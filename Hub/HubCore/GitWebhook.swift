import Crypto
import Foundation
import HawserProtocol

/// A push a forge told the hub about (`POST /api/webhook`): which repository, which refs.
public struct GitPush: Sendable, Equatable {
    public var forge: String
    /// Every URL the payload gives for the repository (https clone URL, SSH URL, web page).
    public var repositoryURLs: [String]
    /// Full ref names that moved, e.g. `refs/heads/main` (empty for a ping).
    public var refs: [String]
}

/// Verifies and reads push webhooks the way each forge signs them:
///
/// | forge | how it proves itself | header |
/// | --- | --- | --- |
/// | GitHub | HMAC-SHA256 of the body | `X-Hub-Signature-256: sha256=<hex>` |
/// | GitLab | the shared token itself | `X-Gitlab-Token` |
/// | Gitea | HMAC-SHA256 of the body | `X-Gitea-Signature: <hex>` |
/// | Gogs | HMAC-SHA256 of the body | `X-Gogs-Signature: <hex>` |
/// | Bitbucket (Cloud and Data Center) | HMAC-SHA256 of the body | `X-Hub-Signature: sha256=<hex>` |
///
/// Deny by default: a forge without a configured secret, a missing or wrong signature, are
/// refused before the body is parsed. Comparisons are constant-time.
public struct GitWebhookVerifier: Sendable {
    /// Secret per forge: `github`, `gitlab`, `gitea`, `gogs`, `bitbucket`.
    public let secrets: [String: String]

    public static let forges = ["github", "gitlab", "gitea", "gogs", "bitbucket"]

    public init(secrets: [String: String]) {
        self.secrets = secrets
    }

    public struct Rejection: Error, CustomStringConvertible, Sendable {
        public var forge: String?
        public var message: String
        /// Signed correctly but unreadable (400), rather than not proven (401).
        public var malformed = false
        public var description: String { message }
    }

    /// `header` looks a request header up by name (case-insensitive).
    public func verify(header: (String) -> String?, body: Data) throws(Rejection) -> GitPush? {
        let forge: String
        if header("X-Gitea-Event") != nil { forge = "gitea" }
        else if header("X-Gogs-Event") != nil { forge = "gogs" }
        else if header("X-GitHub-Event") != nil { forge = "github" }
        else if header("X-Gitlab-Event") != nil { forge = "gitlab" }
        else if header("X-Event-Key") != nil { forge = "bitbucket" }
        else {
            throw Rejection(forge: nil, message: "not a push webhook of GitHub, GitLab, Gitea, Gogs or Bitbucket (none of their event headers is present)")
        }
        // Gitea sends Gogs' headers too, and may be configured under either name.
        let secret = secrets[forge] ?? (forge == "gitea" ? secrets["gogs"] : forge == "gogs" ? secrets["gitea"] : nil)
        guard let secret, !secret.isEmpty else {
            throw Rejection(forge: forge, message: "\(forge) webhooks are not accepted: the hub has no secret for them (start it with --git-webhook-secret \(forge)=FILE and set the same secret in the webhook's settings)")
        }
        let signed: Bool
        switch forge {
        case "gitlab":
            signed = header("X-Gitlab-Token").map { Self.constantTimeEqual(Data($0.utf8), Data(secret.utf8)) } ?? false
        case "github":
            signed = Self.hmacMatches(header("X-Hub-Signature-256"), prefix: "sha256=", body: body, secret: secret)
        case "gitea":
            signed = Self.hmacMatches(header("X-Gitea-Signature"), prefix: "", body: body, secret: secret)
                || Self.hmacMatches(header("X-Gogs-Signature"), prefix: "", body: body, secret: secret)
        case "gogs":
            signed = Self.hmacMatches(header("X-Gogs-Signature"), prefix: "", body: body, secret: secret)
        default:
            signed = Self.hmacMatches(header("X-Hub-Signature"), prefix: "sha256=", body: body, secret: secret)
        }
        guard signed else {
            throw Rejection(forge: forge, message: "\(forge) webhook refused: its signature is missing or does not match the hub's secret")
        }
        let event = header("X-GitHub-Event") ?? header("X-Gitea-Event") ?? header("X-Gogs-Event") ?? header("X-Gitlab-Event") ?? header("X-Event-Key") ?? ""
        // Pings and other events are answered (so the forge shows a green tick) but move nothing.
        guard ["push", "Push Hook", "Tag Push Hook", "repo:push", "repo:refs_changed"].contains(event) else { return nil }
        guard let json = try? JSONValue.parse(body) else {
            throw Rejection(forge: forge, message: "\(forge) push webhook body is not JSON; check the webhook's content type is application/json", malformed: true)
        }
        return GitPush(forge: forge, repositoryURLs: Self.repositoryURLs(json, forge: forge), refs: Self.refs(json))
    }

    static func repositoryURLs(_ json: JSONValue, forge: String) -> [String] {
        var out: [String] = []
        func add(_ value: JSONValue?) { if let s = value?.stringValue, !s.isEmpty { out.append(s) } }
        for key in ["repository", "project"] {
            let repo = json[path: [key]]
            for field in ["clone_url", "ssh_url", "html_url", "git_url", "git_http_url", "git_ssh_url", "web_url", "url", "homepage"] { add(repo?[path: [field]]) }
            add(repo?[path: ["links", "html", "href"]])
            if case .array(let clones)? = repo?[path: ["links", "clone"]] { for c in clones { add(c[path: ["href"]]) } }
        }
        if forge == "bitbucket", let name = json[path: ["repository", "full_name"]]?.stringValue {
            out.append("https://bitbucket.org/\(name)")
            out.append("git@bitbucket.org:\(name)")
        }
        return out
    }

    static func refs(_ json: JSONValue) -> [String] {
        var out: [String] = []
        if let ref = json[path: ["ref"]]?.stringValue { out.append(ref) }
        if case .array(let changes)? = json[path: ["push", "changes"]] {  // Bitbucket Cloud
            for change in changes {
                for side in ["new", "old"] {
                    guard let name = change[path: [side, "name"]]?.stringValue else { continue }
                    out.append((change[path: [side, "type"]]?.stringValue == "tag" ? "refs/tags/" : "refs/heads/") + name)
                }
            }
        }
        if case .array(let changes)? = json[path: ["changes"]] {  // Bitbucket Data Center
            for change in changes { if let id = change[path: ["ref", "id"]]?.stringValue ?? change[path: ["refId"]]?.stringValue { out.append(id) } }
        }
        return Array(Set(out)).sorted()
    }

    static func hmacMatches(_ header: String?, prefix: String, body: Data, secret: String) -> Bool {
        guard let header, header.hasPrefix(prefix) else { return false }
        let given = header.dropFirst(prefix.count).lowercased()
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        let expected = mac.map { String(format: "%02x", $0) }.joined()
        return constantTimeEqual(Data(given.utf8), Data(expected.utf8))
    }

    static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }
}

extension RepoURL {
    /// Host and path, without scheme, user, `.git` or case: `git@github.com:org/app.git`,
    /// `ssh://git@github.com/org/app` and `https://github.com/Org/App` are one repository.
    /// What a webhook's URLs are matched by. Local paths stay as they are.
    static func identity(_ url: String) -> String {
        // Matching a forge's payload may be loose: a wrong match only costs a fetch.
        var u = isLocal(url) ? normalized(url) : normalized(url).lowercased()
        if isLocal(u) || u.hasPrefix("/") { return u }
        var scheme = false
        if let range = u.range(of: "://") {
            u = String(u[range.upperBound...])
            scheme = true
        }
        if let at = u.firstIndex(of: "@"), u[..<at].allSatisfy({ $0 != "/" }) { u = String(u[u.index(after: at)...]) }
        guard scheme else {
            // scp-style host:path
            if let colon = u.firstIndex(of: ":") { u.replaceSubrange(colon...colon, with: "/") }
            return u
        }
        guard let slash = u.firstIndex(of: "/") else { return u }
        var host = String(u[..<slash])
        if let colon = host.firstIndex(of: ":") { host = String(host[..<colon]) }  // a port
        return host + u[slash...]
    }
}

extension Hub {
    /// A verified push: fetches each repository of the payload that applications use, at once,
    /// and renders their apps again. Returns how many repositories matched.
    public func gitPushed(_ push: GitPush) async -> Int {
        let wanted = Set(push.repositoryURLs.map(RepoURL.identity))
        let matched = ((try? await repositoriesInUse()) ?? []).filter { wanted.contains(RepoURL.identity($0)) }
        logger.info("git push webhook", metadata: ["forge": "\(push.forge)", "refs": "\(push.refs.joined(separator: ","))", "repositories": "\(matched.count)"])
        let since = ContinuousClock.now
        for url in matched {
            Task { await self.pollRepository(url, since: since) }
        }
        return matched.count
    }
}
