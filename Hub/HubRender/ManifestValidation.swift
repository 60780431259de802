import HawserProtocol
import Yams

/// Turns one parsed document into manifests: checks it is a Kubernetes object and expands a
/// `kind: List` into its items (as kubectl does), each keeping its own line.
enum ManifestValidation {
    static func manifests(from document: YAMLDocument, file: String) throws(RenderError) -> [Manifest] {
        guard case .mapping(let mapping) = document.root else {
            throw RenderError(file: file, line: document.line,
                              message: "document is a \(shape(document.root)), not a mapping; each YAML document must be one Kubernetes object (apiVersion, kind, metadata…)")
        }
        var conversion = NodeConversion(file: file)
        let object = try conversion.value(document.root)
        try requireTypeFields(object, file: file, line: document.line)

        guard object["kind"]?.stringValue == "List" else {
            return [Manifest(source: file, line: document.line, object: object)]
        }
        // Item lines come from the `items` sequence node when it is written out literally.
        var itemLines: [Int] = []
        if case .sequence(let items)? = mapping["items"] {
            itemLines = items.map { $0.mark?.line ?? document.line }
        }
        guard let items = object["items"]?.arrayValue else {
            if object["items"] == nil || object["items"] == .null { return [] }
            throw RenderError(file: file, line: document.line, message: "kind: List needs `items` to be a list of objects")
        }
        var out: [Manifest] = []
        for (index, item) in items.enumerated() {
            let line = index < itemLines.count ? itemLines[index] : document.line
            guard item.objectValue != nil else {
                throw RenderError(file: file, line: line, message: "item \(index) of a kind: List is not a mapping; each item must be a Kubernetes object")
            }
            try requireTypeFields(item, file: file, line: line)
            out.append(Manifest(source: file, line: line, object: item))
        }
        return out
    }

    static func requireTypeFields(_ object: JSONValue, file: String, line: Int) throws(RenderError) {
        for field in ["apiVersion", "kind"] {
            guard let value = object[field] else {
                throw RenderError(file: file, line: line, message: "object has no \(field); every Kubernetes object needs apiVersion and kind (e.g. apiVersion: apps/v1, kind: Deployment)")
            }
            guard let text = value.stringValue, !text.isEmpty else {
                throw RenderError(file: file, line: line, message: "\(field) must be a non-empty string, e.g. \(field == "kind" ? "kind: ConfigMap" : "apiVersion: v1")")
            }
        }
    }

    static func shape(_ node: Node) -> String {
        switch node {
        case .scalar: return "scalar"
        case .sequence: return "list"
        case .mapping: return "mapping"
        case .alias: return "alias"
        }
    }
}
