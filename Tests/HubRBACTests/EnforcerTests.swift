import Testing
@testable import HubRBAC

/// One row of the decision table: configuration, request, expected answer, and a fragment the
/// explanation must contain (so the reason users read is part of the contract).
struct DecisionCase: Sendable, CustomTestStringConvertible {
    let name: String
    var policy: String
    var policyDefault = ""
    var projectRoles: [ProjectRoleBinding] = []
    let request: AccessRequest
    let allowed: Bool
    let reason: String
    var testDescription: String { name }
}

private func req(_ subject: String, groups: [String] = [], _ action: Action, _ resource: Resource, _ object: String) -> AccessRequest {
    AccessRequest(subject: subject, groups: groups, resource: resource, action: action, object: object)
}

private let contractorPolicy = """
    # contractors may do anything to apps except delete them
    p, role:contractor, applications, *, */*, allow
    g, alice, role:contractor



    p, role:contractor, applications, delete, */*, deny
    """

private let teamPolicy = """
    p, role:deployer, applications, sync, team-a/*, allow
    p, role:deployer, applications, get, team-a/*, allow
    g, team-a, role:deployer
    p, team-b, applications, sync, */*, deny
    """

private let deployer = ProjectRoleBinding(
    project: "team-a", role: "deployer",
    policies: ["p, proj:team-a:deployer, applications, sync, team-a/*, allow",
               "p, proj:team-a:deployer, applications, get, team-a/*, allow",
               "p, proj:team-a:deployer, applications, sync, team-a/prod-*, deny"],
    groups: ["team-a-ci"])

