/// What a policy line can be about. A closed set, unlike Argo CD's free-form strings: a typo
/// such as `aplications` in policy.csv silently grants nothing in Argo CD, so Hawser names the
/// valid values and rejects the rest when the policy is loaded.
public enum Resource: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case applications, projects, clusters, repositories, accounts, audit
    /// Config repositories: whoever may add one decides what its commits create, including
    /// projects and RBAC policy lines, so only admins may by default.
    case configrepos

    public var description: String { rawValue }

    /// The actions that mean something for this resource. A policy line whose action can only
    /// name others (`clusters, sync`) is a mistake, reported at load time.
    public var actions: [Action] {
        switch self {
        case .applications: Action.allCases
        case .projects, .clusters, .repositories, .accounts, .configrepos: [.get, .create, .update, .delete]
        case .audit: [.get]
        }
    }

    /// Objects of this resource are `<project>/<name>`: the project is part of what the policy
    /// matches, which is how project roles are confined to their project.
    public var isProjectScoped: Bool { self == .applications }

    /// The wildcard object for "any object of this resource", as `argocd admin settings rbac can`
    /// fills in when no object is given.
    public var anyObject: String { isProjectScoped ? "*/*" : "*" }

    /// Short names the `hawser admin rbac can` command accepts, as `argocd admin settings rbac can`
    /// does (`app`, `proj`, `repo`...). Policy lines must use the full name.
    static let aliases: [String: Resource] = [
        "app": .applications, "apps": .applications, "application": .applications,
        "proj": .projects, "projs": .projects, "project": .projects,
        "cluster": .clusters,
        "repo": .repositories, "repos": .repositories, "repository": .repositories,
        "account": .accounts,
        "audits": .audit,
        "configrepo": .configrepos, "config-repo": .configrepos, "config-repos": .configrepos,
    ]

    /// The resource `name` means, accepting the aliases above.
    public init?(named name: String) {
        if let r = Resource(rawValue: name) ?? Self.aliases[name] { self = r } else { return nil }
    }

    /// Argo CD resources with no Hawser counterpart: a line copied from an Argo CD policy that
    /// names one gets a message saying so rather than a misleading "did you mean".
    static let argoOnly: Set<String> = [
        "applicationsets", "certificates", "gpgkeys", "logs", "exec", "extensions", "write-repositories",
    ]
}

/// What a subject does to a resource.
public enum Action: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case get, create, update, delete, sync, rollback, override

    public var description: String { rawValue }

    /// Argo CD actions Hawser does not have (`invoke` for extensions, `debug` for exec, and the
    /// fine-grained `action/...`, `update/...`, `delete/...` forms).
    static func isArgoOnly(_ name: String) -> Bool {
        ["invoke", "debug", "action"].contains(name)
            || ["action/", "update/", "delete/"].contains { name.hasPrefix($0) }
    }
}
