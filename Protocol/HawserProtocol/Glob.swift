/// Glob patterns as Argo CD uses them (gobwas/glob without separators): in project source repos,
/// destinations, sync windows and RBAC objects.
///
/// - `*` matches any run of characters (including none and `/`), `?` exactly one;
/// - `[abc]`, `[a-z]` one of a set, `[!abc]` one not in it;
/// - `{a,b}` one of the alternatives (which may themselves contain patterns);
/// - `\` makes the next character literal.
///
/// Shared by hub and agent: both enforce a project's rules, and must agree on what they mean.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let alternatives: [[Token]]

    enum Token: Sendable, Hashable {
        case literal(Character)
        case any          // ?
        case star         // *
        case set([ClosedRange<Character>], negated: Bool)
    }

    /// At most this many alternatives after expanding `{…}`: a pattern is configuration, but
    /// `{a,b}{c,d}…` repeated multiplies, so a bound keeps a typo from costing memory.
    public static let maxAlternatives = 256

    public init(_ pattern: String) throws(GlobError) {
        self.pattern = pattern
        let expanded = try Self.expandBraces(Array(pattern), pattern: pattern)
        self.alternatives = try expanded.map { alt throws(GlobError) in try Self.tokens(alt, pattern: pattern) }
    }

    public var description: String { pattern }

    /// Whether `pattern` matches all of `text`. An invalid pattern matches nothing.
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        (try? Glob(pattern))?.matches(text) ?? false
    }

    public func matches(_ text: String) -> Bool {
        let chars = Array(text)
        return alternatives.contains { Self.match($0[...], chars[...]) }
    }

    private static func match(_ p: ArraySlice<Token>, _ t: ArraySlice<Character>) -> Bool {
        // Iterative wildcard matching with one backtrack point per star: linear-ish, no recursion blow-up.
        var pi = p.startIndex, ti = t.startIndex
        var starP: Int? = nil, starT = t.startIndex
        while ti < t.endIndex {
            if pi < p.endIndex {
                switch p[pi] {
                case .star:
                    starP = pi; starT = ti; pi += 1; continue
                case .any:
                    pi += 1; ti += 1; continue
                case .literal(let c) where c == t[ti]:
                    pi += 1; ti += 1; continue
                case .set(let ranges, let negated) where ranges.contains(where: { $0.contains(t[ti]) }) != negated:
                    pi += 1; ti += 1; continue
                default: break
                }
            }
            guard let s = starP else { return false }
            pi = s + 1
            starT += 1
            ti = starT
        }
        while pi < p.endIndex, case .star = p[pi] { pi += 1 }
        return pi == p.endIndex
    }

    private static func tokens(_ chars: [Character], pattern: String) throws(GlobError) -> [Token] {
        var out: [Token] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "\\":
                guard i + 1 < chars.count else { throw GlobError(pattern: pattern, reason: "ends with a lone \\") }
                out.append(.literal(chars[i + 1])); i += 2
            case "*":
                if case .star = out.last {} else { out.append(.star) }
                i += 1
            case "?": out.append(.any); i += 1
            case "[":
                var j = i + 1
                var negated = false
                if j < chars.count, chars[j] == "!" || chars[j] == "^" { negated = true; j += 1 }
                var ranges: [ClosedRange<Character>] = []
                var closed = false
                while j < chars.count {
                    if chars[j] == "]", !ranges.isEmpty || j > i + 1 + (negated ? 1 : 0) { closed = true; break }
                    var lo = chars[j]
                    if lo == "\\", j + 1 < chars.count { j += 1; lo = chars[j] }
                    if j + 2 < chars.count, chars[j + 1] == "-", chars[j + 2] != "]" {
                        let hi = chars[j + 2]
                        guard lo <= hi else { throw GlobError(pattern: pattern, reason: "range \(lo)-\(hi) is backwards") }
                        ranges.append(lo...hi); j += 3
                    } else {
                        ranges.append(lo...lo); j += 1
                    }
                }
                guard closed else { throw GlobError(pattern: pattern, reason: "'[' without a closing ']'") }
                out.append(.set(ranges, negated: negated))
                i = j + 1
            default: out.append(.literal(c)); i += 1
            }
        }
        return out
    }

    /// `a{b,c{d,e}}f` → `abf`, `acdf`, `acef`. Escapes are kept for the tokenizer.
    private static func expandBraces(_ chars: [Character], pattern: String) throws(GlobError) -> [[Character]] {
        // Find the first top-level '{' and its matching '}'.
        var i = 0
        var open: Int? = nil
        var depth = 0
        var commas: [Int] = []
        while i < chars.count {
            let c = chars[i]
            if c == "\\" { i += 2; continue }
            if c == "[" {  // braces inside a set are literal
                if let close = chars[(i + 1)...].firstIndex(of: "]") { i = close + 1; continue }
            }
            if c == "{" {
                if depth == 0 { open = i; commas = [] }
                depth += 1
            } else if c == "}" {
                guard depth > 0 else { throw GlobError(pattern: pattern, reason: "'}' without an opening '{'") }
                depth -= 1
                if depth == 0, let o = open {
                    let prefix = Array(chars[..<o]), suffix = Array(chars[(i + 1)...])
                    var parts: [[Character]] = []
                    var start = o + 1
                    for c in commas + [i] { parts.append(Array(chars[start..<c])); start = c + 1 }
                    var out: [[Character]] = []
                    for part in parts {
                        for tail in try expandBraces(part + suffix, pattern: pattern) {
                            out.append(prefix + tail)
                            guard out.count <= maxAlternatives else {
                                throw GlobError(pattern: pattern, reason: "expands to more than \(maxAlternatives) alternatives")
                            }
                        }
                    }
                    return out
                }
            } else if c == ",", depth == 1 {
                commas.append(i)
            }
            i += 1
        }
        guard depth == 0 else { throw GlobError(pattern: pattern, reason: "'{' without a closing '}'") }
        return [chars]
    }
}

public struct GlobError: Error, Sendable, CustomStringConvertible {
    public let pattern: String
    public let reason: String
    public var description: String { "invalid glob \"\(pattern)\": \(reason)" }
}
