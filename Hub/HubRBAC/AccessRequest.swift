/// One question for the enforcer: may this subject (with these SSO groups) do this action to
/// this object? The same question Argo CD's enforcer gets as `sub, res, act, obj`.
public struct AccessRequest: Sendable, Hashable, CustomStringConvertible {
    /// The user name (`sub` claim), a local account, or a project token's `proj:P:R`.
    public var subject: String
    /// The subject's SSO groups. Policy can name them directly or grant them roles with `g`.
    public var groups: [String]
    public var resource: Resource
    public var action: Action
    /// `<project>/<app>` for applications; the name for everything else (a project's name,
    /// a cluster's name, a repository's URL...).
    public var object: String

    public init(subject: String, groups: [String] = [], resource: Resource, action: Action, object: String) {
        self.subject = subject
        self.groups = groups
        self.resource = resource
        self.action = action
        self.object = object
    }

    /// A request from command-line words, as `hawser admin rbac can <subject> <action>
    /// <resource> [<object>]` takes them: short resource names (`app`, `proj`, `repo`...) are
    /// accepted, and a missing or `*` object means any object (`*/*` for applications), as in
    /// `argocd admin settings rbac can`.
    public static func parse(subject: String, groups: [String] = [], action: String, resource: String,
                             object: String? = nil) throws(AccessRequestError) -> AccessRequest {
        guard let parsedResource = Resource(named: resource) else {
            let all = Resource.allCases.map(\.rawValue)
            throw AccessRequestError(problem: "unknown resource \"\(resource)\"",
                                     fix: Suggestions.closest(to: resource, in: all + Resource.aliases.keys).map {
                                         "did you mean \"\(Resource(named: $0)!.rawValue)\"?"
                                     } ?? "use \(Suggestions.list(all))")
        }
        guard let parsedAction = Action(rawValue: action) else {
            let all = Action.allCases.map(\.rawValue)
            throw AccessRequestError(problem: "unknown action \"\(action)\"",
                                     fix: Suggestions.closest(to: action, in: all).map { "did you mean \"\($0)\"?" }
                                         ?? "use \(Suggestions.list(all))")
        }
        var object = object ?? ""
        if object.isEmpty || object == "*" { object = parsedResource.anyObject }
        return AccessRequest(subject: subject, groups: groups, resource: parsedResource, action: parsedAction, object: object)
    }

    /// The project the request is about, which decides whose project roles take part: the part
    /// before the first `/` of an application, or the project itself. `nil` for resources that
    /// belong to no project.
    public var project: String? {
        switch resource {
        case .applications: object.firstIndex(of: "/").map { String(object[..<$0]) }
        case .projects: object
        case .clusters, .repositories, .accounts, .audit, .configrepos: nil
        }
    }

    /// `alice (groups: team-a, team-b)`.
    public var subjectDescription: String {
        groups.isEmpty ? subject : "\(subject) (groups: \(groups.joined(separator: ", ")))"
    }

    /// `sync applications team-a/guestbook`.
    public var actionDescription: String { "\(action) \(resource) \(object)" }

    public var description: String { "\(subjectDescription) \(actionDescription)" }
}

/// Why command-line words are not a request, and what to type instead.
public struct AccessRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    public let problem: String
    public let fix: String
    public var description: String { "\(problem); \(fix)" }
}
