import HawserProtocol

/// What parsing a policy text produced: the lines that are valid, and a diagnostic for every
/// line that is not. Both at once, so `hawser admin rbac validate` can list every problem and
/// a caller can still decide what to do with a partly broken file.
public struct PolicyParseResult: Sendable, Hashable {
    public var policy: Policy
    public var errors: [PolicyDiagnostic]

    public var isValid: Bool { errors.isEmpty }
}

/// Reads Argo CD's policy.csv format:
///
///     # comment
///     p, <subject>, <resource>, <action>, <object>[, allow|deny]
///     g, <user-or-group>, <role>
///
/// Blank lines and surrounding whitespace are ignored; fields may be double-quoted. The effect
/// may be left out and means `allow`. Beyond Argo CD, which loads anything of the right shape,
/// every field is checked against what Hawser can ever ask about, because a line that can never
/// match is almost always a typo that would otherwise go unnoticed until someone is locked out
/// (or not locked out).
public enum PolicyParser {
    /// Parses `text`, naming lines `<source>:<line>` in diagnostics and decisions.
    public static func parse(_ text: String, source: String = "policy.csv") -> PolicyParseResult {
        parse(text) { .file(name: source, line: $0) }
    }

    static func parse(_ text: String, origin: (Int) -> PolicyOrigin) -> PolicyParseResult {
        var result = PolicyParseResult(policy: Policy(), errors: [])
        // `isNewline` covers "\n", "\r\n" (one Character in Swift) and a lone "\r".
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (index, raw) in lines.enumerated() {
            switch parseLine(String(raw), origin: origin(index + 1)) {
            case .blank: break
            case .rule(let rule): result.policy.rules.append(rule)
            case .grant(let grant): result.policy.grants.append(grant)
            case .invalid(let diagnostics): result.errors += diagnostics
            }
        }
        return result
    }

    enum Line: Sendable {
        case blank
        case rule(PolicyRule)
        case grant(RoleGrant)
        case invalid([PolicyDiagnostic])
    }

    /// One line: blank or a comment, a `p` line, a `g` line, or everything wrong with it.
    static func parseLine(_ raw: String, origin: PolicyOrigin) -> Line {
        let text = raw.trimmingWhitespace
        if text.isEmpty || text.hasPrefix("#") { return .blank }
        func fail(_ problem: String, _ fix: String) -> Line {
            .invalid([PolicyDiagnostic(origin, text: text, problem: problem, fix: fix)])
        }
        let fields: [String]
        do throws(PolicyLineFields.Failure) {
            fields = try PolicyLineFields.split(text)
        } catch {
            return fail(error.problem, error.fix)
        }
        let rest = Array(fields.dropFirst())
        switch fields[0] {
        case "p": return parseRule(rest, origin: origin, text: text)
        case "g": return parseGrant(rest, origin: origin, text: text)
        case "P", "G":
            return fail("line type \(q(fields[0])) must be lower case", "write \(q(fields[0].lowercased()))")
        default:
            return fail("a line must start with \"p\" (a policy) or \"g\" (a role grant), not \(q(fields[0]))",
                        "write p, <subject>, <resource>, <action>, <object>, allow|deny or g, <user-or-group>, <role>; comments start with #")
        }
    }

