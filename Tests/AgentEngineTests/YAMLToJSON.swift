import Foundation
import HawserProtocol
import Yams

/// Converts YAML text to `JSONValue` the way Kubernetes reads manifests: integers stay
/// integers, `1.5` is a double, `true`/`null` are typed, and everything else (timestamps,
/// quoted numbers, `25%`) is a string.
enum YAMLToJSON {
    static func parse(_ yaml: String) throws -> JSONValue {
        guard let node = try Yams.compose(yaml: yaml) else { return .null }
        return convert(node)
    }

    /// Every document of a multi-document stream, with the 1-based line each starts on.
    static func parseAll(_ yaml: String) throws -> [(line: Int, value: JSONValue)] {
        try Yams.compose_all(yaml: yaml).map { node in
            ((node.mark?.line ?? 1), convert(node))
        }
    }

    static func convert(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
            case .int: return node.int.map { .int(Int64($0)) } ?? .string(scalar.string)
            case .float: return node.float.map(JSONValue.double) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                object[key.string ?? ""] = convert(value)
            }
            return .object(object)
        case .sequence(let sequence):
            return .array(sequence.map(convert))
        case .alias:
            return .null
        }
    }
}
