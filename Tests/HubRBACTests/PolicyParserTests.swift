import Testing
@testable import HubRBAC

@Suite struct PolicyParserTests {
    @Test func readsPolicyAndGrantLinesIgnoringCommentsBlanksAndWhitespace() {
        let text = """
            # team policies

               p ,  role:dev , applications , sync , team-a/* , allow   \r
            p, role:dev, applications, delete, team-a/*, deny
            p, role:dev, applications, get, "team-a/{web,api}"
            g, alice, role:dev
            """
        let result = PolicyParser.parse(text)
        #expect(result.errors == [])
        #expect(result.policy.rules.map(\.subject) == ["role:dev", "role:dev", "role:dev"])
        #expect(result.policy.rules.map(\.effect) == [.allow, .deny, .allow])  // effect left out means allow
        #expect(result.policy.rules.map(\.object.pattern) == ["team-a/*", "team-a/*", "team-a/{web,api}"])
        #expect(result.policy.rules.map(\.origin.description) == ["policy.csv:3", "policy.csv:4", "policy.csv:5"])
        #expect(result.policy.grants.map { [$0.member, $0.role] } == [["alice", "role:dev"]])
        #expect(result.policy.grants.first?.origin.description == "policy.csv:6")
    }

    @Test func quotedFieldsMayHoldCommasAndQuotes() {
        let result = PolicyParser.parse(#"p, "team ""x""", applications, get, "*/{a,b}", allow"#)
        #expect(result.errors == [])
        #expect(result.policy.rules.first?.subject == #"team "x""#)
        #expect(result.policy.rules.first?.object.matches("p/b") == true)
    }

    struct BadLine: Sendable, CustomTestStringConvertible {
        let line: String
        let problem: String
        let fix: String
        var testDescription: String { line }
    }

    static let badLines: [BadLine] = [
        .init(line: "p, role:x, aplications, get, */*, allow", problem: #"unknown resource "aplications""#, fix: #"did you mean "applications"?"#),
        .init(line: "p, role:x, app, get, */*, allow", problem: #"unknown resource "app""#, fix: #"write "applications""#),
        .init(line: "p, role:x, logs, get, */*, allow", problem: "is an Argo CD resource Hawser does not have", fix: "remove the line"),
        .init(line: "p, role:x, foo*, get, *, allow", problem: #"the resource pattern "foo*" matches no resource"#, fix: "use"),
        .init(line: "p, role:x, applications, sycn, */*, allow", problem: #"unknown action "sycn""#, fix: #"did you mean "sync"?"#),
        .init(line: "p, role:x, applications, action/*, */*, allow", problem: "is an Argo CD action Hawser does not have", fix: "no per-resource"),
        .init(line: "p, role:x, clusters, sync, *, allow", problem: #"action "sync" does not apply to clusters"#, fix: #"actions on clusters are "get", "create", "update" or "delete""#),
        .init(line: "p, role:x, applications, get, guestbook, allow", problem: "can never match", fix: #""*/guestbook""#),
        .init(line: "p, role:x, applications, get, team-a/[abc, allow", problem: #"the object "team-a/[abc" is not a valid glob"#, fix: "literally"),
        .init(line: "p, role:x, applications, get, */*, permit", problem: #"the effect "permit" is not allow or deny"#, fix: "allow or deny"),
        .init(line: "p, role:x, applications, get, */*, Deny", problem: "must be lower case", fix: #"write "deny""#),
        .init(line: "p, role:x, applications, get, */*, allow # temp", problem: "is not allow or deny", fix: "comments must be on a line of their own"),
        .init(line: "p, role:x, applications, get", problem: "5 or 6 comma-separated fields", fix: "p, <subject>, <resource>, <action>, <object>, allow|deny"),
        .init(line: "p, role:x, applications, get, team-a/{web,api}, allow", problem: "this one has 7", fix: "quote a field that contains a comma"),
        .init(line: "p, , applications, get, */*, allow", problem: "the subject is empty", fix: "name the user"),
        .init(line: "p, role:x, applications, get, , allow", problem: "the object is empty", fix: "or * for any"),
        .init(line: #"p, "role:x, applications, get, */*, allow"#, problem: "no closing quote", fix: "close the quote"),
        .init(line: #"p, role"x, applications, get, */*, allow"#, problem: "a quote in the middle", fix: "quote the whole field"),
        .init(line: "g, alice", problem: "a g line has 3 comma-separated fields", fix: "g, <user-or-group>, <role>"),
        .init(line: "g, alice, role:a, role:b", problem: "this one has 4", fix: "one line per role"),
        .init(line: "x, alice, role:dev", problem: #"must start with "p""#, fix: "comments start with #"),
        .init(line: "P, alice, applications, get, */*, allow", problem: "must be lower case", fix: #"write "p""#),
    ]

    @Test(arguments: badLines)
    func rejectsBadLineNamingSourceLineProblemAndFix(_ bad: BadLine) throws {
        let result = PolicyParser.parse("# header\n\n" + bad.line, source: "policy.csv")
        let error = try #require(result.errors.first)
        #expect(result.errors.count == 1)
        #expect(result.policy.rules.isEmpty && result.policy.grants.isEmpty)
        #expect(error.location == "policy.csv:3")
        #expect(error.line == 3)
        #expect(error.text == bad.line.trimmingWhitespace)
        #expect(error.problem.contains(bad.problem), "\(error.problem)")
        #expect(error.fix.contains(bad.fix), "\(error.fix)")
        #expect(error.description.hasPrefix("policy.csv:3: "))
    }

    @Test func reportsEveryBadLineNotJustTheFirst() {
        let text = """
            p, role:dev, applications, get, */*, allow
            p, role:dev, aplications, get, */*, allow
            g, alice, role:dev
            p, role:dev, applications, sync, */*, maybe
            g, bob
            """
        let result = PolicyParser.parse(text, source: "rbac/policy.csv")
        #expect(result.errors.map(\.location) == ["rbac/policy.csv:2", "rbac/policy.csv:4", "rbac/policy.csv:5"])
        #expect(result.policy.rules.count == 1)
        #expect(result.policy.grants.count == 1)
    }

    @Test func reportsEachProblemOfOneLine() {
        let result = PolicyParser.parse("p, role:x, aplications, sycn, */*, alow")
        #expect(result.errors.map(\.problem) == [
            #"unknown resource "aplications""#, #"unknown action "sycn""#, #"the effect "alow" is not allow or deny"#,
        ])
        #expect(result.errors.last?.fix == #"did you mean "allow"?"#)
    }

    @Test func globsInResourceAndActionAreAcceptedWhenTheyCanMatch() {
        let result = PolicyParser.parse("""
            p, role:x, *, *, *, allow
            p, role:x, "{projects,clusters}", get, *, allow
            p, role:x, applications, "{sync,rollback}", "team-a/*", allow
            p, role:x, app*, s*, team-?/*, deny
            """)
        #expect(result.errors == [])
    }

    @Test func builtinPolicyIsValidAndGrantsAdminEveryActionOfEveryResource() throws {
        #expect(BuiltinPolicy.parsed.errors == [])
        let admin = BuiltinPolicy.parsed.policy.rules.filter { $0.subject == BuiltinPolicy.adminRole }
        let readonly = BuiltinPolicy.parsed.policy.rules.filter { $0.subject == BuiltinPolicy.readonlyRole }
        for resource in Resource.allCases {
            for action in resource.actions {
                let object = resource.isProjectScoped ? "p/a" : "x"
                let rules = action == .get ? readonly : admin
                #expect(rules.contains { $0.covers(resource: resource, action: action, object: object) }, "\(action) \(resource)")
            }
        }
        #expect(!readonly.contains { $0.action.matches("sync") })
    }
}