    private static func parseRule(_ fields: [String], origin: PolicyOrigin, text: String) -> Line {
        var problems: [PolicyDiagnostic] = []
        func fail(_ problem: String, _ fix: String) {
            problems.append(PolicyDiagnostic(origin, text: text, problem: problem, fix: fix))
        }
        guard fields.count == 4 || fields.count == 5 else {
            fail("a p line has 5 or 6 comma-separated fields (p, subject, resource, action, object, effect), this one has \(fields.count + 1)",
                 fields.count > 5
                    ? "quote a field that contains a comma, e.g. \"team-a/{web,api}\""
                    : "write p, <subject>, <resource>, <action>, <object>, allow|deny")
            return .invalid(problems)
        }
        let subject = fields[0], resourceField = fields[1], actionField = fields[2], objectField = fields[3]
        if subject.isEmpty { fail("the subject is empty", "name the user, group or role this line applies to") }

        func glob(_ field: String, _ what: String) -> Glob? {
            guard !field.isEmpty else {
                fail("the \(what) is empty", "write the \(what), or * for any")
                return nil
            }
            do throws(GlobError) {
                return try Glob(field)
            } catch {
                fail("the \(what) \(q(field)) is not a valid glob: \(error.reason)",
                     "fix the pattern, or put \\ before a character to match it literally")
                return nil
            }
        }

        // Resource: must be able to match at least one resource Hawser has.
        let resource = glob(resourceField, "resource")
        var resources: [Resource] = []
        if let resource {
            resources = Resource.allCases.filter { resource.matches($0.rawValue) }
            if resources.isEmpty {
                let (problem, fix) = unknownResource(resourceField)
                fail(problem, fix)
            }
        }

        // Action: must name an action, and one that applies to the resource(s).
        let action = glob(actionField, "action")
        if let action {
            let known = Action.allCases.filter { action.matches($0.rawValue) }
            if known.isEmpty {
                let (problem, fix) = unknownAction(actionField)
                fail(problem, fix)
            } else if !resources.isEmpty, !resources.contains(where: { $0.actions.contains(where: { action.matches($0.rawValue) }) }) {
                let names = resources.map(\.rawValue)
                let valid = resources.map { "actions on \($0) are \(Suggestions.list($0.actions.map(\.rawValue)))" }
                    .joined(separator: "; ")
                fail("action \(q(actionField)) does not apply to \(names.joined(separator: ", "))", valid)
            }
        }

        // Object: any glob, but a literal application name without its project never matches.
        let object = glob(objectField, "object")
        if object != nil, resources == [.applications], isLiteral(resourceField), isLiteral(objectField), !objectField.contains("/") {
            fail("object \(q(objectField)) can never match: application objects are <project>/<app>",
                 "write \(q("*/" + objectField)) for that app in any project, or \(q("<project>/" + objectField))")
        }

        var effect = Effect.allow
        if fields.count == 5 {
            let e = fields[4]
            if let parsed = Effect(rawValue: e) {
                effect = parsed
            } else if let lower = Effect(rawValue: e.lowercased()) {
                fail("the effect \(q(e)) must be lower case", "write \(q(lower.rawValue))")
            } else if e.contains("#") {
                fail("the effect \(q(e)) is not allow or deny", "comments must be on a line of their own, starting with #")
            } else {
                fail("the effect \(q(e)) is not allow or deny",
                     Suggestions.closest(to: e, in: ["allow", "deny"]).map { "did you mean \(q($0))?" }
                        ?? "write allow or deny (or leave the field out, which means allow)")
            }
        }

        guard problems.isEmpty, let resource, let action, let object else { return .invalid(problems) }
        return .rule(PolicyRule(subject: subject, resource: resource, action: action, object: object,
                                effect: effect, origin: origin, text: text))
    }

    private static func parseGrant(_ fields: [String], origin: PolicyOrigin, text: String) -> Line {
        var problems: [PolicyDiagnostic] = []
        func fail(_ problem: String, _ fix: String) {
            problems.append(PolicyDiagnostic(origin, text: text, problem: problem, fix: fix))
        }
        guard fields.count == 2 else {
            fail("a g line has 3 comma-separated fields (g, user-or-group, role), this one has \(fields.count + 1)",
                 "write g, <user-or-group>, <role>; one line per role")
            return .invalid(problems)
        }
        if fields[0].isEmpty { fail("the user or group is empty", "name the user or SSO group that gets the role") }
        if fields[1].isEmpty { fail("the role is empty", "name the role, e.g. role:readonly") }
        guard problems.isEmpty else { return .invalid(problems) }
        return .grant(RoleGrant(member: fields[0], role: fields[1], origin: origin, text: text))
    }

    private static func unknownResource(_ field: String) -> (problem: String, fix: String) {
        let all = Resource.allCases.map(\.rawValue)
        if Resource.argoOnly.contains(field) {
            return ("resource \(q(field)) is an Argo CD resource Hawser does not have",
                    "remove the line; Hawser's resources are \(Suggestions.list(all))")
        }
        if let alias = Resource.aliases[field] {
            return ("unknown resource \(q(field))", "write \(q(alias.rawValue)) (short names work only on the command line)")
        }
        if isLiteral(field) {
            return ("unknown resource \(q(field))",
                    Suggestions.closest(to: field, in: all).map { "did you mean \(q($0))?" }
                        ?? "use \(Suggestions.list(all + ["*"]))")
        }
        return ("the resource pattern \(q(field)) matches no resource", "use \(Suggestions.list(all + ["*"]))")
    }

    private static func unknownAction(_ field: String) -> (problem: String, fix: String) {
        let all = Action.allCases.map(\.rawValue)
        if Action.isArgoOnly(field) {
            return ("action \(q(field)) is an Argo CD action Hawser does not have",
                    "Hawser has no per-resource or custom actions; use one of \(Suggestions.list(all + ["*"]))")
        }
        if isLiteral(field) {
            return ("unknown action \(q(field))",
                    Suggestions.closest(to: field, in: all).map { "did you mean \(q($0))?" }
                        ?? "use \(Suggestions.list(all + ["*"]))")
        }
        return ("the action pattern \(q(field)) matches no action", "use \(Suggestions.list(all + ["*"]))")
    }

    /// Whether a field has no glob syntax, i.e. it names one value.
    static func isLiteral(_ field: String) -> Bool {
        !field.contains { "*?[]{}\\".contains($0) }
    }

    private static func q(_ s: String) -> String { "\"\(s)\"" }
}
