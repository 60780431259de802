// Label selectors in Kubernetes' textual syntax (`?labelSelector=`, `kubectl get -l`):
// `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, joined by commas. KubeSim
// filters objects with it; the hub filters applications and (fleet targeting) clusters.

public struct LabelSelector: Sendable, Hashable {
    public enum Requirement: Sendable, Hashable {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case doesNotExist(String)

        public func matches(_ labels: [String: String]) -> Bool {
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

    public var requirements: [Requirement]

    public init(requirements: [Requirement]) { self.requirements = requirements }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(labels) }
    }

    /// Parses the textual form; the error names the clause that could not be read.
    public static func parse(_ text: String) throws(LabelSelectorError) -> LabelSelector {
        var requirements: [Requirement] = []
        for clause in splitTopLevel(text) {
            let c = clause.trimmingSelectorSpaces
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

    private static func parseRequirement(_ c: String, original: String) throws(LabelSelectorError) -> Requirement {
        let bad = LabelSelectorError(message: "unable to parse requirement: found '\(c)' in label selector \"\(original)\"")
        if c.hasPrefix("!") {
            let key = String(c.dropFirst()).trimmingSelectorSpaces
            guard isKey(key) else { throw bad }
            return .doesNotExist(key)
        }
        if let r = c.range(of: "!=") {
            return .notEquals(String(c[..<r.lowerBound]).trimmingSelectorSpaces, String(c[r.upperBound...]).trimmingSelectorSpaces)
        }
        if let r = c.range(of: "==") {
            return .equals(String(c[..<r.lowerBound]).trimmingSelectorSpaces, String(c[r.upperBound...]).trimmingSelectorSpaces)
        }
        if let r = c.range(of: "=") {
            return .equals(String(c[..<r.lowerBound]).trimmingSelectorSpaces, String(c[r.upperBound...]).trimmingSelectorSpaces)
        }
        let words = c.split(separator: " ", maxSplits: 1).map(String.init)
        if words.count == 2 {
            let key = words[0]
            let rest = words[1].trimmingSelectorSpaces
            for (op, negate) in [("notin", true), ("in", false)] where rest.hasPrefix(op) {
                let list = rest.dropFirst(op.count).trimmingSelectorSpaces
                guard list.hasPrefix("("), list.hasSuffix(")") else { throw bad }
                let values = Set(list.dropFirst().dropLast().split(separator: ",").map { String($0).trimmingSelectorSpaces })
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

/// A selector that cannot be read; `message` says which clause.
public struct LabelSelectorError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

extension StringProtocol {
    fileprivate var trimmingSelectorSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
