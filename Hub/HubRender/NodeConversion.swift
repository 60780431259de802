import HawserProtocol
import Yams

/// Converts a composed YAML node tree to `JSONValue`, following kubectl's YAML-to-JSON rules:
/// mapping keys become strings (`1:` is `"1"`, `true:` is `"true"`), `<<` merge keys are
/// applied, aliases are expanded.
///
/// Expansion is bounded: a few anchors can describe an exponentially large tree ("billion
/// laughs"), and the hub must not be taken down by a repository it renders.
struct NodeConversion {
    static let maxNodes = 1_000_000
    /// Scalar bytes after alias expansion: a 64 KiB string referenced 100,000 times is few
    /// nodes but gigabytes of JSON.
    static let maxBytes = 64 << 20

    let file: String
    private(set) var budget = NodeConversion.maxNodes
    private(set) var byteBudget = NodeConversion.maxBytes

    init(file: String) {
        self.file = file
    }

    mutating func value(_ node: Node) throws(RenderError) -> JSONValue {
        budget -= 1
        guard budget >= 0 else {
            throw RenderError(file: file, line: node.mark?.line, message: "document expands to more than \(Self.maxNodes) values (aliases nested too deeply?)")
        }
        switch node {
        case .scalar(let scalar):
            byteBudget -= scalar.string.utf8.count
            guard byteBudget >= 0 else {
                throw RenderError(file: file, line: scalar.mark?.line, message: "document expands to more than \(Self.maxBytes >> 20) MiB of text (an alias of a large value repeated?)")
            }
            do {
                return try YAMLScalars.value(of: scalar)
            } catch {
                switch error {
                case .notRepresentable(let text):
                    throw RenderError(file: file, line: scalar.mark?.line, message: "\(text) cannot be represented in JSON; quote it to make it a string")
                case .badTaggedValue(let tag, let text):
                    throw RenderError(file: file, line: scalar.mark?.line, message: "\"\(text)\" is not a valid \(tag)")
                }
            }
        case .sequence(let sequence):
            var items: [JSONValue] = []
            items.reserveCapacity(sequence.count)
            for child in sequence { items.append(try value(child)) }
            return .array(items)
        case .mapping(let mapping):
            return .object(try object(mapping))
        case .alias(let alias):
            throw RenderError(file: file, line: alias.mark?.line, message: "unresolved alias")
        }
    }

    /// Explicit keys win over merged ones; among several merged mappings the first wins (YAML
    /// merge key semantics).
    private mutating func object(_ mapping: Node.Mapping) throws(RenderError) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        var merged: [[String: JSONValue]] = []
        for (keyNode, valueNode) in mapping {
            if isMergeKey(keyNode) {
                merged += try mergeSources(valueNode)
                continue
            }
            result[try key(keyNode)] = try value(valueNode)
        }
        for source in merged {
            for (k, v) in source where result[k] == nil { result[k] = v }
        }
        return result
    }

    private func isMergeKey(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return scalar.string == "<<"
    }

    private mutating func mergeSources(_ node: Node) throws(RenderError) -> [[String: JSONValue]] {
        switch node {
        case .mapping(let mapping):
            return [try object(mapping)]
        case .sequence(let sequence):
            var sources: [[String: JSONValue]] = []
            for item in sequence {
                guard case .mapping(let mapping) = item else {
                    throw RenderError(file: file, line: item.mark?.line, message: "a << merge list may hold only mappings")
                }
                sources.append(try object(mapping))
            }
            // Returned in order; `object(_:)` lets the first source that has a key win.
            return sources
        default:
            throw RenderError(file: file, line: node.mark?.line, message: "a << merge key needs a mapping or a list of mappings")
        }
    }

    private mutating func key(_ node: Node) throws(RenderError) -> String {
        guard case .scalar = node else {
            throw RenderError(file: file, line: node.mark?.line, message: "mapping keys must be scalars to convert to JSON")
        }
        switch try value(node) {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        default: return ""
        }
    }
}
