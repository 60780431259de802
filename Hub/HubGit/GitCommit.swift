import Foundation

/// A commit a revision resolved to: what the hub shows next to an application's sync status
/// and pins a render to.
public struct GitCommit: Sendable, Codable, Hashable {
    /// Full 40-hex-digit object id.
    public var sha: String
    public var authorName: String
    public var authorEmail: String
    /// Author date.
    public var date: Date
    public var message: String

    public init(sha: String, authorName: String, authorEmail: String, date: Date, message: String) {
        self.sha = sha
        self.authorName = authorName
        self.authorEmail = authorEmail
        self.date = date
        self.message = message
    }
}

/// One file read from a commit's tree.
public struct GitFile: Sendable, Hashable {
    /// Path relative to the repository root, `/`-separated, e.g. `guestbook/svc.yaml`.
    public var path: String
    /// The blob's bytes; empty for a symbolic link.
    public var data: Data
    /// For a symbolic link, the link's target as stored in Git (which is not followed: a link may
    /// point outside the repository). `nil` for a regular or executable file.
    public var symlinkTarget: String?

    public init(path: String, data: Data, symlinkTarget: String? = nil) {
        self.path = path
        self.data = data
        self.symlinkTarget = symlinkTarget
    }

    public var isSymlink: Bool { symlinkTarget != nil }
}
