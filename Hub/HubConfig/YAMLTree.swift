import Foundation
import HawserProtocol
import Yams

/// A document to write, with its keys in the order people read them (apiVersion, kind,
/// metadata, spec) rather than sorted, and strings quoted only where YAML would read them as
/// something else ("true", "0123", "null").
public indirect enum YAMLTree: Sendable, Hashable {
    case string(String)
    case int(Int)
    case number(Double)
    case bool(Bool)
    case list([YAMLTree])
    case map([Entry])

    public struct Entry: Sendable, Hashable {
        public var key: String
        public var value: YAMLTree
    }

    static func map(_ pairs: [(String, YAMLTree)]) -> YAMLTree { .map(pairs.map { Entry(key: $0.0, value: $0.1) }) }

    static func stringMap(_ m: [String: String]) -> YAMLTree { .map(m.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }) }

    /// A JSON value as written (keys sorted: JSON objects have no order of their own).
    static func from(_ value: JSONValue) -> YAMLTree {
        switch value {
        case .null: .string("")
        case .bool(let b): .bool(b)
        case .int(let i): .int(Int(i))
        case .double(let d): .number(d)
        case .string(let s): .string(s)
        case .array(let a): .list(a.map(from))
        case .object(let o): .map(o.sorted { $0.key < $1.key }.map { ($0.key, from($0.value)) })
        }
    }

    var node: Node {
        switch self {
        case .string(let s):
            // Multi-line text (Helm values, policy.csv) as a literal block, as people write it.
            if s.contains("\n") && !s.hasPrefix(" ") && !s.contains("\r") && !s.contains("\t") && s.allSatisfy({ !$0.isNewline || $0 == "\n" }) {
                return .scalar(.init(s, Tag(.str), .literal))
            }
            return .scalar(s.represented())
        case .int(let i): return .scalar(.init(String(i)))
        case .number(let d): return .scalar(.init(d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : "\(d)"))
        case .bool(let b): return .scalar(.init(b ? "true" : "false"))
        case .list(let items): return .sequence(.init(items.map(\.node)))
        case .map(let entries): return .mapping(.init(entries.map { (Node.scalar($0.key.represented()), $0.value.node) }))
        }
    }

    /// The YAML text of this document.
    public func yaml() -> String {
        (try? Yams.serialize(node: node, indent: 2, width: -1, allowUnicode: true, sortKeys: false)) ?? ""
    }
}
