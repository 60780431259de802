/// Splits one policy line into fields the way Argo CD reads policy.csv (Go's `encoding/csv`
/// with leading space trimmed): comma-separated, a field may be double-quoted so it can hold a
/// comma (a glob like `team-a/{web,api}` needs that), and `""` inside quotes is one `"`.
/// Unlike Go's reader, trailing whitespace of an unquoted field is dropped too: `alice , ...`
/// means `alice`, never a subject with a space no request will carry.
enum PolicyLineFields {
    struct Failure: Error, Equatable {
        let problem: String
        let fix: String
    }

    static func split(_ line: String) throws(Failure) -> [String] {
        var fields: [String] = []
        var chars = Substring(line)
        while true {
            chars = chars.drop(while: \.isWhitespace)
            if chars.first == "\"" {
                chars = chars.dropFirst()
                var value = ""
                var closed = false
                while let c = chars.first {
                    chars = chars.dropFirst()
                    if c == "\"" {
                        if chars.first == "\"" { value.append("\""); chars = chars.dropFirst(); continue }
                        closed = true
                        break
                    }
                    value.append(c)
                }
                guard closed else {
                    throw Failure(problem: "a quoted field has no closing quote",
                                  fix: "close the quote (write \"\" for a quote inside a quoted field)")
                }
                chars = chars.drop(while: \.isWhitespace)
                fields.append(value)
                if chars.isEmpty { return fields }
                guard chars.first == "," else {
                    throw Failure(problem: "unexpected text \(quote(String(chars.prefix(20)))) after a closing quote",
                                  fix: "put a comma after the quoted field, or move the text inside the quotes")
                }
                chars = chars.dropFirst()
            } else {
                let end = chars.firstIndex(of: ",") ?? chars.endIndex
                let value = chars[..<end].trimmingWhitespace
                if value.contains("\"") {
                    throw Failure(problem: "a quote in the middle of field \(quote(value))",
                                  fix: "quote the whole field, writing \"\" for each quote inside it")
                }
                fields.append(value)
                if end == chars.endIndex { return fields }
                chars = chars[chars.index(after: end)...]
            }
        }
    }

    /// `"value"` for messages.
    static func quote(_ s: String) -> String { "\"\(s)\"" }
}
