import Testing
@testable import HubRBAC

/// Lists decide `applications get` once per project when the policy cannot tell that project's
/// apps apart. The shortcut must never disagree with deciding app by app, and must be taken for
/// the policies people write (`P/*`, `*/*`, the built-in roles).
@Suite struct ProjectWideDecisionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let policy: String
        var policyDefault = ""
        var roles: [ProjectRoleBinding] = []
        let subject: String
        var groups: [String] = []
        /// Whether the shortcut must apply to project `team-a` (nil: it must decline).
        let wide: Bool?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "admin", policy: "", subject: "admin", wide: true),
        Case(name: "readonly by default", policy: "", policyDefault: "role:readonly", subject: "bob", wide: true),
        Case(name: "nothing", policy: "", subject: "bob", wide: false),
        Case(name: "own project", policy: "p, role:a, applications, get, team-a/*, allow\ng, alice, role:a", subject: "alice", wide: true),
        Case(name: "other project only", policy: "p, role:b, applications, get, team-b/*, allow\ng, alice, role:b", subject: "alice", wide: false),
        Case(name: "glob project", policy: "p, role:t, applications, *, team-*/*, allow\ng, ops, role:t", subject: "carol", groups: ["ops"], wide: true),
        Case(name: "prefix star", policy: "p, role:t, applications, get, team-*, allow\ng, ops, role:t", subject: "carol", groups: ["ops"], wide: true),
        Case(name: "some apps", policy: "p, role:w, applications, get, team-a/web-*, allow\ng, alice, role:w", subject: "alice", wide: nil),
        Case(name: "deny some apps", policy: "p, role:a, applications, get, */*, allow\np, role:a, applications, get, team-a/secret, deny\ng, alice, role:a",
             subject: "alice", wide: nil),
        Case(name: "deny the project", policy: "p, role:a, applications, get, */*, allow\np, alice, applications, get, team-a/*, deny\ng, alice, role:a",
             subject: "alice", wide: false),
        Case(name: "deny beats the default role", policy: "p, alice, applications, *, team-a/*, deny", policyDefault: "role:readonly", subject: "alice", wide: false),
        Case(name: "other action only", policy: "p, role:s, applications, sync, team-a/*, allow\ng, alice, role:s", subject: "alice", wide: false),
        Case(name: "project role token", policy: "", roles: [ProjectRoleBinding(project: "team-a", role: "ci", policies: ["p, proj:team-a:ci, applications, get, team-a/*, allow"])],
             subject: "proj:team-a:ci", wide: true),
        Case(name: "other project's token", policy: "p, proj:team-b:ci, applications, get, */*, allow", subject: "proj:team-b:ci", wide: false),
        Case(name: "class and app pattern", policy: "p, role:x, applications, get, team-[ab]/web*, allow\ng, alice, role:x", subject: "alice", wide: nil),
        Case(name: "class project", policy: "p, role:x, applications, get, team-[ab]/*, allow\ng, alice, role:x", subject: "alice", wide: true),
    ]

    @Test(arguments: cases)
    func agreesWithDecidingAppByApp(_ c: Case) throws {
        let enforcer = try Enforcer(policyCSV: c.policy, policyDefault: c.policyDefault, projectRoles: c.roles)
        let wide = enforcer.projectWideDecision(subject: c.subject, groups: c.groups, action: .get, project: "team-a")
        #expect(wide == c.wide)
        for app in ["web-1", "web", "secret", "api", "x", "team-a"] {
            let one = enforcer.decide(AccessRequest(subject: c.subject, groups: c.groups, resource: .applications, action: .get, object: "team-a/\(app)")).allowed
            if let wide { #expect(wide == one, "team-a/\(app)") }
        }
    }

    @Test func coverageOfObjectGlobs() {
        #expect(Enforcer.coverage(of: "*", project: "p") == .all)
        #expect(Enforcer.coverage(of: "*/*", project: "p") == .all)
        #expect(Enforcer.coverage(of: "p/*", project: "p") == .all)
        #expect(Enforcer.coverage(of: "q/*", project: "p") == .none)
        #expect(Enforcer.coverage(of: "pp/*", project: "p") == .none)
        #expect(Enforcer.coverage(of: "p?/*", project: "p") == .none)
        #expect(Enforcer.coverage(of: "p/web-*", project: "p") == .some)
        #expect(Enforcer.coverage(of: "p/web", project: "p") == .some)
        #expect(Enforcer.coverage(of: "[pq]/*", project: "p") == .all)
    }
}