// The time limit turns a cycle in role inheritance that hangs into a failure.
@Suite(.timeLimit(.minutes(1))) struct EnforcerTests {
    static let cases: [DecisionCase] = [
        // Deny wins.
        .init(name: "deny wins over an allow of the same role", policy: contractorPolicy,
              request: req("alice", .delete, .applications, "team-a/guestbook"), allowed: false,
              reason: "denied by policy.csv:7: p, role:contractor, applications, delete, */*, deny (alice → role:contractor), which wins over the allow in policy.csv:2"),
        .init(name: "the allow still holds where no deny matches", policy: contractorPolicy,
              request: req("alice", .sync, .applications, "team-a/guestbook"), allowed: true,
              reason: "allowed by policy.csv:2: p, role:contractor, applications, *, */*, allow (alice → role:contractor)"),
        .init(name: "a deny on one of the user's groups wins over the user's own allow",
              policy: "p, alice, applications, sync, */*, allow\np, team-b, applications, sync, */*, deny",
              request: req("alice", groups: ["team-b"], .sync, .applications, "team-a/guestbook"), allowed: false,
              reason: "denied by policy.csv:2: p, team-b, applications, sync, */*, deny (group team-b)"),
        .init(name: "deny in a policy wins regardless of line order",
              policy: "p, role:x, projects, get, secret, deny\np, role:x, projects, get, *, allow\ng, alice, role:x",
              request: req("alice", .get, .projects, "secret"), allowed: false, reason: "denied by policy.csv:1"),

        // Globs on the object.
        .init(name: "team-a/* matches an app of team-a", policy: teamPolicy,
              request: req("bob", groups: ["team-a"], .get, .applications, "team-a/guestbook"), allowed: true,
              reason: "allowed by policy.csv:2: p, role:deployer, applications, get, team-a/*, allow (group team-a → role:deployer)"),
        .init(name: "team-a/* does not match an app of team-b", policy: teamPolicy,
              request: req("bob", groups: ["team-a"], .get, .applications, "team-b/guestbook"), allowed: false,
              reason: "denied: no policy allows bob (groups: team-a) to get applications team-b/guestbook"),
        .init(name: "team-a/* does not match project team-ab", policy: teamPolicy,
              request: req("bob", groups: ["team-a"], .get, .applications, "team-ab/guestbook"), allowed: false,
              reason: "denied: no policy allows"),
        .init(name: "brace alternatives in a quoted object", policy: #"p, bob, applications, get, "team-a/{web,api}", allow"#,
              request: req("bob", .get, .applications, "team-a/api"), allowed: true, reason: "allowed by policy.csv:1"),
        .init(name: "brace alternatives exclude the rest", policy: #"p, bob, applications, get, "team-a/{web,api}", allow"#,
              request: req("bob", .get, .applications, "team-a/db"), allowed: false, reason: "no policy allows bob to get applications team-a/db"),

        // Groups and roles.
        .init(name: "a group mapped to a role gets the role", policy: teamPolicy,
              request: req("carol", groups: ["other", "team-a"], .sync, .applications, "team-a/guestbook"), allowed: true,
              reason: "(group team-a → role:deployer)"),
        .init(name: "without the group the role is not held", policy: teamPolicy,
              request: req("carol", groups: ["other"], .sync, .applications, "team-a/guestbook"), allowed: false,
              reason: "denied: no policy allows carol (groups: other) to sync applications team-a/guestbook"),
        .init(name: "a group named directly in a p line", policy: teamPolicy,
              request: req("dave", groups: ["team-a", "team-b"], .sync, .applications, "team-a/guestbook"), allowed: false,
              reason: "denied by policy.csv:4: p, team-b, applications, sync, */*, deny (group team-b), which wins over the allow in policy.csv:1"),
        .init(name: "roles are inherited transitively",
              policy: "g, alice, role:lead\ng, role:lead, role:dev\ng, role:dev, role:base\np, role:base, clusters, update, prod-*, allow",
              request: req("alice", .update, .clusters, "prod-eu"), allowed: true,
              reason: "allowed by policy.csv:4: p, role:base, clusters, update, prod-*, allow (alice → role:lead → role:dev → role:base)"),
        .init(name: "a deny inherited from a parent role wins",
              policy: "g, alice, role:lead\ng, role:lead, role:dev\np, role:lead, clusters, *, *, allow\np, role:dev, clusters, delete, *, deny",
              request: req("alice", .delete, .clusters, "prod"), allowed: false, reason: "denied by policy.csv:4"),
        .init(name: "cycles in g lines end",
              policy: "g, alice, role:a\ng, role:a, role:b\ng, role:b, role:c\ng, role:c, role:a\ng, role:b, role:b\np, role:c, repositories, get, *, allow",
              request: req("alice", .get, .repositories, "https://git.example/x"), allowed: true,
              reason: "(alice → role:a → role:b → role:c)"),
        .init(name: "cycles in g lines end when nothing matches",
              policy: "g, alice, role:a\ng, role:a, role:b\ng, role:b, role:a\ng, team, role:a\ng, role:a, team",
              request: req("alice", groups: ["team"], .get, .repositories, "r"), allowed: false, reason: "no policy allows"),

        // Built-in roles.
        .init(name: "built-in readonly can get", policy: "g, bob, role:readonly",
              request: req("bob", .get, .applications, "team-a/guestbook"), allowed: true,
              reason: "allowed by built-in: p, role:readonly, applications, get, */*, allow (bob → role:readonly)"),
        .init(name: "built-in readonly cannot sync", policy: "g, bob, role:readonly",
              request: req("bob", .sync, .applications, "team-a/guestbook"), allowed: false,
              reason: "denied: no policy allows bob to sync applications team-a/guestbook"),
        .init(name: "built-in admin user", policy: "",
              request: req("admin", .delete, .clusters, "prod"), allowed: true,
              reason: "allowed by built-in: p, role:admin, clusters, delete, *, allow (admin → role:admin)"),
        .init(name: "admin inherits readonly", policy: "g, ops, role:admin",
              request: req("eve", groups: ["ops"], .get, .audit, "*"), allowed: true,
              reason: "(group ops → role:admin → role:readonly)"),
        .init(name: "policy.csv can deny within the built-in admin role",
              policy: "p, role:admin, clusters, delete, prod, deny",
              request: req("admin", .delete, .clusters, "prod"), allowed: false,
              reason: "denied by policy.csv:1: p, role:admin, clusters, delete, prod, deny (admin → role:admin), which wins over the allow in built-in"),

        // policy.default.
        .init(name: "no default: an unknown user gets nothing", policy: "",
              request: req("frank", .get, .applications, "team-a/guestbook"), allowed: false,
              reason: "denied: no policy allows frank to get applications team-a/guestbook"),
        .init(name: "default readonly: any user can get", policy: "", policyDefault: "role:readonly",
              request: req("frank", .get, .applications, "team-a/guestbook"), allowed: true,
              reason: "allowed by built-in: p, role:readonly, applications, get, */*, allow (policy.default role:readonly)"),
        .init(name: "default readonly: not sync", policy: "", policyDefault: "role:readonly",
              request: req("frank", .sync, .applications, "team-a/guestbook"), allowed: false, reason: "no policy allows frank"),
        .init(name: "default adds to what the user has", policy: "p, frank, applications, sync, */*, allow", policyDefault: "role:readonly",
              request: req("frank", .sync, .applications, "team-a/guestbook"), allowed: true, reason: "allowed by policy.csv:1"),
        .init(name: "deny wins even over what policy.default grants (stricter than Argo CD)",
              policy: "p, role:contractor, applications, get, secret/*, deny\ng, carol, role:contractor", policyDefault: "role:readonly",
              request: req("carol", .get, .applications, "secret/vault"), allowed: false,
              reason: "denied by policy.csv:1: p, role:contractor, applications, get, secret/*, deny (carol → role:contractor), which wins over the allow in built-in"),
        .init(name: "a deny in the default role is final",
              policy: "p, role:everyone, applications, get, */*, allow\np, role:everyone, applications, get, secret/*, deny\np, carol, applications, get, */*, allow",
              policyDefault: "role:everyone",
              request: req("carol", .get, .applications, "secret/vault"), allowed: false,
              reason: "denied by policy.csv:2: p, role:everyone, applications, get, secret/*, deny (policy.default role:everyone)"),

        // Project roles.
        .init(name: "project token acts in its project", policy: "", projectRoles: [deployer],
              request: req("proj:team-a:deployer", .sync, .applications, "team-a/guestbook"), allowed: true,
              reason: "allowed by project team-a role deployer: p, proj:team-a:deployer, applications, sync, team-a/*, allow"),
        .init(name: "project token is worthless in another project, whatever policy.csv says",
              policy: "p, proj:team-a:deployer, applications, sync, team-b/*, allow", policyDefault: "role:readonly", projectRoles: [deployer],
              request: req("proj:team-a:deployer", .get, .applications, "team-b/guestbook"), allowed: false,
              reason: "denied: project token proj:team-a:deployer can act only in project team-a, not in team-b"),
        .init(name: "project role deny wins", policy: "", projectRoles: [deployer],
              request: req("proj:team-a:deployer", .sync, .applications, "team-a/prod-api"), allowed: false,
              reason: "denied by project team-a role deployer: p, proj:team-a:deployer, applications, sync, team-a/prod-*, deny"),
        .init(name: "project role groups hold the role", policy: "", projectRoles: [deployer],
              request: req("ci-bot", groups: ["team-a-ci"], .sync, .applications, "team-a/guestbook"), allowed: true,
              reason: "(group team-a-ci → proj:team-a:deployer)"),
        .init(name: "project role groups hold nothing in other projects",
              policy: "p, proj:team-a:deployer, applications, sync, team-b/*, allow", projectRoles: [deployer],
              request: req("ci-bot", groups: ["team-a-ci"], .sync, .applications, "team-b/guestbook"), allowed: false,
              reason: "no policy allows ci-bot (groups: team-a-ci)"),
        .init(name: "project roles may get their own project", policy: "", projectRoles: [deployer],
              request: req("proj:team-a:deployer", .get, .projects, "team-a"), allowed: true,
              reason: "allowed by project team-a role deployer: p, proj:team-a:deployer, projects, get, team-a, allow"),
        .init(name: "project token gets nothing outside any project, not even policy.default",
              policy: "", policyDefault: "role:readonly", projectRoles: [deployer],
              request: req("proj:team-a:deployer", .get, .clusters, "prod"), allowed: false,
              reason: "can act only in project team-a"),
        .init(name: "project token cannot change clusters", policy: "p, proj:team-a:deployer, clusters, update, *, allow", projectRoles: [deployer],
              request: req("proj:team-a:deployer", .update, .clusters, "prod"), allowed: false, reason: "can act only in project team-a"),
    ]

    @Test(arguments: cases)
    func decides(_ c: DecisionCase) throws {
        let enforcer = try Enforcer(policyCSV: c.policy, policyDefault: c.policyDefault, projectRoles: c.projectRoles)
        let decision = enforcer.decide(c.request)
        #expect(decision.allowed == c.allowed)
        #expect(decision.reason.contains(c.reason), "\(decision.reason)")
    }

    @Test func adminCanDoEverything() throws {
        let enforcer = try Enforcer(policyCSV: "")
        for resource in Resource.allCases {
            for action in resource.actions {
                let object = resource.isProjectScoped ? "any-project/any-app" : "anything"
                #expect(enforcer.can("admin", action, resource, object), "admin \(action) \(resource)")
            }
        }
    }

    @Test func readonlyCanGetEverythingAndNothingElse() throws {
        let enforcer = try Enforcer(policyCSV: "", policyDefault: "role:readonly")
        for resource in Resource.allCases {
            for action in resource.actions {
                let object = resource.isProjectScoped ? "p/a" : "x"
                #expect(enforcer.can("someone", action, resource, object) == (action == .get), "\(action) \(resource)")
            }
        }
    }

    @Test func decisionListsEveryDecidingLineAndWhatItOverrode() throws {
        let enforcer = try Enforcer(policyCSV: """
            p, role:a, applications, delete, */*, deny
            p, role:b, applications, delete, team-a/*, deny
            p, alice, applications, *, */*, allow
            g, alice, role:a
            g, devs, role:b
            """)
        let decision = enforcer.decide(req("alice", groups: ["devs"], .delete, .applications, "team-a/x"))
        #expect(!decision.allowed)
        #expect(decision.basis == .deniedByPolicy)
        #expect(decision.decidingLines == [
            "policy.csv:1: p, role:a, applications, delete, */*, deny (alice → role:a)",
            "policy.csv:2: p, role:b, applications, delete, team-a/*, deny (group devs → role:b)",
        ])
        #expect(decision.overridden.map(\.rule.origin) == [.file(name: "policy.csv", line: 3)])
    }

    @Test func sourceNameAppearsInDecisions() throws {
        let enforcer = try Enforcer(policyCSV: "\np, alice, audit, get, *, allow", source: "argocd-rbac-cm/policy.csv")
        #expect(enforcer.decide(req("alice", .get, .audit, "x")).reason
            == "allowed by argocd-rbac-cm/policy.csv:2: p, alice, audit, get, *, allow")
    }

    @Test func withoutBuiltinPolicyAdminIsAnOrdinaryName() throws {
        let enforcer = try Enforcer(policyCSV: "", includeBuiltinPolicy: false)
        #expect(!enforcer.can("admin", .get, .clusters, "x"))
    }

    @Test func invalidConfigurationReportsEveryProblem() {
        let policy = """
            p, role:dev, aplications, get, */*, allow
            g, alice, role:dev
            p, role:dev, applications, sync, */*, alow
            """
        let bad = ProjectRoleBinding(project: "team-a", role: "ci", policies: ["p, proj:team-a:ci, applications, sync, team-b/*, allow"])
        let error = #expect(throws: RBACConfigurationError.self) {
            try Enforcer(policyCSV: policy, policyDefault: "role:readonyl", projectRoles: [bad])
        }
        #expect(error?.diagnostics.map(\.location) == [
            "policy.csv:1", "policy.csv:3", "project team-a role ci, policy 1", "policy.default",
        ])
        #expect(error?.diagnostics.last?.fix == #"did you mean "role:readonly"?"#)
        #expect(error?.description.contains(#"policy.csv:1: unknown resource "aplications"; did you mean "applications"?"#) == true)
    }

    @Test func emptyDefaultGrantsNothingAndUndefinedDefaultIsAnError() throws {
        #expect(try Enforcer(policyCSV: "", policyDefault: "  ").defaultRole == "")
        #expect(throws: RBACConfigurationError.self) { try Enforcer(policyCSV: "", policyDefault: "role:authenticated") }
        let defined = try Enforcer(policyCSV: "p, role:authenticated, audit, get, *, allow", policyDefault: "role:authenticated")
        #expect(defined.can("anyone", .get, .audit, "x"))
    }

    @Test func grantingAnUndefinedRoleIsAWarning() throws {
        let enforcer = try Enforcer(policyCSV: "g, alice, role:amdin\ng, bob, role:readonly")
        #expect(enforcer.warnings.map(\.description) == [
            #"policy.csv:1: "role:amdin" is granted here but no policy line defines it, so it grants nothing; did you mean "role:admin"?"#,
        ])
    }

    @Test func enforcerIsAValueThatCanCrossConcurrencyDomains() async throws {
        let enforcer = try Enforcer(policyCSV: "p, alice, audit, get, *, allow")
        let allowed = await Task.detached { enforcer.can("alice", .get, .audit, "x") }.value
        #expect(allowed)
    }
}
