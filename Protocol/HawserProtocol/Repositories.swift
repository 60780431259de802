import Foundation

/// `POST /api/v1/repositories` (`hawser repo add`). Secrets travel only in this request: no
/// response, list or log ever carries them back.
public struct RepositoryCreateRequest: Codable, Sendable, Hashable {
    /// https://, http://, ssh:// or scp-style `git@host:org/repo.git`, file:// or a local path.
    public var url: String
    public var username: String?
    /// Password or access token for HTTPS.
    public var password: String?
    /// PEM/OpenSSH private key for SSH.
    public var sshPrivateKey: String?
    /// `known_hosts` lines the SSH server's key must match (from `ssh-keyscan`).
    public var sshKnownHosts: [String]?
    /// Accept any TLS certificate or SSH host key (Argo CD's `--insecure-skip-server-verification`).
    public var insecure: Bool?
    /// Replace an existing registration instead of refusing (Argo CD's `--upsert`).
    public var upsert: Bool?

    public init(url: String, username: String? = nil, password: String? = nil, sshPrivateKey: String? = nil,
                sshKnownHosts: [String]? = nil, insecure: Bool? = nil, upsert: Bool? = nil) {
        self.url = url
        self.username = username
        self.password = password
        self.sshPrivateKey = sshPrivateKey
        self.sshKnownHosts = sshKnownHosts
        self.insecure = insecure
        self.upsert = upsert
    }
}

/// A registered repository as the API shows it: whether credentials exist, never what they are.
public struct RepositoryView: Codable, Sendable, Hashable {
    public var url: String
    /// `https`, `ssh` or `local`.
    public var type: String
    public var username: String?
    public var hasPassword: Bool
    public var hasSSHKey: Bool
    public var insecure: Bool
    public var sshKnownHosts: Int
    /// Argo CD's connection state: `Successful`, `Failed` or `Unknown` (not fetched yet).
    public var connectionState: String
    /// Why the last fetch failed, and what to do about it.
    public var message: String?
    public var lastFetchedAt: Date?
    /// The remote's default branch (`refs/heads/main`) and where its branches point.
    public var defaultBranch: String?
    public var branches: [String: String]?
    /// Applications whose source is this repository.
    public var applications: Int
    public var createdAt: Date?

    public init(url: String, type: String, username: String?, hasPassword: Bool, hasSSHKey: Bool, insecure: Bool, sshKnownHosts: Int,
                connectionState: String, message: String?, lastFetchedAt: Date?, defaultBranch: String?, branches: [String: String]?,
                applications: Int, createdAt: Date?) {
        self.url = url
        self.type = type
        self.username = username
        self.hasPassword = hasPassword
        self.hasSSHKey = hasSSHKey
        self.insecure = insecure
        self.sshKnownHosts = sshKnownHosts
        self.connectionState = connectionState
        self.message = message
        self.lastFetchedAt = lastFetchedAt
        self.defaultBranch = defaultBranch
        self.branches = branches
        self.applications = applications
        self.createdAt = createdAt
    }
}

/// One spelling per repository, so `https://github.com/Org/App.git/` and
/// `https://github.com/org/app` find the same credentials and mirror (as Argo CD normalizes).
public enum RepoURL {
    public static func normalized(_ url: String) -> String {
        var u = url.trimmingCharacters(in: .whitespaces)
        // `file:///srv/git/app` and `/srv/git/app` are one repository.
        if u.hasPrefix("file://") { u.removeFirst("file://".count) }
        while u.hasSuffix("/") { u.removeLast() }
        if u.hasSuffix(".git") { u.removeLast(4) }
        // Host names are case-insensitive; paths may not be (a self-hosted server's are not),
        // so only the scheme and host are lowercased. Local paths stay as they are.
        return isLocal(u) ? u : lowercasingHost(u)
    }

    static func lowercasingHost(_ url: String) -> String {
        if let scheme = url.range(of: "://") {
            let rest = url[scheme.upperBound...]
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            let authority = rest[..<end]
            // The user name keeps its case; only the host (after `@`) is case-insensitive.
            let at = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
            return url[..<scheme.upperBound].lowercased() + authority[..<at] + authority[at...].lowercased() + rest[end...]
        }
        // scp-style user@host:path
        if let colon = url.firstIndex(of: ":") {
            let head = url[..<colon]
            let at = head.lastIndex(of: "@").map { head.index(after: $0) } ?? head.startIndex
            return head[..<at] + head[at...].lowercased() + url[colon...]
        }
        return url
    }

    public static func isLocal(_ url: String) -> Bool {
        url.hasPrefix("file://") || url.hasPrefix("/") || url.hasPrefix(".")
    }

    public static func isSSH(_ url: String) -> Bool {
        url.hasPrefix("ssh://") || (!url.contains("://") && url.contains("@") && url.contains(":"))
    }

    public static func type(_ url: String) -> String {
        isLocal(url) ? "local" : isSSH(url) ? "ssh" : "https"
    }
}
