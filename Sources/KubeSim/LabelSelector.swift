// Label selectors in the query-string syntax of `?labelSelector=` (and `kubectl get -l`):
// `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, joined by commas.

import HawserProtocol

struct LabelSelector: Sendable, Equatable {
    enum Requirement: Sendable, Equatable {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case doesNotExist(String)

        func matches(_ labels: [String: String]) -> Bool {
            switch self {
            case .equals(let k, let v): return labels[k] == v
            case .notEquals(let k, let v): return labels[k] != v
            case .isIn(let k, let vs): return labels[k].map(vs.contains) ?? false
            case .notIn(let k, let vs): return !(labels[k].map(vs.contains) ?? false)
            case .exists(let k): return labels[k] != nil
            case .doesNotExist(let k): return labels[k] == nil
            }
        }
    }

    var requirements: [Requirement]

    func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(labels) }
    }

    /// Parses the textual form; throws a message suitable for a 400 on malformed input.
    static func parse(_ text: String) throws(APIError) -> LabelSelector {
        var requirements: [Requirement] = []
        for clause in splitTopLevel(text) {
            let c = clause.trimmingSpaces
            if c.isEmpty { continue }
            requirements.append(try parseRequirement(c, original: text))
        }
        return LabelSelector(requirements: requirements)
    }

    /// Splits on commas that are not inside parentheses.
    private static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for ch in text {
            switch ch {
            case "(": depth += 1; current.append(ch)
            case ")": depth -= 1; current.append(ch)
            case "," where depth == 0: parts.append(current); current = ""
            default: current.append(ch)
            }
        }
        parts.append(current)
        return parts
    }

    private static func parseRequirement(_ c: String, original: String) throws(APIError) -> Requirement {
        let bad = APIError.badRequest("unable to parse requirement: found '\(c)' in label selector \"\(original)\"")
        if c.hasPrefix("!") {
            let key = String(c.dropFirst()).trimmingSpaces
            guard isKey(key) else { throw bad }
            return .doesNotExist(key)
        }
        if let r = c.range(of: "!=") {
            return .notEquals(String(c[..<r.lowerBound]).trimmingSpaces, String(c[r.upperBound...]).trimmingSpaces)
        }
        if let r = c.range(of: "==") {
            return .equals(String(c[..<r.lowerBound]).trimmingSpaces, String(c[r.upperBound...]).trimmingSpaces)
        }
        if let r = c.range(of: "=") {
            return .equals(String(c[..<r.lowerBound]).trimmingSpaces, String(c[r.upperBound...]).trimmingSpaces)
        }
        let words = c.split(separator: " ", maxSplits: 1).map(String.init)
        if words.count == 2 {
            let key = words[0]
            let rest = words[1].trimmingSpaces
            for (op, negate) in [("notin", true), ("in", false)] where rest.hasPrefix(op) {
                let list = rest.dropFirst(op.count).trimmingSpaces
                guard list.hasPrefix("("), list.hasSuffix(")") else { throw bad }
                let values = Set(list.dropFirst().dropLast().split(separator: ",").map { String($0).trimmingSpaces })
                return negate ? .notIn(key, values) : .isIn(key, values)
            }
            throw bad
        }
        guard isKey(c) else { throw bad }
        return .exists(c)
    }

    private static func isKey(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || "-_./".contains($0) }
    }
}

/// `?fieldSelector=metadata.name=x,metadata.namespace!=y`: equality on dotted paths of the object.
struct FieldSelector: Sendable {
    var requirements: [(path: [String], value: String, equal: Bool)]

    static func parse(_ text: String) throws(APIError) -> FieldSelector {
        var reqs: [(path: [String], value: String, equal: Bool)] = []
        for clause in text.split(separator: ",") {
            let c = String(clause).trimmingSpaces
            if let r = c.range(of: "!=") {
                reqs.append((String(c[..<r.lowerBound]).split(separator: ".").map(String.init), String(c[r.upperBound...]), false))
            } else if let r = c.range(of: "==") ?? c.range(of: "=") {
                reqs.append((String(c[..<r.lowerBound]).split(separator: ".").map(String.init), String(c[r.upperBound...]), true))
            } else {
                throw APIError.badRequest("invalid selector: '\(text)'; can't understand '\(c)'")
            }
        }
        return FieldSelector(requirements: reqs)
    }

    func matches(_ object: JSONValue) -> Bool {
        requirements.allSatisfy { req in
            let actual: String
            switch object[path: req.path] {
            case .string(let s): actual = s
            case .int(let i): actual = String(i)
            case .bool(let b): actual = String(b)
            default: actual = ""
            }
            return (actual == req.value) == req.equal
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}

extension Substring {
    var trimmingSpaces: String { String(self).trimmingSpaces }
}
