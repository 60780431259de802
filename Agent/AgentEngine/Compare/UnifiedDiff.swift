import HawserProtocol

/// A unified diff between the live object and the desired one, as a user would read it in
/// `hawser app get` or the UI: both sides rendered as YAML with sorted keys, the live side
/// reduced to the fields the desired side sets (server defaults and status would drown the
/// change otherwise), three lines of context per hunk.
public enum UnifiedDiff {
    public static func render(desired: JSONValue, live: JSONValue, maxLines: Int = 80) -> String {
        let a = YAMLLines.render(project(live, onto: desired))
        let b = YAMLLines.render(desired)
        guard a != b else { return "" }
        var out = ["--- live", "+++ desired"]
        out += hunks(a, b, context: 3)
        if out.count > maxLines {
            out = Array(out.prefix(maxLines)) + ["… \(out.count - maxLines) more lines"]
        }
        return out.joined(separator: "\n")
    }

    /// `live` reduced to the shape of `desired`: keys `desired` has, list items matched by
    /// `name` when both sides use names, by position otherwise.
    static func project(_ live: JSONValue, onto desired: JSONValue) -> JSONValue {
        switch (live, desired) {
        case (.object(let l), .object(let d)):
            var out: [String: JSONValue] = [:]
            for (k, dv) in d { if let lv = l[k] { out[k] = project(lv, onto: dv) } }
            return .object(out)
        case (.array(let l), .array(let d)):
            let named = d.allSatisfy { $0["name"]?.stringValue != nil } && l.allSatisfy { $0["name"]?.stringValue != nil }
            if named && !d.isEmpty {
                return .array(d.compactMap { dv in
                    l.first { $0["name"] == dv["name"] }.map { project($0, onto: dv) }
                })
            }
            return .array(l.enumerated().map { i, lv in i < d.count ? project(lv, onto: d[i]) : lv })
        default:
            return live
        }
    }

    /// Line diff by longest common subsequence, grouped into hunks with context.
    static func hunks(_ a: [String], _ b: [String], context: Int) -> [String] {
        enum Op { case same(String), del(String), add(String) }
        let n = a.count, m = b.count
        var lcs = Array(repeating: Array(repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var ops: [Op] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n, j < m, a[i] == b[j] { ops.append(.same(a[i])); i += 1; j += 1 }
            else if i < n, j == m || lcs[i + 1][j] >= lcs[i][j + 1] { ops.append(.del(a[i])); i += 1 }  // "-" before "+"
            else { ops.append(.add(b[j])); j += 1 }
        }
        // Mark which ops to show: changes plus `context` lines around them.
        var show = Array(repeating: false, count: ops.count)
        for (k, op) in ops.enumerated() {
            if case .same = op { continue }
            for x in max(0, k - context)...min(ops.count - 1, k + context) { show[x] = true }
        }
        var out: [String] = []
        var k = 0
        var lineA = 1, lineB = 1
        while k < ops.count {
            guard show[k] else {
                if case .same = ops[k] { lineA += 1; lineB += 1 } else if case .del = ops[k] { lineA += 1 } else { lineB += 1 }
                k += 1
                continue
            }
            var body: [String] = []
            let startA = lineA, startB = lineB
            var countA = 0, countB = 0
            while k < ops.count, show[k] {
                switch ops[k] {
                case .same(let s): body.append(" " + s); countA += 1; countB += 1; lineA += 1; lineB += 1
                case .del(let s): body.append("-" + s); countA += 1; lineA += 1
                case .add(let s): body.append("+" + s); countB += 1; lineB += 1
                }
                k += 1
            }
            out.append("@@ -\(startA),\(countA) +\(startB),\(countB) @@")
            out += body
        }
        return out
    }
}

/// A small YAML rendering of JSON values with sorted keys: stable lines to diff.
enum YAMLLines {
    static func render(_ value: JSONValue) -> [String] {
        var out: [String] = []
        emit(value, indent: "", into: &out)
        return out
    }

    private static func emit(_ value: JSONValue, indent: String, into out: inout [String]) {
        switch value {
        case .object(let o):
            for k in o.keys.sorted() {
                let v = o[k]!
                if isScalar(v) { out.append("\(indent)\(key(k)): \(scalar(v))") } else if isEmpty(v) {
                    out.append("\(indent)\(key(k)): \(scalar(v))")
                } else {
                    out.append("\(indent)\(key(k)):")
                    emit(v, indent: indent + "  ", into: &out)
                }
            }
        case .array(let a):
            for item in a {
                if isScalar(item) || isEmpty(item) {
                    out.append("\(indent)- \(scalar(item))")
                } else {
                    var nested: [String] = []
                    emit(item, indent: indent + "  ", into: &nested)
                    if let first = nested.first {
                        out.append(indent + "- " + first.dropFirst(indent.count + 2))
                        out += nested.dropFirst()
                    }
                }
            }
        default:
            out.append(indent + scalar(value))
        }
    }

    private static func isScalar(_ v: JSONValue) -> Bool {
        switch v {
        case .object, .array: return false
        default: return true
        }
    }

    private static func isEmpty(_ v: JSONValue) -> Bool {
        v == .object([:]) || v == .array([])
    }

    private static func key(_ k: String) -> String {
        k.allSatisfy { $0.isLetter || $0.isNumber || "-_./".contains($0) } ? k : "\"\(k)\""
    }

    private static func scalar(_ v: JSONValue) -> String {
        switch v {
        case .object: return "{}"
        case .array: return "[]"
        case .string(let s):
            let plain = !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || "-_./:".contains($0) }
                && !["true", "false", "null", "yes", "no"].contains(s.lowercased()) && Double(s) == nil
            return plain ? s : v.jsonString()
        default: return v.jsonString()
        }
    }
}
