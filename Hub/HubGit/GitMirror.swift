import CLibGit2
import Foundation

/// What a fetch found on the remote.
public struct GitFetchResult: Sendable, Equatable {
    /// Every branch and tag of the mirror after the fetch: ref name to object id.
    public var refs: [String: String]
    /// The remote's default branch (`refs/heads/main`), which `HEAD` names in the mirror.
    public var defaultBranch: String?
    /// Branches whose new commit does not descend from the old one (a force push): ref name to
    /// the commit that left the branch's history.
    public var forcedUpdates: [String: String]
    /// Whether any branch or tag moved, appeared or went away: when false nothing needs
    /// rendering again.
    public var changed: Bool

    public init(refs: [String: String], defaultBranch: String?, forcedUpdates: [String: String] = [:], changed: Bool = true) {
        self.refs = refs
        self.defaultBranch = defaultBranch
        self.forcedUpdates = forcedUpdates
        self.changed = changed
    }
}

/// A bare copy of a remote in the hub's data directory: the hub fetches each repository once
/// per poll into its mirror and renders every application from it, however many use it.
///
/// Fetches mirror branches and tags (`+refs/heads/*`, `+refs/tags/*`) and prune what the
/// remote deleted, so a deleted branch stops resolving instead of serving a stale commit.
public enum GitMirror {
    /// Creates the mirror if needed and fetches into it.
    ///
    /// Blocking (network and disk): call from a thread pool, never the cooperative pool. Not
    /// safe to run twice at once for one `directory`; the hub runs one fetch per repository at a
    /// time. Readers may open the mirror while it is fetched into: Git writes objects before it
    /// moves refs.
    ///
    /// - Parameter deadline: the fetch is cancelled when transfer progress is reported after it
    ///   (libgit2 1.5 has no socket timeout, so a server that sends nothing at all is only bounded
    ///   by the operating system's TCP timeouts).
    public static func fetch(remote url: String, into directory: String, credentials: GitCredentials,
                             deadline: Date = .distantFuture) throws(GitError) -> GitFetchResult {
        ensureLibgit2()
        var repo: OpaquePointer?
        if FileManager.default.fileExists(atPath: directory + "/HEAD") {
            try check(git_repository_open_bare(&repo, directory), "opening the mirror at \(directory)")
        } else {
            try check(git_repository_init(&repo, directory, 1), "creating the mirror at \(directory)")
        }
        guard let repo else { throw GitError("cannot open the mirror at \(directory)") }
        defer { git_repository_free(repo) }
        let before = try references(repo)

        var remote: OpaquePointer?
        try check(git_remote_create_anonymous(&remote, repo, url), "using remote \(url)")
        defer { git_remote_free(remote) }

        let callbacks = FetchCallbacks(url: url, credentials: credentials, deadline: deadline)
        var options = git_fetch_options()
        git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION))
        options.prune = GIT_FETCH_PRUNE
        options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE  // the refspec names tags itself
        options.callbacks.credentials = { out, _, usernameFromURL, allowed, payload in
            Unmanaged<FetchCallbacks>.fromOpaque(payload!).takeUnretainedValue().credential(out, usernameFromURL, allowed)
        }
        options.callbacks.certificate_check = { cert, valid, host, payload in
            Unmanaged<FetchCallbacks>.fromOpaque(payload!).takeUnretainedValue().checkCertificate(cert, valid: valid != 0, host: host)
        }
        options.callbacks.transfer_progress = { _, payload in
            Unmanaged<FetchCallbacks>.fromOpaque(payload!).takeUnretainedValue().progress()
        }
        options.callbacks.sideband_progress = { _, _, payload in
            Unmanaged<FetchCallbacks>.fromOpaque(payload!).takeUnretainedValue().progress()
        }
        let code: Int32 = withExtendedLifetime(callbacks) {
            options.callbacks.payload = Unmanaged.passUnretained(callbacks).toOpaque()
            let refspecs = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]
            var specs: [UnsafeMutablePointer<CChar>?] = refspecs.map { strdup($0) }
            defer { specs.forEach { free($0) } }
            return specs.withUnsafeMutableBufferPointer { buffer in
                var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
                return git_remote_fetch(remote, &array, &options, "hawser: fetch")
            }
        }
        if code < 0 {
            // Our callbacks know better than libgit2's generic "callback returned error".
            if let failure = callbacks.failure { throw GitError("fetching \(url): \(failure)") }
            throw GitError.libgit2("fetching \(url)", code: code)
        }

        var defaultBranch: String?
        var buffer = git_buf()
        if git_remote_default_branch(&buffer, remote) == 0, let ptr = buffer.ptr {
            let name = String(cString: ptr)
            if git_repository_set_head(repo, name) == 0 { defaultBranch = name }
        }
        git_buf_dispose(&buffer)

        let after = try references(repo)
        var forced: [String: String] = [:]
        for (ref, old) in before where ref.hasPrefix("refs/heads/") {
            guard let new = after[ref], new != old else { continue }
            if !isAncestor(repo, old, of: new) { forced[ref] = old }
        }
        return GitFetchResult(refs: after, defaultBranch: defaultBranch, forcedUpdates: forced, changed: before != after)
    }

    /// Sets the CA bundle libgit2 trusts for HTTPS (process-wide; `--git-ca-file`).
    public static func trustCertificates(file: String) throws(GitError) {
        ensureLibgit2()
        try check(hawser_git_set_ssl_cert_file(file), "loading CA certificates from \(file)")
    }

    static func references(_ repo: OpaquePointer) throws(GitError) -> [String: String] {
        var names = git_strarray()
        try check(git_reference_list(&names, repo), "listing references")
        defer { git_strarray_dispose(&names) }
        var out: [String: String] = [:]
        for index in 0..<names.count {
            guard let raw = names.strings[index] else { continue }
            let name = String(cString: raw)
            var oid = git_oid()
            if git_reference_name_to_id(&oid, repo, name) == 0 { out[name] = hexString(&oid) }
        }
        return out
    }

    static func isAncestor(_ repo: OpaquePointer, _ old: String, of new: String) -> Bool {
        var a = git_oid(), b = git_oid()
        guard git_oid_fromstr(&a, old) == 0, git_oid_fromstr(&b, new) == 0 else { return false }
        return git_graph_descendant_of(repo, &b, &a) == 1
    }
}

