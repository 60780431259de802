import HawserProtocol

/// A project role as the enforcer needs it: which project, which role, its policy lines and the
/// SSO groups that hold it. (The project's own `ProjectRole` lacks the project name; the hub
/// builds these from every project it stores.)
///
/// A role named R in project P is the subject `proj:P:R`: project tokens carry it as their
/// subject, and members of `groups` hold it as if policy.csv said `g, <group>, proj:P:R`.
public struct ProjectRoleBinding: Sendable, Hashable {
    public var project: String
    public var role: String
    /// policy.csv `p` lines whose subject is `proj:<project>:<role>`.
    public var policies: [String]
    /// SSO groups that hold the role.
    public var groups: [String]

    public init(project: String, role: String, policies: [String] = [], groups: [String] = []) {
        self.project = project
        self.role = role
        self.policies = policies
        self.groups = groups
    }

    /// `proj:<project>:<role>`.
    public var subject: String { ProjectRoles.subject(project: project, role: role) }
}

extension ProjectRoleBinding {
    /// The bindings for a stored project's roles (`ProjectSpec.roles`), which do not carry the
    /// project's name themselves.
    public static func bindings(project: String, roles: [ProjectRole]) -> [ProjectRoleBinding] {
        roles.map { ProjectRoleBinding(project: project, role: $0.name, policies: $0.policies, groups: $0.groups) }
    }
}

/// Turns project roles into policy, enforcing the rule that makes them safe to delegate: a
/// project's roles may only speak about applications inside that project. Project owners can
/// edit their roles without being hub admins, so a role of `team-a` granting anything on
/// `team-b/*` (or on clusters) would be privilege escalation; Argo CD rejects such roles
/// when the project is saved, and so does this.
enum ProjectRoles {
    static func subject(project: String, role: String) -> String { "proj:\(project):\(role)" }

    /// `proj:P:R` → (P, R); `nil` for any other subject (Argo CD's test: three `:`-separated
    /// parts, the first `proj`).
    static func parseSubject(_ subject: String) -> (project: String, role: String)? {
        let parts = subject.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "proj" else { return nil }
        return (String(parts[1]), String(parts[2]))
    }

    /// Every project's policy, keyed by project name, and everything wrong with the bindings.
    static func compile(_ bindings: [ProjectRoleBinding]) -> (policies: [String: Policy], errors: [PolicyDiagnostic]) {
        var policies: [String: Policy] = [:]
        var errors: [PolicyDiagnostic] = []
        var seen: Set<[String]> = []
        for binding in bindings {
            let roleOrigin = PolicyOrigin.projectRole(project: binding.project, role: binding.role, policy: nil)
            func fail(_ problem: String, _ fix: String) {
                errors.append(PolicyDiagnostic(roleOrigin, text: nil, problem: problem, fix: fix))
            }
            if let problem = projectNameProblem(binding.project) {
                fail(problem, "project names are lower-case letters, digits, '-' and '.'")
                continue
            }
            guard isValidRoleName(binding.role) else {
                fail("role name \(q(binding.role)) is not valid",
                     "use letters, digits, '-' and '_', starting and ending with a letter or digit")
                continue
            }
            guard seen.insert([binding.project, binding.role]).inserted else {
                fail("project \(binding.project) has two roles named \(binding.role)", "rename or merge one of them")
                continue
            }

            let subject = binding.subject
            var policy = policies[binding.project] ?? Policy()
            // Argo CD gives every project role `get` on its own project, so a token or group
            // can see the project it works in.
            let implicit = "p, \(subject), projects, get, \(binding.project), allow"
            if case .rule(let rule) = PolicyParser.parseLine(implicit, origin: roleOrigin) { policy.rules.append(rule) }

            for (index, line) in binding.policies.enumerated() {
                let origin = PolicyOrigin.projectRole(project: binding.project, role: binding.role, policy: index + 1)
                let result = checkPolicy(line, origin: origin, project: binding.project, subject: subject)
                switch result {
                case .success(let rule): policy.rules.append(rule)
                case .failure(let problems): errors += problems.diagnostics
                }
            }
            for group in binding.groups {
                let name = group.trimmingWhitespace
                guard !name.isEmpty else {
                    fail("a group name is empty", "remove the empty entry from the role's groups")
                    continue
                }
                policy.grants.append(RoleGrant(member: name, role: subject, origin: roleOrigin, text: "g, \(name), \(subject)"))
            }
            policies[binding.project] = policy
        }
        return (policies, errors)
    }

