import Foundation
import HawserProtocol
import Yams

/// The line each field of a document is written on, by path (`spec.source.helm.parameters[0].name`),
/// so a message about one field of a long file can point at it rather than at the document's
/// first line. Aliases and merged keys point where they are written, not where they came from.
public struct FieldLines: Sendable, Hashable {
    private var lines: [String: Int]

    public init(_ lines: [String: Int] = [:]) { self.lines = lines }

    /// The line of `path`, or of its nearest written ancestor (a field that is missing is
    /// reported where its parent is).
    public func line(of path: String) -> Int? {
        var p = Substring(path)
        while !p.isEmpty {
            if let line = lines[String(p)] { return line }
            guard let cut = p.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            p = p[..<cut]
        }
        return nil
    }

    static func collect(_ node: Node) -> FieldLines {
        var lines: [String: Int] = [:]
        var budget = 100_000  // a pathological document only loses precision, never hangs
        func walk(_ node: Node, _ path: String) {
            budget -= 1
            guard budget > 0 else { return }
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping {
                    guard case .scalar(let k) = key else { continue }
                    let child = path.isEmpty ? k.string : path + "." + k.string
                    if let line = key.mark?.line { lines[child] = line }
                    walk(value, child)
                }
            case .sequence(let sequence):
                for (i, item) in sequence.enumerated() {
                    let child = "\(path)[\(i)]"
                    if let line = item.mark?.line { lines[child] = line }
                    walk(item, child)
                }
            case .scalar, .alias:
                return
            }
        }
        walk(node, "")
        return FieldLines(lines)
    }
}

/// A manifest with the lines of its fields.
public struct LocatedManifest: Sendable {
    public var manifest: Manifest
    public var fields: FieldLines
}

extension DirectoryRenderer {
    /// As `render`, with each manifest's field lines (items of a `kind: List` have none: their
    /// messages point at the item).
    public func locatedManifests(files: [(path: String, data: Data)], under root: String) throws(RenderError) -> [LocatedManifest] {
        var out: [LocatedManifest] = []
        for file in selectedFiles(files, under: root) {
            let text = try Self.decodeUTF8(file.data, file: file.path)
            for document in try YAMLDocuments.parse(text, file: file.path) {
                let manifests = try ManifestValidation.manifests(from: document, file: file.path)
                let isList = manifests.count != 1 || manifests[0].line != document.line || manifests[0].object["kind"]?.stringValue == "List"
                let fields = isList ? FieldLines() : FieldLines.collect(document.root)
                out += manifests.map { LocatedManifest(manifest: $0, fields: fields) }
            }
        }
        return out
    }
}