/// State the C callbacks of one fetch share, reached through libgit2's payload pointer.
final class FetchCallbacks {
    let url: String
    let credentials: GitCredentials
    let deadline: Date
    var attempts = 0
    /// Why a callback stopped the fetch, in words for the application's condition.
    var failure: String?

    init(url: String, credentials: GitCredentials, deadline: Date) {
        self.url = url
        self.credentials = credentials
        self.deadline = deadline
    }

    func credential(_ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>?, _ usernameFromURL: UnsafePointer<CChar>?, _ allowed: UInt32) -> Int32 {
        attempts += 1
        // libgit2 asks again after the server refused what we gave: give up at once instead of
        // looping, and say which kind of credential was refused.
        switch credentials.secret {
        case .none:
            failure = "the server asks for credentials and none are registered; add them with `hawser repo add \(url) --username U --password P` (or --ssh-key FILE for SSH)"
            return GIT_EAUTH.rawValue
        case .password(let username, let password):
            guard attempts == 1 else {
                failure = "authentication failed: the server refused username \"\(username)\" with the registered password or token; update them with `hawser repo add \(url) --upsert ...`"
                return GIT_EAUTH.rawValue
            }
            guard allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0 else {
                failure = "the server does not accept a username and password here (an SSH URL needs --ssh-key)"
                return GIT_EAUTH.rawValue
            }
            return git_credential_userpass_plaintext_new(out, username, password)
        case .sshKey(let username, let key, let passphrase):
            let user = usernameFromURL.map { String(cString: $0) } ?? username
            if allowed & GIT_CREDENTIAL_USERNAME.rawValue != 0 {
                return git_credential_username_new(out, user)
            }
            guard attempts <= 2 else {
                failure = "authentication failed: the SSH server refused the registered key for user \"\(user)\"; check that its public key is a deploy key of the repository"
                return GIT_EAUTH.rawValue
            }
            guard allowed & (GIT_CREDENTIAL_SSH_KEY.rawValue | GIT_CREDENTIAL_SSH_MEMORY.rawValue) != 0 else {
                failure = "the server does not accept an SSH key here (an https URL needs --username and --password)"
                return GIT_EAUTH.rawValue
            }
            return git_credential_ssh_key_memory_new(out, user, nil, key, passphrase)
        }
    }

    func checkCertificate(_ cert: UnsafeMutablePointer<git_cert>?, valid: Bool, host rawHost: UnsafePointer<CChar>?) -> Int32 {
        if credentials.insecureSkipServerVerification { return 0 }
        let host = rawHost.map { String(cString: $0) } ?? "?"
        guard let cert else { return valid ? 0 : GIT_ECERTIFICATE.rawValue }
        if cert.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2 {
            let hostkey = UnsafeMutableRawPointer(cert).assumingMemoryBound(to: git_cert_hostkey.self).pointee
            guard hostkey.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let raw = hostkey.hostkey else {
                failure = "the SSH server \(host) did not present a host key that can be checked"
                return GIT_ECERTIFICATE.rawValue
            }
            let presented = Data(bytes: raw, count: hostkey.hostkey_len)
            let known = credentials.knownHostKeys(for: host)
            if known.contains(presented) { return 0 }
            failure = known.isEmpty
                ? "the SSH host key of \(host) is not known; register it with `hawser repo add \(url) --ssh-known-hosts FILE` (a file from `ssh-keyscan \(host)`), or skip the check with --insecure-skip-server-verification"
                : "the SSH host key of \(host) does not match the registered known hosts: the server may be impersonated; if its key really changed, re-register it with --ssh-known-hosts"
            return GIT_ECERTIFICATE.rawValue
        }
        if valid { return 0 }
        failure = "the TLS certificate of \(host) is not trusted; start the hub with --git-ca-file naming its CA, or skip the check for this repository with --insecure-skip-server-verification"
        return GIT_ECERTIFICATE.rawValue
    }

    func progress() -> Int32 {
        guard Date() > deadline else { return 0 }
        failure = "the fetch took longer than its time limit and was cancelled; check the remote, or raise --git-fetch-timeout"
        return GIT_EUSER.rawValue
    }
}
