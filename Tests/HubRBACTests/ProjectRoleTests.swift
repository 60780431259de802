import HawserProtocol
import Testing
@testable import HubRBAC

@Suite struct ProjectRoleTests {
    struct BadRole: Sendable, CustomTestStringConvertible {
        let name: String
        let binding: ProjectRoleBinding
        let location: String
        let problem: String
        var testDescription: String { name }
    }

    static func role(_ policies: String..., project: String = "team-a", role: String = "deployer", groups: [String] = []) -> ProjectRoleBinding {
        ProjectRoleBinding(project: project, role: role, policies: policies, groups: groups)
    }

    static let badRoles: [BadRole] = [
        .init(name: "object in another project",
              binding: role("p, proj:team-a:deployer, applications, sync, team-b/*, allow"),
              location: "project team-a role deployer, policy 1", problem: #"the object "team-b/*" is outside project team-a"#),
        .init(name: "object in every project",
              binding: role("p, proj:team-a:deployer, applications, get, */*, allow"),
              location: "project team-a role deployer, policy 1", problem: "is outside project team-a"),
        .init(name: "object that is a prefix of the project",
              binding: role("p, proj:team-a:deployer, applications, get, team-a*, allow"),
              location: "project team-a role deployer, policy 1", problem: "is outside project team-a"),
        .init(name: "object escaping with braces",
              binding: role(#"p, proj:team-a:deployer, applications, get, "team-a/{x,../team-b/y}", allow"#),
              location: "project team-a role deployer, policy 1", problem: "must be team-a/* or team-a/<app>"),
        .init(name: "object with a nested path",
              binding: role("p, proj:team-a:deployer, applications, get, team-a/x/y, allow"),
              location: "project team-a role deployer, policy 1", problem: "must be team-a/* or team-a/<app>"),
        .init(name: "subject of another role",
              binding: role("p, proj:team-a:admin, applications, sync, team-a/*, allow"),
              location: "project team-a role deployer, policy 1",
              problem: #"the subject must be this role, "proj:team-a:deployer", not "proj:team-a:admin""#),
        .init(name: "subject of a global role",
              binding: role("p, role:admin, applications, sync, team-a/*, allow", role: "deployer"),
              location: "project team-a role deployer, policy 1", problem: "the subject must be this role"),
        .init(name: "resource other than applications",
              binding: role("p, proj:team-a:deployer, clusters, update, team-a/*, allow"),
              location: "project team-a role deployer, policy 1", problem: #"can only grant on applications, not "clusters""#),
        .init(name: "resource wildcard",
              binding: role("p, proj:team-a:deployer, *, *, team-a/*, allow"),
              location: "project team-a role deployer, policy 1", problem: "can only grant on applications"),
        .init(name: "policy with a typo, second in the list",
              binding: role("p, proj:team-a:deployer, applications, get, team-a/*, allow",
                            "p, proj:team-a:deployer, applications, synk, team-a/*, allow"),
              location: "project team-a role deployer, policy 2", problem: #"unknown action "synk""#),
        .init(name: "a g line as a policy",
              binding: role("g, devs, proj:team-a:deployer"),
              location: "project team-a role deployer, policy 1", problem: "are p lines, not g lines"),
        .init(name: "an empty policy", binding: role("  "),
              location: "project team-a role deployer, policy 1", problem: "the policy is empty"),
        .init(name: "a role name with a colon", binding: role(role: "a:b"),
              location: "project team-a role a:b", problem: #"role name "a:b" is not valid"#),
        .init(name: "a glob in the project name", binding: role(project: "*"),
              location: "project * role deployer", problem: #"project name "*" contains "*""#),
        .init(name: "an empty group", binding: role(groups: ["devs", " "]),
              location: "project team-a role deployer", problem: "a group name is empty"),
    ]

    @Test(arguments: badRoles)
    func rejectsRolesThatReachOutsideTheirProject(_ bad: BadRole) throws {
        do throws(RBACConfigurationError) {
            _ = try Enforcer(policyCSV: "", projectRoles: [bad.binding])
            Issue.record("accepted \(bad.binding)")
        } catch {
            let diagnostic = try #require(error.diagnostics.first)
            #expect(error.diagnostics.count == 1, "\(error)")
            #expect(diagnostic.location == bad.location)
            #expect(diagnostic.problem.contains(bad.problem), "\(diagnostic.problem)")
            #expect(!diagnostic.fix.isEmpty)
        }
    }

    @Test func duplicateRoleNamesAreRejected() {
        #expect(throws: RBACConfigurationError.self) {
            try Enforcer(policyCSV: "", projectRoles: [Self.role(), Self.role()])
        }
    }

    @Test(arguments: ["team-a/*", "team-a/guestbook", "team-a/web-*", "team-a/app.v2", "team-a/my_app"])
    func acceptsObjectsInsideTheProject(_ object: String) throws {
        _ = try Enforcer(policyCSV: "", projectRoles: [Self.role("p, proj:team-a:deployer, applications, sync, \(object), allow")])
    }

    @Test func tokenOfOneProjectCannotUseAnotherProjectsRoleEvenWithTheSameName() throws {
        let enforcer = try Enforcer(policyCSV: "", projectRoles: [
            Self.role("p, proj:team-a:deployer, applications, sync, team-a/*, allow"),
            Self.role("p, proj:team-b:deployer, applications, sync, team-b/*, allow", project: "team-b"),
        ])
        #expect(enforcer.can("proj:team-a:deployer", .sync, .applications, "team-a/x"))
        #expect(!enforcer.can("proj:team-a:deployer", .sync, .applications, "team-b/x"))
        #expect(enforcer.can("proj:team-b:deployer", .sync, .applications, "team-b/x"))
        #expect(!enforcer.can("proj:team-b:deployer", .get, .projects, "team-a"))
    }

    @Test func aUserGrantedAProjectRoleInPolicyCSVHoldsItInThatProject() throws {
        let enforcer = try Enforcer(policyCSV: "g, alice, proj:team-a:deployer",
                                    projectRoles: [Self.role("p, proj:team-a:deployer, applications, sync, team-a/*, allow")])
        #expect(enforcer.warnings == [])
        let decision = enforcer.decide(AccessRequest(subject: "alice", resource: .applications, action: .sync, object: "team-a/x"))
        #expect(decision.allowed)
        #expect(decision.reason.hasSuffix("(alice → proj:team-a:deployer)"))
    }
}

@Suite struct AccessRequestTests {
    @Test func parsesCommandLineWordsWithShortNamesAndDefaultObjects() throws {
        let r = try AccessRequest.parse(subject: "alice", action: "sync", resource: "app")
        #expect(r == AccessRequest(subject: "alice", resource: .applications, action: .sync, object: "*/*"))
        #expect(try AccessRequest.parse(subject: "a", action: "get", resource: "cluster", object: "*").object == "*")
        #expect(try AccessRequest.parse(subject: "a", action: "get", resource: "projects", object: "team-a").project == "team-a")
    }

    @Test func rejectsUnknownWordsWithASuggestion() {
        #expect(throws: AccessRequestError(problem: #"unknown resource "aplications""#, fix: #"did you mean "applications"?"#)) {
            try AccessRequest.parse(subject: "a", action: "get", resource: "aplications")
        }
        #expect(throws: AccessRequestError(problem: #"unknown action "synk""#, fix: #"did you mean "sync"?"#)) {
            try AccessRequest.parse(subject: "a", action: "synk", resource: "app")
        }
    }

    @Test(arguments: [
        (Resource.applications, "team-a/guestbook", "team-a" as String?),
        (.applications, "guestbook", nil),
        (.projects, "team-a", "team-a"),
        (.clusters, "team-a/x", nil),
    ])
    func projectOfARequest(_ resource: Resource, _ object: String, _ project: String?) {
        #expect(AccessRequest(subject: "a", resource: resource, action: .get, object: object).project == project)
    }
}

@Suite struct StoredProjectRoleTests {
    @Test func bindingsComeFromAProjectSpecsRoles() throws {
        let roles = [ProjectRole(name: "deployer", policies: ["p, proj:team-a:deployer, applications, sync, team-a/*, allow"], groups: ["devs"])]
        let enforcer = try Enforcer(policyCSV: "", projectRoles: ProjectRoleBinding.bindings(project: "team-a", roles: roles))
        #expect(enforcer.can("bob", groups: ["devs"], .sync, .applications, "team-a/web"))
    }
}
