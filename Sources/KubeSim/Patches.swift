// The non-apply patch formats: JSON merge patch (RFC 7386), strategic merge patch (merge patch
// plus keyed-list merging and `$patch` directives, enough for kubectl patch/label/annotate/scale
// and client-side apply), and JSON patch (RFC 6902).

import Foundation
import HawserProtocol

enum Patches {
    static func mergePatch(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(let p) = patch else { return patch }
        var obj = target.objectValue ?? [:]
        for (k, v) in p {
            if v == .null { obj[k] = nil } else { obj[k] = mergePatch(obj[k] ?? .null, v) }
        }
        return .object(obj)
    }

    static func strategicMergePatch(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(var p) = patch else { return patch }
        if p["$patch"]?.stringValue == "replace" {
            p["$patch"] = nil
            return .object(p).removingDirectives()
        }
        if p["$patch"]?.stringValue == "delete" { return .null }
        var obj = target.objectValue ?? [:]
        for (k, v) in p {
            if k.hasPrefix("$deleteFromPrimitiveList/") {
                let field = String(k.dropFirst("$deleteFromPrimitiveList/".count))
                let remove = v.arrayValue ?? []
                if let items = obj[field]?.arrayValue { obj[field] = .array(items.filter { !remove.contains($0) }) }
                continue
            }
            if k.hasPrefix("$") { continue }
            if v == .null { obj[k] = nil; continue }
            switch (obj[k], v) {
            case (.object?, .object):
                let merged = strategicMergePatch(obj[k]!, v)
                obj[k] = merged == .null ? nil : merged
            case (.array(let live)?, .array(let items)):
                obj[k] = .array(mergeList(field: k, live: live, patch: items))
            default:
                obj[k] = v.removingDirectives()
            }
        }
        return .object(obj)
    }

    private static func mergeList(field: String, live: [JSONValue], patch: [JSONValue]) -> [JSONValue] {
        if patch.count == 1, patch[0]["$patch"]?.stringValue == "replace" { return [] }
        guard let keys = ListKeys.keyFields(field: field, items: patch) else { return patch.map { $0.removingDirectives() } }
        var result = live
        for item in patch {
            let key = ListKeys.key(of: item, fields: keys)
            let index = result.firstIndex { ListKeys.key(of: $0, fields: keys) == key }
            if item["$patch"]?.stringValue == "delete" {
                if let index { result.remove(at: index) }
            } else if let index {
                result[index] = strategicMergePatch(result[index], item)
            } else {
                result.append(item.removingDirectives())
            }
        }
        return result
    }

    static func jsonPatch(_ target: JSONValue, _ operations: JSONValue) throws(APIError) -> JSONValue {
        guard let ops = operations.arrayValue else { throw APIError.badRequest("json patch must be an array of operations") }
        var doc = target
        for op in ops {
            guard let kind = op["op"]?.stringValue, let path = op["path"]?.stringValue else {
                throw APIError.badRequest("json patch operation needs op and path")
            }
            let pointer = try parsePointer(path)
            switch kind {
            case "add": try doc.pointerSet(pointer, op["value"] ?? .null, insert: true)
            case "replace":
                guard doc.pointerGet(pointer) != nil else { throw APIError(code: 422, reason: "Invalid", message: "replace operation does not apply: doc is missing path: \(path)") }
                try doc.pointerSet(pointer, op["value"] ?? .null, insert: false)
            case "remove":
                guard doc.pointerGet(pointer) != nil else { throw APIError(code: 422, reason: "Invalid", message: "remove operation does not apply: doc is missing path: \(path)") }
                doc.pointerRemove(pointer)
            case "move", "copy":
                guard let from = op["from"]?.stringValue, let value = doc.pointerGet(try parsePointer(from)) else {
                    throw APIError(code: 422, reason: "Invalid", message: "\(kind) operation does not apply: missing from path")
                }
                if kind == "move" { doc.pointerRemove(try parsePointer(from)) }
                try doc.pointerSet(pointer, value, insert: true)
            case "test":
                guard doc.pointerGet(pointer) == op["value"] else { throw APIError(code: 422, reason: "Invalid", message: "testing value \(path) failed") }
            default:
                throw APIError.badRequest("unknown json patch operation \(kind)")
            }
        }
        return doc
    }

    private static func parsePointer(_ path: String) throws(APIError) -> [String] {
        guard path.hasPrefix("/") else { throw APIError.badRequest("invalid json pointer \(path)") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }
}


extension JSONValue {
    func removingDirectives() -> JSONValue {
        switch self {
        case .object(let o):
            return .object(o.filter { !$0.key.hasPrefix("$") }.mapValues { $0.removingDirectives() })
        case .array(let a): return .array(a.map { $0.removingDirectives() })
        default: return self
        }
    }

    func pointerGet(_ tokens: [String]) -> JSONValue? {
        var cur: JSONValue? = self
        for t in tokens {
            switch cur {
            case .object(let o)?: cur = o[t]
            case .array(let a)?: guard let i = Int(t), a.indices.contains(i) else { return nil }; cur = a[i]
            default: return nil
            }
        }
        return cur
    }

    mutating func pointerSet(_ tokens: [String], _ value: JSONValue, insert: Bool) throws(APIError) {
        guard let first = tokens.first else { self = value; return }
        let rest = Array(tokens.dropFirst())
        switch self {
        case .object(var o):
            if rest.isEmpty { o[first] = value } else {
                guard var child = o[first] else { throw APIError(code: 422, reason: "Invalid", message: "doc is missing path: /\(tokens.joined(separator: "/"))") }
                try child.pointerSet(rest, value, insert: insert)
                o[first] = child
            }
            self = .object(o)
        case .array(var a):
            if rest.isEmpty {
                if first == "-" { a.append(value) } else if let i = Int(first), i >= 0, i <= a.count {
                    if insert { a.insert(value, at: i) } else if i < a.count { a[i] = value }
                } else { throw APIError(code: 422, reason: "Invalid", message: "invalid array index \(first)") }
            } else {
                guard let i = Int(first), a.indices.contains(i) else { throw APIError(code: 422, reason: "Invalid", message: "invalid array index \(first)") }
                try a[i].pointerSet(rest, value, insert: insert)
            }
            self = .array(a)
        default:
            throw APIError(code: 422, reason: "Invalid", message: "cannot set /\(tokens.joined(separator: "/"))")
        }
    }

    mutating func pointerRemove(_ tokens: [String]) {
        guard let first = tokens.first else { return }
        let rest = Array(tokens.dropFirst())
        switch self {
        case .object(var o):
            if rest.isEmpty { o[first] = nil } else if var child = o[first] { child.pointerRemove(rest); o[first] = child }
            self = .object(o)
        case .array(var a):
            guard let i = Int(first), a.indices.contains(i) else { return }
            if rest.isEmpty { a.remove(at: i) } else { a[i].pointerRemove(rest) }
            self = .array(a)
        default: return
        }
    }
}
