/// One thing wrong (or suspicious) in RBAC configuration, phrased for the person who has to fix
/// it: where (`policy.csv:7`), what is wrong, and what to write instead.
public struct PolicyDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// `policy.csv:7`, `project team-a role deployer, policy 2`, `policy.default`.
    public let location: String
    /// The line number within the source, when there is one.
    public let line: Int?
    /// The offending line as written, when there is one.
    public let text: String?
    /// What is wrong, e.g. `unknown resource "aplications"`.
    public let problem: String
    /// How to fix it, e.g. `did you mean "applications"?`.
    public let fix: String

    public init(location: String, line: Int?, text: String?, problem: String, fix: String) {
        self.location = location
        self.line = line
        self.text = text
        self.problem = problem
        self.fix = fix
    }

    init(_ origin: PolicyOrigin, text: String?, problem: String, fix: String) {
        self.init(location: origin.location, line: origin.line, text: text, problem: problem, fix: fix)
    }

    public var description: String { "\(location): \(problem); \(fix)" }
}

/// Why an enforcer could not be built: every problem found, not just the first, so one edit
/// of policy.csv can fix them all.
public struct RBACConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public let diagnostics: [PolicyDiagnostic]

    public init(diagnostics: [PolicyDiagnostic]) { self.diagnostics = diagnostics }

    public var description: String {
        let n = diagnostics.count
        return "RBAC configuration has \(n) error\(n == 1 ? "" : "s"):\n"
            + diagnostics.map { "  \($0)" }.joined(separator: "\n")
    }
}
