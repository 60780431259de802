/// Decides RBAC requests the way Argo CD does, from the built-in policy, policy.csv,
/// policy.default and the projects' roles. A value: build a new one when configuration changes
/// and swap it in; deciding needs no locks and does no I/O.
///
/// How a request is decided:
///
/// 1. A project token (`proj:P:R`) asking about a project other than P is denied outright: a
///    token leaked from one project must be worthless elsewhere, whatever policy.csv says.
/// 2. The user, its groups, the policy.default role and every role they reach through `g`
///    lines are taken together: allowed iff some line allows and no line denies. A deny for any
///    one group the user is in wins over an allow for the user, another group or the default
///    role (stricter than Argo CD, where what policy.default grants cannot be denied).
///
/// Project roles take part only in requests about their own project (an application
/// `P/<app>` or the project `P` itself), as Argo CD loads a project's roles only for such
/// requests.
public struct Enforcer: Sendable {
    /// The policy.default role; empty when authenticated users get nothing by default.
    public let defaultRole: String
    /// Suspicious but valid configuration, e.g. a `g` line granting a role no line defines.
    public let warnings: [PolicyDiagnostic]

    let global: PolicyIndex
    let projects: [String: PolicyIndex]

    /// Builds an enforcer, or reports every problem in the configuration at once.
    ///
    /// - Parameters:
    ///   - policyCSV: the policy.csv text.
    ///   - policyDefault: the role every authenticated subject holds (`role:readonly`), or empty.
    ///   - projectRoles: every role of every project.
    ///   - source: how to name policy.csv in diagnostics and decisions (`policy.csv:12`).
    ///   - includeBuiltinPolicy: load `role:readonly`, `role:admin` and the `admin` user; only
    ///     `hawser admin rbac can --use-builtin-policy=false` turns this off.
    ///   - additionalPolicies: more policy.csv texts, each named in diagnostics by its own
    ///     source (a config repository's file): they add to policy.csv, as its lines do.
    public init(policyCSV: String, policyDefault: String = "", projectRoles: [ProjectRoleBinding] = [],
                source: String = "policy.csv", includeBuiltinPolicy: Bool = true,
                additionalPolicies: [(csv: String, source: String)] = []) throws(RBACConfigurationError) {
        let builtin = includeBuiltinPolicy ? BuiltinPolicy.parsed : PolicyParseResult(policy: Policy(), errors: [])
        let user = PolicyParser.parse(policyCSV, source: source)
        let additional = additionalPolicies.map { PolicyParser.parse($0.csv, source: $0.source) }
        let (projectPolicies, projectErrors) = ProjectRoles.compile(projectRoles)
        var errors = builtin.errors + user.errors + additional.flatMap(\.errors) + projectErrors

        var defined = builtin.policy.definedSubjects.union(user.policy.definedSubjects)
        for a in additional { defined.formUnion(a.policy.definedSubjects) }
        for policy in projectPolicies.values { defined.formUnion(policy.definedSubjects) }

        let defaultRole = policyDefault.trimmingWhitespace
        if !defaultRole.isEmpty, !defined.contains(defaultRole) {
            let roles = defined.filter { $0.hasPrefix("role:") }
            errors.append(PolicyDiagnostic(location: "policy.default", line: nil, text: defaultRole,
                problem: "policy.default names \"\(defaultRole)\", which no policy line defines, so it would grant nothing",
                fix: Suggestions.closest(to: defaultRole, in: roles).map { "did you mean \"\($0)\"?" }
                    ?? "define it with p lines in policy.csv, or leave policy.default empty to grant nothing by default"))
        }
        guard errors.isEmpty else { throw RBACConfigurationError(diagnostics: errors) }

        self.defaultRole = defaultRole
        self.warnings = Self.undefinedRoles(in: user.policy, defined: defined)
        self.global = PolicyIndex([builtin.policy, user.policy] + additional.map(\.policy))
        self.projects = projectPolicies.mapValues { PolicyIndex([$0]) }
    }

