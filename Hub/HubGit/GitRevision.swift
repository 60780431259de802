import CLibGit2
import Foundation

extension GitRepository {
    /// Resolves a revision to the commit it names.
    ///
    /// Accepts what `git rev-parse` accepts, in its order: `HEAD`, full ref names, tags (annotated
    /// tags are peeled to their commit), local branches (`refs/heads/*`), full or abbreviated
    /// SHAs, and suffixes like `main~1`. A name found nowhere else is then tried as a
    /// remote-tracking branch `refs/remotes/origin/<name>`, which is where branches live in a
    /// plain clone the hub fetches into. Local branches win over `origin/*` ones, as in Git.
    ///
    /// Blocking: call from a thread pool, not the cooperative pool.
    public func resolve(_ revision: String) throws(GitError) -> GitCommit {
        let rev = revision.trimmingCharacters(in: .whitespaces)
        guard !rev.isEmpty else { throw GitError("empty revision in \(path)") }
        return try withHandle { repo throws(GitError) in
            let commit = try lookupCommit(repo, rev)
            defer { git_commit_free(commit) }
            return GitCommit(commit)
        }
    }

    /// Finds the commit `revision` names. The caller frees the result with `git_commit_free`.
    /// Must be called with the lock held.
    func lookupCommit(_ repo: OpaquePointer, _ revision: String) throws(GitError) -> OpaquePointer {
        var object: OpaquePointer?
        var code = git_revparse_single(&object, repo, revision)
        if code == GIT_ENOTFOUND.rawValue, !revision.hasPrefix("refs/") {
            code = git_revparse_single(&object, repo, "refs/remotes/origin/\(revision)")
        }
        guard code == 0, let object else {
            if code == GIT_ENOTFOUND.rawValue {
                throw GitError("unknown revision \"\(revision)\" in \(path): no branch, tag or commit by that name")
            }
            if code == GIT_EAMBIGUOUS.rawValue {
                throw GitError("ambiguous revision \"\(revision)\" in \(path): use more digits of the SHA")
            }
            throw GitError.libgit2("resolving revision \"\(revision)\" in \(path)", code: code)
        }
        defer { git_object_free(object) }
        var peeled: OpaquePointer?
        let peel = git_object_peel(&peeled, object, GIT_OBJECT_COMMIT)
        guard peel == 0, let peeled else {
            throw GitError.libgit2("revision \"\(revision)\" in \(path) does not name a commit", code: peel)
        }
        return peeled
    }
}

extension GitCommit {
    /// Reads a commit's metadata. The pointer stays owned by the caller.
    init(_ commit: OpaquePointer) {
        let sha = hexString(git_commit_id(commit))
        var name = "", email = "", date = Date(timeIntervalSince1970: 0)
        if let author = git_commit_author(commit) {
            name = author.pointee.name.map { String(cString: $0) } ?? ""
            email = author.pointee.email.map { String(cString: $0) } ?? ""
            date = Date(timeIntervalSince1970: TimeInterval(author.pointee.when.time))
        }
        let message = git_commit_message(commit).map { String(cString: $0) } ?? ""
        self.init(sha: sha, authorName: name, authorEmail: email, date: date, message: message)
    }
}

/// The 40-hex-digit form of an object id.
func hexString(_ oid: UnsafePointer<git_oid>?) -> String {
    guard let oid else { return "" }
    var buffer = [CChar](repeating: 0, count: Int(GIT_OID_HEXSZ))
    git_oid_fmt(&buffer, oid) // writes exactly 40 digits, no terminator
    return String(decoding: buffer.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
