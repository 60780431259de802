import HawserProtocol

/// One problem with a declarative file, where it is: `apps/web.yaml:14: spec.source.plugin:
/// config management plugins are not supported…`. Errors stop the whole set of files from
/// being applied; warnings (a field Hawser does not support and ignores) are reported with
/// what was applied.
public struct ConfigDiagnostic: Codable, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    /// The field's path in the document, e.g. `spec.destination.name`; nil for the document.
    public var field: String?
    public var message: String

    public init(file: String, line: Int?, field: String?, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): " + (field.map { "\($0): " } ?? "") + message
    }
}

/// The files could not be applied; nothing of them was.
public struct ConfigRejection: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigDiagnostic]
    public var warnings: [ConfigDiagnostic]
    public init(errors: [ConfigDiagnostic], warnings: [ConfigDiagnostic] = []) {
        self.errors = errors
        self.warnings = warnings
    }
    public var description: String {
        let shown = errors.prefix(20).map(\.description)
        return "nothing was applied: " + shown.joined(separator: "; ") + (errors.count > 20 ? "; and \(errors.count - 20) more" : "")
    }
}
