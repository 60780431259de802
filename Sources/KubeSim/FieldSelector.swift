// Field selectors of `?fieldSelector=` (label selectors are HawserProtocol's `LabelSelector`).

import HawserProtocol

extension LabelSelector {
    /// The query parameter's form, with Kubernetes' 400 on malformed input.
    static func parseQuery(_ text: String) throws(APIError) -> LabelSelector {
        do { return try LabelSelector.parse(text) } catch { throw APIError.badRequest(error.message) }
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
