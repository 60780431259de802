/// Why a revision could not be rendered, pointing at the file and line to fix.
///
/// Rendering is all or nothing: one broken file fails the whole render, so an application never
/// gets a partial set of manifests (which auto-sync with prune would treat as deletions).
public struct RenderError: Error, CustomStringConvertible, Sendable, Hashable {
    /// Repository-relative path of the offending file.
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `guestbook/bad.yaml:7: mapping values are not allowed in this context`
    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}
