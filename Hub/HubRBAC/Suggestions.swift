/// "Did you mean" for names in policy lines. Most policy mistakes are one-letter typos that
/// Argo CD accepts and then never matches; naming the intended value turns a silent hole into
/// a one-line fix.
enum Suggestions {
    /// The candidate closest to `word`, if it is close enough to be a plausible typo: at most two
    /// edits (a swap of neighbours counts as one), and fewer than half of the word's letters.
    static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        var best: (name: String, distance: Int)? = nil
        for candidate in candidates where candidate != word {
            let d = distance(word, candidate)
            let limit = min(2, max(1, candidate.count / 2 - 1))
            guard d <= limit else { continue }
            if best == nil || d < best!.distance { best = (candidate, d) }
        }
        return best?.name
    }

    /// Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent
    /// transpositions each cost one.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }

    /// `"a", "b" or "c"`, for listing valid values in a message.
    static func list(_ names: [String]) -> String {
        let quoted = names.map { "\"\($0)\"" }
        guard quoted.count > 1 else { return quoted.first ?? "" }
        return quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace (including `\r` from CRLF files).
    /// Written here because the module is pure Swift with no Foundation dependency.
    var trimmingWhitespace: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
              let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
