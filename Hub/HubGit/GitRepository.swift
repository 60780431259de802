import CLibGit2
import Foundation

/// Read-only access to one Git repository on local disk.
///
/// Every method blocks on disk I/O and libgit2 work: call them from a thread pool (e.g. a
/// `NIOThreadPool`), never from Swift concurrency's cooperative pool, which has only as many
/// threads as cores. A `git_repository` is not safe for concurrent use, so one lock serialises
/// all access to this instance; open one instance per repository and share it.
public final class GitRepository: @unchecked Sendable {
    /// Directory the repository was opened from.
    public let path: String
    let lock = NSLock()
    let handle: OpaquePointer

    private init(path: String, handle: OpaquePointer) {
        self.path = path
        self.handle = handle
    }

    deinit {
        git_repository_free(handle)
    }

    /// Opens the repository at a local path or a `file://` URL (a working tree or a bare
    /// repository). Parent directories are not searched, so a path inside some other repository
    /// is an error rather than a silent surprise.
    public static func open(url: String) throws(GitError) -> GitRepository {
        ensureLibgit2()
        let path = try localPath(from: url)
        var repo: OpaquePointer?
        let code = git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil)
        guard code == 0, let repo else {
            if code == GIT_ENOTFOUND.rawValue {
                throw GitError("no Git repository at \(path) (not a working tree or a bare repository)")
            }
            throw GitError.libgit2("opening Git repository at \(path)", code: code)
        }
        return GitRepository(path: path, handle: repo)
    }

    static func localPath(from url: String) throws(GitError) -> String {
        if url.hasPrefix("file://") {
            guard let parsed = URL(string: url), !parsed.path.isEmpty else {
                throw GitError("invalid file URL \(url)")
            }
            return parsed.path
        }
        if url.contains("://") || url.hasPrefix("git@") {
            throw GitError("\(url) is a remote URL; GitRepository opens local repositories only (clone or fetch it first)")
        }
        return url
    }

    /// Runs `body` while holding the lock, so libgit2's thread-local last error still belongs to
    /// the call that failed when the error is built.
    func withHandle<T>(_ body: (OpaquePointer) throws(GitError) -> T) throws(GitError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(handle)
    }
}
