// Field ownership sets as server-side apply tracks them, and their `fieldsV1` wire form:
// `{"f:spec":{"f:replicas":{}},"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{}}}}`.
// A set holds leaf fields and keyed list items (the `"."` entries); plain maps are implied by
// their children, as in structured-merge-diff.

import Foundation
import HawserProtocol

enum PathElement: Hashable, Sendable {
    case field(String)
    /// An item of an associative list, by the canonical JSON of its key fields: `{"name":"app"}`.
    case key(String)
    /// `v:` / `i:` elements we only carry through unchanged.
    case other(String)

    var encoded: String {
        switch self {
        case .field(let f): return "f:" + f
        case .key(let k): return "k:" + k
        case .other(let o): return o
        }
    }

    init(encoded s: String) {
        if s.hasPrefix("f:") { self = .field(String(s.dropFirst(2))) }
        else if s.hasPrefix("k:") { self = .key(String(s.dropFirst(2))) }
        else { self = .other(s) }
    }
}

typealias FieldPath = [PathElement]

extension FieldPath {
    /// `.spec.replicas`, `.spec.template.spec.containers[name="app"].image`: the notation of conflict messages.
    var dotted: String {
        map { el -> String in
            switch el {
            case .field(let f): return "." + f
            case .key(let k):
                let inner = (try? BodyDecoding.decode(Data(k.utf8)))?.objectValue?.sorted { $0.key < $1.key }
                    .map { "\($0.key)=\($0.value.jsonString())" }.joined(separator: ",") ?? k
                return "[\(inner)]"
            case .other(let o): return "[\(o)]"
            }
        }.joined()
    }

    func hasPrefix(_ prefix: FieldPath) -> Bool {
        count >= prefix.count && Array(self[0..<prefix.count]) == prefix
    }
}

/// Which lists merge item-by-item, and by what key. Kubernetes declares this per field in its
/// schemas; we approximate with the keys the common built-in types use.
enum ListKeys {
    /// Lists of objects that the real schemas declare atomic even though their items carry a name.
    static let atomicFields: Set<String> = ["subjects", "tolerations", "rules", "matchExpressions"]

    static func keyFields(field: String, items: [JSONValue]) -> [String]? {
        guard !items.isEmpty, !atomicFields.contains(field) else { return nil }
        let objects = items.compactMap(\.objectValue)
        guard objects.count == items.count else { return nil }
        func all(_ k: String) -> Bool { objects.allSatisfy { $0[k] != nil } }
        if field == "ports" {
            if all("containerPort") { return ["containerPort", "protocol"] }
            if all("port") { return ["port", "protocol"] }
        }
        if field == "volumeMounts", all("mountPath") { return ["mountPath"] }
        if field == "ownerReferences", all("uid") { return ["uid"] }
        if all("name") { return ["name"] }
        return nil
    }

    /// The canonical key of one item; `protocol` defaults to TCP as the API server defaults it.
    static func key(of item: JSONValue, fields: [String]) -> String {
        var key: [String: JSONValue] = [:]
        for f in fields {
            if let v = item[f] { key[f] = v } else if f == "protocol" { key[f] = "TCP" }
        }
        return JSONValue.object(key).jsonString()
    }

    /// Key fields named in an encoded key, to match items against it.
    static func fields(ofKey encoded: String) -> [String] {
        (try? JSONValue.parse(Data(encoded.utf8)))?.objectValue.map { Array($0.keys) } ?? []
    }
}

struct FieldSet: Sendable, Equatable {
    var paths: Set<FieldPath> = []

    var isEmpty: Bool { paths.isEmpty }

    /// Every leaf and keyed list item of `value`.
    static func of(_ value: JSONValue) -> FieldSet {
        var set = FieldSet()
        collect(value, prefix: [], into: &set.paths)
        return set
    }