    /// The answer and why.
    public func decide(_ request: AccessRequest) -> Decision {
        let project = request.project
        // A project token acts inside its project only: other projects' objects and everything
        // that belongs to no project (clusters, accounts, the audit trail) are out of reach.
        if let token = ProjectRoles.parseSubject(request.subject), project != token.project {
            return Decision(request: request, allowed: false, basis: .projectTokenOutsideProject(tokenProject: token.project))
        }
        var indexes = [global]
        if let project, let index = projects[project] { indexes.append(index) }

        var holders: [PolicyMatch.Holder] = []
        if !request.subject.isEmpty { holders.append(.user(request.subject)) }
        holders += request.groups.map { .group($0) }
        let held = matches(request, from: holders, in: indexes)

        // policy.default is one more role everybody holds, and deny wins over every allow,
        // whoever holds it: a deny aimed at a user takes away even what the default grants
        // (stricter than Argo CD, where the default role's allow cannot be denied).
        let byDefault = defaultRole.isEmpty ? (allows: [], denies: []) : matches(request, from: [.defaultRole(defaultRole)], in: indexes)
        if !held.denies.isEmpty {
            return Decision(request: request, allowed: false, basis: .deniedByPolicy, deciding: held.denies + byDefault.denies, overridden: held.allows + byDefault.allows)
        }
        if !byDefault.denies.isEmpty {
            return Decision(request: request, allowed: false, basis: .deniedByDefaultRole, deciding: byDefault.denies, overridden: held.allows + byDefault.allows)
        }
        if !held.allows.isEmpty {
            return Decision(request: request, allowed: true, basis: .allowedByPolicy, deciding: held.allows)
        }
        if !byDefault.allows.isEmpty {
            return Decision(request: request, allowed: true, basis: .allowedByDefaultRole, deciding: byDefault.allows)
        }
        return Decision(request: request, allowed: false, basis: .noPolicyAllows)
    }

    /// Shorthand for `decide(...).allowed`.
    public func can(_ subject: String, groups: [String] = [], _ action: Action, _ resource: Resource, _ object: String) -> Bool {
        decide(AccessRequest(subject: subject, groups: groups, resource: resource, action: action, object: object)).allowed
    }

    /// Every line that covers the request and that one of the holders holds, split by effect,
    /// in a stable order: nearest holder first, then file order.
    private func matches(_ request: AccessRequest, from holders: [PolicyMatch.Holder], in indexes: [PolicyIndex])
        -> (allows: [PolicyMatch], denies: [PolicyMatch]) {
        var allows: [PolicyMatch] = [], denies: [PolicyMatch] = []
        for reached in RoleGraph.reach(from: holders, in: indexes) {
            for index in indexes {
                for rule in index.rulesBySubject[reached.subject] ?? []
                where rule.covers(resource: request.resource, action: request.action, object: request.object) {
                    let match = PolicyMatch(rule: rule, holder: reached.holder, grants: reached.grants)
                    switch rule.effect {
                    case .allow: allows.append(match)
                    case .deny: denies.append(match)
                    }
                }
            }
        }
        return (allows, denies)
    }

    /// `g` lines of policy.csv granting a role that no line defines: valid, but the role grants
    /// nothing, which is almost always a misspelling.
    private static func undefinedRoles(in policy: Policy, defined: Set<String>) -> [PolicyDiagnostic] {
        policy.grants.filter { !defined.contains($0.role) }.map { grant in
            let similar = Suggestions.closest(to: grant.role, in: defined.filter { $0.hasPrefix("role:") || $0.hasPrefix("proj:") })
            return PolicyDiagnostic(grant.origin, text: grant.text,
                problem: "\"\(grant.role)\" is granted here but no policy line defines it, so it grants nothing",
                fix: similar.map { "did you mean \"\($0)\"?" } ?? "add p lines for \(grant.role), or remove this line")
        }
    }
}
