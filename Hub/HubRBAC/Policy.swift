import HawserProtocol

/// Whether a matching policy line grants or forbids. Deny wins: one matching `deny` outweighs
/// any number of matching `allow`s, so a broad grant can carry narrow exceptions.
public enum Effect: String, Sendable, Hashable, CustomStringConvertible {
    case allow, deny
    public var description: String { rawValue }
}

/// Where a policy line came from, so a decision can point at the exact line that made it.
public enum PolicyOrigin: Sendable, Hashable, CustomStringConvertible {
    /// Hawser's built-in policy (`role:readonly`, `role:admin`, the `admin` user).
    case builtin(line: Int)
    /// A line of a policy file, e.g. `policy.csv:12`.
    case file(name: String, line: Int)
    /// A project role. `policy` is the 1-based index in the role's `policies`; `nil` for the
    /// lines Hawser derives from the role itself (its `groups`, and `get` on its own project).
    case projectRole(project: String, role: String, policy: Int?)

    /// How a decision names the line: `policy.csv:12`, `built-in`, `project team-a role deployer`.
    public var description: String {
        switch self {
        case .builtin: "built-in"
        case .file(let name, let line): "\(name):\(line)"
        case .projectRole(let project, let role, _): "project \(project) role \(role)"
        }
    }

    /// How an error message names the line: precise enough to find it in an editor.
    public var location: String {
        switch self {
        case .builtin(let line): "built-in policy line \(line)"
        case .file(let name, let line): "\(name):\(line)"
        case .projectRole(let project, let role, let policy?): "project \(project) role \(role), policy \(policy)"
        case .projectRole(let project, let role, nil): "project \(project) role \(role)"
        }
    }

    /// The line number in the origin's own numbering, for tools that want it as a number.
    public var line: Int? {
        switch self {
        case .builtin(let line), .file(_, let line): line
        case .projectRole(_, _, let policy): policy
        }
    }
}

/// A `p` line: `p, <subject>, <resource>, <action>, <object>, <effect>`.
///
/// Resource, action and object are globs (Argo CD's glob match mode, `/` not special), so
/// `applications, *, team-a/*` covers every action on every app of project team-a. The subject
/// is matched exactly, never as a glob, as in Argo CD: roles reach it through `g` lines.
public struct PolicyRule: Sendable, Hashable, CustomStringConvertible {
    public let subject: String
    public let resource: Glob
    public let action: Glob
    public let object: Glob
    public let effect: Effect
    public let origin: PolicyOrigin
    /// The line as written (trimmed), so explanations quote what the operator wrote.
    public let text: String

    public init(subject: String, resource: Glob, action: Glob, object: Glob, effect: Effect, origin: PolicyOrigin, text: String) {
        self.subject = subject
        self.resource = resource
        self.action = action
        self.object = object
        self.effect = effect
        self.origin = origin
        self.text = text
    }

    /// Whether this line speaks about the request's resource, action and object (the subject
    /// is the enforcer's business: it depends on roles).
    public func covers(resource: Resource, action: Action, object: String) -> Bool {
        self.resource.matches(resource.rawValue) && self.action.matches(action.rawValue) && self.object.matches(object)
    }

    public var description: String { "\(origin): \(text)" }
}

/// A `g` line: `g, <user-or-group>, <role>`: the member holds the role and everything the
/// role holds, transitively.
public struct RoleGrant: Sendable, Hashable, CustomStringConvertible {
    public let member: String
    public let role: String
    public let origin: PolicyOrigin
    public let text: String

    public init(member: String, role: String, origin: PolicyOrigin, text: String) {
        self.member = member
        self.role = role
        self.origin = origin
        self.text = text
    }

    public var description: String { "\(origin): \(text)" }
}

/// The lines of one policy text, in file order. Order never changes a decision (deny wins
/// regardless), but it keeps explanations stable: the first matching line is quoted.
public struct Policy: Sendable, Hashable {
    public var rules: [PolicyRule]
    public var grants: [RoleGrant]

    public init(rules: [PolicyRule] = [], grants: [RoleGrant] = []) {
        self.rules = rules
        self.grants = grants
    }

    /// Subjects that appear anywhere: on the left of a `p` line or a `g` line. A role in none
    /// of these grants nothing, which is how a misspelt role name is caught.
    var definedSubjects: Set<String> {
        Set(rules.map(\.subject)).union(grants.map(\.member))
    }
}
