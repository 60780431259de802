import CLibGit2

/// A failed Git operation. The message says what was attempted and, when libgit2 reported
/// something, its own explanation, so an application condition can show it verbatim.
public struct GitError: Error, CustomStringConvertible, Sendable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    /// Builds an error from libgit2's thread-local last error (read right after the failing call,
    /// on the same thread, which the repository lock guarantees).
    static func libgit2(_ attempted: String, code: Int32) -> GitError {
        if let last = git_error_last(), let text = last.pointee.message {
            return GitError("\(attempted): \(String(cString: text))")
        }
        return GitError("\(attempted): libgit2 error \(code)")
    }
}

/// Throws a `GitError` describing `attempted` when a libgit2 call returned a negative code.
@inline(__always)
func check(_ code: Int32, _ attempted: @autoclosure () -> String) throws(GitError) {
    if code < 0 { throw GitError.libgit2(attempted(), code: code) }
}
