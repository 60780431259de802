import Foundation
import HawserProtocol

/// Renders a directory of plain Kubernetes YAML and JSON files into manifests, as Argo CD does for
/// a "directory" source.
///
/// Pure and synchronous (no I/O): the caller reads the files, e.g. from `GitRepository.files`,
/// and runs this next to that blocking read, off the cooperative pool.
public struct DirectoryRenderer: Sendable {
    /// Whether files in subdirectories of the root are included.
    public var recurse: Bool
    /// Only paths (relative to the root) matching this render, when set.
    public var include: Glob?
    /// Paths (relative to the root) matching this never render.
    public var exclude: Glob?

    /// Extensions that are rendered; every other file is ignored (READMEs, scripts, Helm values).
    static let extensions: Set<String> = ["yaml", "yml", "json"]

    public init(recurse: Bool = true, include: Glob? = nil, exclude: Glob? = nil) {
        self.recurse = recurse
        self.include = include
        self.exclude = exclude
    }

    /// From an application's directory options; a pattern that does not parse is an error the
    /// user must fix (it would otherwise silently select nothing).
    public init(_ options: DirectoryOptions?) throws(RenderError) {
        func glob(_ pattern: String?, _ name: String) throws(RenderError) -> Glob? {
            guard let pattern, !pattern.isEmpty else { return nil }
            do { return try Glob(pattern) } catch {
                throw RenderError(file: "directory.\(name)", line: nil, message: "\"\(pattern)\" is not a valid glob: \(error)")
            }
        }
        self.init(recurse: options?.recurse ?? true, include: try glob(options?.include, "include"), exclude: try glob(options?.exclude, "exclude"))
    }

    /// Renders every `.yaml`, `.yml` and `.json` file under `root`, except hidden ones (a name
    /// or directory below `root` starting with `.`).
    ///
    /// - Parameters:
    ///   - files: repository-relative paths (as `GitFile.path`) with their bytes; files outside
    ///     `root` are ignored, so a whole tree can be passed.
    ///   - root: directory relative to the repository root; `""` or `"."` for the root itself.
    /// - Returns: manifests ordered by file path, then by position in the file, so the same
    ///   revision always renders to the same list (and the same digest).
    /// - Throws: the first `RenderError` in path order; nothing is returned for a broken revision.
    public func render(files: [(path: String, data: Data)], under root: String) throws(RenderError) -> [Manifest] {
        var manifests: [Manifest] = []
        for file in selectedFiles(files, under: root) {
            let text = try Self.decodeUTF8(file.data, file: file.path)
            for document in try YAMLDocuments.parse(text, file: file.path) {
                manifests += try ManifestValidation.manifests(from: document, file: file.path)
            }
        }
        return manifests
    }

    /// The files this renderer reads, normalized and in path order.
    func selectedFiles(_ files: [(path: String, data: Data)], under root: String) -> [(path: String, data: Data)] {
        let rootPrefix = Self.normalize(root)
        return files
            .map { (path: Self.normalize($0.path), data: $0.data) }
            .filter { include($0.path, under: rootPrefix) }
            .sorted { $0.path < $1.path }
    }

    func include(_ path: String, under root: String) -> Bool {
        let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        guard path.contains("."), Self.extensions.contains(ext) else { return false }
        let relative: Substring
        if root.isEmpty {
            relative = Substring(path)
        } else {
            guard path.hasPrefix(root + "/") else { return false }
            relative = path.dropFirst(root.count + 1)
        }
        // Dot-files and dot-directories hold tool configuration (`.github/workflows`,
        // `.pre-commit-config.yaml`, `.argocd-source.yaml`), never manifests; rendering them would
        // fail the whole revision.
        if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { return false }
        guard recurse || !relative.contains("/") else { return false }
        if let exclude, exclude.matches(String(relative)) { return false }
        if let include, !include.matches(String(relative)) { return false }
        return true
    }

    /// `./a/b/` and `a//b` become `a/b`; `.` and `/` become the root, `""`.
    public static func normalize(_ path: String) -> String {
        path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    /// Strict UTF-8 (a leading byte-order mark is dropped): a file in another encoding would
    /// otherwise render as garbage that fails far from its cause.
    static func decodeUTF8(_ data: Data, file: String) throws(RenderError) -> String {
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RenderError(file: file, line: nil, message: "file is not valid UTF-8; save it as UTF-8")
        }
        return text
    }
}