    private static func collect(_ value: JSONValue, prefix: FieldPath, into paths: inout Set<FieldPath>) {
        guard case .object(let obj) = value else {
            if !prefix.isEmpty { paths.insert(prefix) }
            return
        }
        if obj.isEmpty, !prefix.isEmpty { paths.insert(prefix); return }
        for (k, v) in obj {
            let path = prefix + [.field(k)]
            switch v {
            case .object:
                collect(v, prefix: path, into: &paths)
            case .array(let items):
                if let keys = ListKeys.keyFields(field: k, items: items) {
                    for item in items {
                        let itemPath = path + [.key(ListKeys.key(of: item, fields: keys))]
                        paths.insert(itemPath)
                        collect(item, prefix: itemPath, into: &paths)
                    }
                } else {
                    paths.insert(path)
                }
            default:
                paths.insert(path)
            }
        }
    }

    /// Drops paths under any of `prefixes`.
    func removing(prefixes: [FieldPath]) -> FieldSet {
        FieldSet(paths: paths.filter { p in !prefixes.contains { p.hasPrefix($0) } })
    }

    /// Keeps only paths under `prefix`.
    func keeping(prefix: FieldPath) -> FieldSet {
        FieldSet(paths: paths.filter { $0.hasPrefix(prefix) })
    }

    // MARK: fieldsV1

    var fieldsV1: JSONValue {
        final class Node {
            var children: [String: Node] = [:]
            var member = false
        }
        let root = Node()
        for path in paths {
            var node = root
            for el in path {
                let key = el.encoded
                if let next = node.children[key] { node = next } else {
                    let next = Node()
                    node.children[key] = next
                    node = next
                }
            }
            node.member = true
        }
        func encode(_ node: Node) -> JSONValue {
            var obj: [String: JSONValue] = [:]
            for (k, child) in node.children { obj[k] = encode(child) }
            if node.member, !obj.isEmpty { obj["."] = [:] }
            return .object(obj)
        }
        return encode(root)
    }

    init(paths: Set<FieldPath> = []) { self.paths = paths }

    init(fieldsV1: JSONValue) {
        var paths = Set<FieldPath>()
        func walk(_ value: JSONValue, prefix: FieldPath) {
            guard let obj = value.objectValue else { return }
            for (k, v) in obj {
                if k == "." { paths.insert(prefix); continue }
                let path = prefix + [PathElement(encoded: k)]
                if let child = v.objectValue, !child.isEmpty { walk(v, prefix: path) } else { paths.insert(path) }
            }
        }
        walk(fieldsV1, prefix: [])
        self.paths = paths
    }
}

// MARK: Navigating objects by field path

extension JSONValue {
    /// The value at a field path, resolving keyed list items; nil when absent.
    func value(at path: FieldPath) -> JSONValue? {
        var cur: JSONValue? = self
        for el in path {
            guard let c = cur else { return nil }
            switch el {
            case .field(let f): cur = c[f]
            case .key(let k):
                let fields = ListKeys.fields(ofKey: k)
                cur = c.arrayValue?.first { ListKeys.key(of: $0, fields: fields) == k }
            case .other: return nil
            }
        }
        return cur
    }

    /// Removes the field or list item at `path`; parents emptied by the removal are dropped too.
    mutating func remove(at path: FieldPath) {
        guard let first = path.first else { return }
        let rest = Array(path.dropFirst())
        switch (first, self) {
        case (.field(let f), .object(var obj)):
            guard var child = obj[f] else { return }
            if rest.isEmpty {
                obj[f] = nil
            } else {
                child.remove(at: rest)
                if child.isEmptyContainer { obj[f] = nil } else { obj[f] = child }
            }
            self = .object(obj)
        case (.key(let k), .array(var items)):
            let fields = ListKeys.fields(ofKey: k)
            guard let i = items.firstIndex(where: { ListKeys.key(of: $0, fields: fields) == k }) else { return }
            if rest.isEmpty {
                items.remove(at: i)
            } else {
                items[i].remove(at: rest)
            }
            self = .array(items)
        default:
            return
        }
    }

    var isEmptyContainer: Bool {
        switch self {
        case .object(let o): return o.isEmpty
        case .array(let a): return a.isEmpty
        default: return false
        }
    }
}
