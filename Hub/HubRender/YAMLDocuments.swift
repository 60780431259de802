import Foundation
import Yams

/// One document of a YAML stream, kept at node level so every value still knows its line.
struct YAMLDocument {
    /// 1-based line of the document's root node (its first key for a mapping).
    var line: Int
    var root: Node
}

/// Splits a YAML (or JSON, which is YAML flow syntax) stream into documents with Yams' parser.
///
/// Parsing nodes rather than decoding values keeps line numbers for error messages and for
/// `Manifest.line`, and lets `YAMLScalars` resolve plain scalars the way kubectl does instead of
/// using Yams' own constructors.
enum YAMLDocuments {
    /// Non-empty documents in stream order. Empty and comment-only documents (which parse as a
    /// bare null) are dropped, as `kubectl apply` drops them.
    static func parse(_ text: String, file: String) throws(RenderError) -> [YAMLDocument] {
        var documents: [YAMLDocument] = []
        do {
            let parser = try Parser(yaml: text)
            while let root = try parser.nextRoot() {
                if isEmpty(root) { continue }
                documents.append(YAMLDocument(line: root.mark?.line ?? 1, root: root))
            }
        } catch let error as YamlError {
            throw renderError(error, text: text, file: file)
        } catch {
            throw RenderError(file: file, line: nil, message: "cannot parse: \(error)")
        }
        return documents
    }

    static func isEmpty(_ root: Node) -> Bool {
        guard case .scalar(let scalar) = root, scalar.style == .plain || scalar.style == .any else { return false }
        return YAMLScalars.isNull(scalar.string)
    }

    /// Turns Yams' error into `file:line: problem`, keeping libyaml's wording (users search for
    /// it) and its context ("while parsing a block mapping at line 3").
    static func renderError(_ error: YamlError, text: String, file: String) -> RenderError {
        func message(_ problem: String, _ context: YamlError.Context?) -> String {
            guard let context, !context.text.isEmpty else { return problem }
            return "\(problem) (\(context.text) that started at line \(context.mark.line))"
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return RenderError(file: file, line: mark.line, message: message(problem, context))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return RenderError(file: file, line: context.mark.line > 0 ? context.mark.line : nil,
                               message: "duplicate key \(keys) in a mapping; each key may appear once")
        case .reader(let problem, let offset, _, _):
            return RenderError(file: file, line: offset.map { lineNumber(ofUTF8Offset: $0, in: text) }, message: problem)
        default:
            return RenderError(file: file, line: nil, message: "cannot parse: \(error)")
        }
    }

    static func lineNumber(ofUTF8Offset offset: Int, in text: String) -> Int {
        1 + text.utf8.prefix(offset).reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }
}
