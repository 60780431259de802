/// A repository-relative directory path, checked before it reaches libgit2.
///
/// Paths come from users (an application's `path`), so `..` is refused outright rather than
/// resolved: nothing outside the repository root may be named, and there is one spelling of
/// every directory.
struct GitPath: Equatable {
    /// Components without `.` or empty parts; empty for the root.
    let components: [String]

    init(_ raw: String) throws(GitError) {
        var parts: [String] = []
        for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { throw GitError("path \"\(raw)\" contains \"..\"; paths are relative to the repository root and may not leave it") }
            parts.append(String(part))
        }
        components = parts
    }

    var isRoot: Bool { components.isEmpty }

    /// `a/b`, or `""` for the root.
    var string: String { components.joined(separator: "/") }

    /// `parent/name` without a leading slash at the root.
    static func join(_ parent: String, _ name: String) -> String {
        parent.isEmpty ? name : "\(parent)/\(name)"
    }
}