    /// One policy of a role: a valid `p` line (same checks as policy.csv), whose subject is the
    /// role and whose object lies inside the project.
    private static func checkPolicy(_ line: String, origin: PolicyOrigin, project: String, subject: String)
        -> Result<PolicyRule, RBACConfigurationError> {
        let text = line.trimmingWhitespace
        func fail(_ problem: String, _ fix: String) -> Result<PolicyRule, RBACConfigurationError> {
            .failure(RBACConfigurationError(diagnostics: [PolicyDiagnostic(origin, text: text, problem: problem, fix: fix)]))
        }
        let rule: PolicyRule
        switch PolicyParser.parseLine(line, origin: origin) {
        case .blank:
            return fail("the policy is empty or a comment", "write p, \(subject), applications, <action>, \(project)/*, allow|deny, or remove it")
        case .grant:
            return fail("a project role's policies are p lines, not g lines",
                        "to give a group this role, add the group to the role's groups")
        case .invalid(let problems):
            return .failure(RBACConfigurationError(diagnostics: problems))
        case .rule(let parsed):
            rule = parsed
        }
        var problems: [PolicyDiagnostic] = []
        if rule.subject != subject {
            problems.append(PolicyDiagnostic(origin, text: text,
                problem: "the subject must be this role, \(q(subject)), not \(q(rule.subject))",
                fix: "write \(q(subject)) as the subject; to grant another subject, use policy.csv"))
        }
        if rule.resource.pattern != Resource.applications.rawValue {
            problems.append(PolicyDiagnostic(origin, text: text,
                problem: "a project role can only grant on applications, not \(q(rule.resource.pattern))",
                fix: "write \"applications\" as the resource; other resources are granted in policy.csv"))
        }
        if let problem = objectProblem(rule.object.pattern, project: project) {
            problems.append(PolicyDiagnostic(origin, text: text, problem: problem,
                fix: "write \(q(project + "/*")) for every app of the project, or \(q(project + "/<app>")) for one"))
        }
        return problems.isEmpty ? .success(rule) : .failure(RBACConfigurationError(diagnostics: problems))
    }

    /// Why `object` is not confined to `project`, or `nil` when it is. As in Argo CD the app
    /// part may hold letters, digits, `_`, `-`, `.` and `*` only: with no `/`, braces or sets
    /// there is no way to write a pattern that reaches another project.
    static func objectProblem(_ object: String, project: String) -> String? {
        let prefix = project + "/"
        guard object.hasPrefix(prefix) else {
            return "the object \(q(object)) is outside project \(project): a project role may only grant on its own project's applications"
        }
        let app = object.dropFirst(prefix.count)
        let allowed: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.*".contains($0)) }
        guard !app.isEmpty, app.allSatisfy(allowed) else {
            return "the object \(q(object)) must be \(project)/* or \(project)/<app>, with only letters, digits, '_', '-', '.' and '*' after the '/'"
        }
        return nil
    }

    /// A project name must not carry glob or separator syntax: `proj:P:R` and `P/*` are built
    /// from it, and a project named `*` would make `*/*` look like "inside the project".
    static func projectNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "the project name is empty" }
        if let bad = name.first(where: { $0.isWhitespace || ":/,\"*?[]{}\\".contains($0) }) {
            return "project name \(q(name)) contains \(q(String(bad)))"
        }
        return nil
    }

    /// Argo CD's role-name rule: `^[a-zA-Z0-9]([-_a-zA-Z0-9]*[a-zA-Z0-9])?$`.
    static func isValidRoleName(_ name: String) -> Bool {
        let alnum: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber) }
        guard let first = name.first, let last = name.last, alnum(first), alnum(last) else { return false }
        return name.allSatisfy { alnum($0) || $0 == "-" || $0 == "_" }
    }

    private static func q(_ s: String) -> String { "\"\(s)\"" }
}
