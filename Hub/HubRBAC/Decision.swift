/// A policy line that matched a request, and how the subject came to hold it.
public struct PolicyMatch: Sendable, Hashable, CustomStringConvertible {
    /// Whose line it is, from the request's point of view.
    public enum Holder: Sendable, Hashable, CustomStringConvertible {
        case user(String)
        case group(String)
        /// The role named by policy.default, which every authenticated subject holds.
        case defaultRole(String)

        public var subject: String {
            switch self {
            case .user(let s), .group(let s), .defaultRole(let s): s
            }
        }

        public var description: String {
            switch self {
            case .user(let s): s
            case .group(let s): "group \(s)"
            case .defaultRole(let s): "policy.default \(s)"
            }
        }
    }

    public let rule: PolicyRule
    public let holder: Holder
    /// The `g` lines followed from the holder to the rule's subject, in order; empty when the
    /// rule names the holder itself.
    public let grants: [RoleGrant]

    public init(rule: PolicyRule, holder: Holder, grants: [RoleGrant]) {
        self.rule = rule
        self.holder = holder
        self.grants = grants
    }

    /// `group team-a → role:deployer → role:base`.
    public var chain: String {
        ([holder.description] + grants.map(\.role)).joined(separator: " → ")
    }

    /// ` (group team-a → role:deployer)`, or nothing when the line names the user directly.
    var viaSuffix: String {
        if case .user = holder, grants.isEmpty { return "" }
        return " (\(chain))"
    }

    public var description: String { "\(rule.origin): \(rule.text)\(viaSuffix)" }
}

/// The enforcer's answer, with the reason: which line decided it, or that none did. Enough for
/// `hawser admin rbac can` to say why, and for an API 403 to tell the caller what is missing.
public struct Decision: Sendable, Hashable, CustomStringConvertible {
    public enum Basis: Sendable, Hashable {
        /// The policy.default role allows it; as in Argo CD this is final.
        case allowedByDefaultRole
        /// A line reachable from the policy.default role denies it; final too.
        case deniedByDefaultRole
        /// A line the subject holds (directly, through a group, or through roles) allows it,
        /// and none denies it.
        case allowedByPolicy
        /// A line the subject holds denies it: deny wins over every allow.
        case deniedByPolicy
        /// No line allows it.
        case noPolicyAllows
        /// A project token (`proj:P:R`) asked about another project than P.
        case projectTokenOutsideProject(tokenProject: String)
    }

    public let request: AccessRequest
    public let allowed: Bool
    public let basis: Basis
    /// The lines that decided it: the denying lines when denied by a deny, the allowing lines
    /// when allowed; empty when nothing matched.
    public let deciding: [PolicyMatch]
    /// Lines that matched but did not count: allows beaten by a deny, or denies that cannot
    /// take away what policy.default grants.
    public let overridden: [PolicyMatch]

    public init(request: AccessRequest, allowed: Bool, basis: Basis, deciding: [PolicyMatch] = [], overridden: [PolicyMatch] = []) {
        self.request = request
        self.allowed = allowed
        self.basis = basis
        self.deciding = deciding
        self.overridden = overridden
    }

    /// One sentence, e.g. `denied by policy.csv:7: p, role:contractor, applications, delete,
    /// */*, deny (alice → role:contractor)`.
    public var reason: String {
        let others = Self.origins(overridden)
        switch basis {
        case .projectTokenOutsideProject(let tokenProject):
            return "denied: project token \(request.subject) can act only in project \(tokenProject), not in \(request.project ?? request.object)"
        case .noPolicyAllows:
            return "denied: no policy allows \(request.subjectDescription) to \(request.actionDescription)"
        case .allowedByPolicy:
            return "allowed by \(Self.quote(deciding))"
        case .allowedByDefaultRole:
            return "allowed by \(Self.quote(deciding))"
        case .deniedByPolicy, .deniedByDefaultRole:
            let note = overridden.isEmpty ? "" : ", which wins over the allow in \(others)"
            return "denied by \(Self.quote(deciding))\(note)"
        }
    }

    /// The deciding lines as `origin: text (chain)`, one per line of `hawser admin rbac can`
    /// output.
    public var decidingLines: [String] { deciding.map(\.description) }

    public var description: String { reason }

    private static func quote(_ matches: [PolicyMatch]) -> String {
        guard let first = matches.first else { return "no line" }
        return "\(first.rule.origin): \(first.rule.text)\(first.viaSuffix)"
    }

    /// `policy.csv:3 and built-in`, each origin once.
    private static func origins(_ matches: [PolicyMatch]) -> String {
        var seen: Set<String> = []
        let names = matches.map(\.rule.origin.description).filter { seen.insert($0).inserted }
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " and " + names.last!
    }
}
