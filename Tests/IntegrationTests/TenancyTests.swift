import AsyncHTTPClient
import Crypto
import Foundation
import HawserProtocol
import HawserWire
import HubAuth
import HubCore
import JWTKit
import AgentLink
import AgentRuntime
import KubeSim
import NIOCore
import NIOHTTP1
import Testing

/// Teams sharing one hub: each sees and changes only its own applications. An adversarial
/// table of attempts, each asserting the refusal (401/403/400), an audit entry for it, and that
/// nothing in the cluster changed.
@Suite(.serialized) struct TenancyTests {
    static let policy = """
        # Two teams and a contractor who may never delete.
        p, role:team-a, applications, *, team-a/*, allow
        p, role:team-a, projects, get, team-a, allow
        p, role:team-b, applications, *, team-b/*, allow
        p, role:team-b, projects, get, team-b, allow
        p, role:contractor, applications, delete, */*, deny
        g, alice, role:team-a
        g, carol, role:team-a
        g, carol, role:contractor
        g, bob, role:team-b
        """

    struct API {
        let base: String
        func call(_ method: HTTPMethod, _ path: String, token: String?, json: String? = nil) async throws -> (status: Int, body: String) {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            if let json {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: json))
            }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), String(buffer: body))
        }

        func login(_ user: String, _ password: String) async throws -> String {
            let r = try await call(.POST, "/api/v1/session", token: nil, json: #"{"username":"\#(user)","password":"\#(password)"}"#)
            guard r.status == 201 else { throw TestFailure("login of \(user) failed: \(r.status) \(r.body)") }
            return try WireJSON.decoder().decode(SessionResponse.self, from: Data(r.body.utf8)).token
        }
    }

    static func configMap(_ name: String, _ ns: String? = nil) -> String {
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(name)\(ns.map { "\n  namespace: \($0)" } ?? "")\ndata:\n  k: v\n"
    }

    /// base64url without padding, as JWTs use.
    static func b64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func b64urlDecode(_ s: String) -> Data? {
        var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        return Data(base64Encoded: t)
    }

    @Test func anAdversarialTableOfAttemptsIsRefusedAuditedAndChangesNothing() async throws {
        let s = try await ClusterSetup.start("shared", hub: { $0.rbacPolicyCSV = Self.policy })
        let api = API(base: s.hub.apiURL)
        let admin = s.hub.adminToken
        let hub = s.hub.hub

        // Two team projects, each confined to its own namespace, with a CI role in team-a.
        for team in ["team-a", "team-b"] {
            var spec = ProjectSpec(description: team, sourceRepos: ["*"], destinations: [ProjectDestination(name: "shared", namespace: team)])
            if team == "team-a" {
                spec.roles = [ProjectRole(name: "ci", policies: ["p, proj:team-a:ci, applications, sync, team-a/*, allow",
                                                                 "p, proj:team-a:ci, applications, get, team-a/*, allow"])]
            }
            _ = try await hub.createProject(ProjectView(name: team, spec: spec))
        }
        // Local accounts for the people; admin creates them.
        for user in ["alice", "bob", "carol"] {
            let r = try await api.call(.PUT, "/api/v1/accounts/\(user)/password", token: admin, json: #"{"newPassword":"\#(user)-secret-pw"}"#)
            #expect(r.status == 204, "\(r.body)")
        }
        let alice = try await api.login("alice", "alice-secret-pw")
        let bob = try await api.login("bob", "bob-secret-pw")
        let carol = try await api.login("carol", "carol-secret-pw")
        let ciTokenResponse = try await api.call(.POST, "/api/v1/tokens", token: admin, json: #"{"project":"team-a","role":"ci"}"#)
        #expect(ciTokenResponse.status == 201, "\(ciTokenResponse.body)")
        let ciToken = try WireJSON.decoder().decode(TokenCreateResponse.self, from: Data(ciTokenResponse.body.utf8)).token

        // Each team deploys its app.
        let repo = try await TestRepo.create(files: [
            "a/cm.yaml": Self.configMap("a-cm"), "b/cm.yaml": Self.configMap("b-cm"),
            "escape/cm.yaml": Self.configMap("escaped", "kube-system"),
            "clusterwide/role.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: sneaky\nrules: []\n",
        ])
        func app(_ name: String, _ project: String, _ path: String, _ ns: String) -> String {
            #"{"name":"\#(name)","project":"\#(project)","repoURL":"\#(repo.path)","path":"\#(path)","cluster":"shared","namespace":"\#(ns)","syncPolicy":{"automated":true,"selfHeal":false,"prune":true,"syncOptions":["CreateNamespace=true"]}}"#
        }
        #expect(try await api.call(.POST, "/api/v1/applications", token: alice, json: app("a-web", "team-a", "a", "team-a")).status == 201)
        #expect(try await api.call(.POST, "/api/v1/applications", token: bob, json: app("b-web", "team-b", "b", "team-b")).status == 201)
        try await eventually("both teams' apps deployed") {
            let a = await s.get("v1", "ConfigMap", "team-a", "a-cm")
            let b = await s.get("v1", "ConfigMap", "team-b", "b-cm")
            return a != nil && b != nil
        }
        let bBefore = await s.get("v1", "ConfigMap", "team-b", "b-cm")

        // Tokens no one should accept.
        let signingKey = try String(contentsOfFile: s.hub.dataDirectory + "/session-signing-key.pem", encoding: .utf8)
        let header = Self.b64url(Data(#"{"alg":"none","typ":"JWT","kid":"hawser-session"}"#.utf8))
        let parts = alice.split(separator: ".").map(String.init)
        var claims = try JSONSerialization.jsonObject(with: Self.b64urlDecode(parts[1])!) as! [String: Any]
        let algNone = header + "." + parts[1] + "."
        claims["groups"] = ["team-b"]
        claims["sub"] = "bob"
        let tampered = parts[0] + "." + Self.b64url(try JSONSerialization.data(withJSONObject: claims)) + "." + parts[2]
        let otherKey = try await SessionTokens(privateKeyPEM: SessionTokens.newPrivateKeyPEM())
        let session = try #require(try await hub.authenticate(bearer: alice)?.sessionID)
        let wrongKey = try await otherKey.sign(sessionID: session, subject: "alice", groups: [], expiresAt: Date().addingTimeInterval(3600))
        struct Foreign: JWTPayload {
            var iss: IssuerClaim, aud: AudienceClaim, sub: SubjectClaim, jti: IDClaim, iat: IssuedAtClaim, exp: ExpirationClaim, groups: [String]
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: try ES256PrivateKey(pem: signingKey), kid: "hawser-session")
        let wrongAudience = try await keys.sign(Foreign(iss: .init(value: "hawser"), aud: .init(value: ["some-other-api"]), sub: .init(value: "alice"), jti: .init(value: session),
                                                       iat: .init(value: Date()), exp: .init(value: Date().addingTimeInterval(3600)), groups: []),
                                               kid: "hawser-session")
        let expiringToken = try await api.call(.POST, "/api/v1/tokens", token: admin, json: #"{"project":"team-a","role":"ci","expiresInSeconds":60}"#)
        let shortLived = try WireJSON.decoder().decode(TokenCreateResponse.self, from: Data(expiringToken.body.utf8)).token
        let revokedResponse = try await api.call(.POST, "/api/v1/tokens", token: admin, json: #"{"project":"team-a","role":"ci"}"#)
        let revoked = try WireJSON.decoder().decode(TokenCreateResponse.self, from: Data(revokedResponse.body.utf8))
        #expect(try await api.call(.DELETE, "/api/v1/tokens/\(revoked.info.id)", token: admin).status == 204)
        let loggedOut = try await api.login("bob", "bob-secret-pw")
        #expect(try await api.call(.DELETE, "/api/v1/session", token: loggedOut).status == 204)

        struct Attempt {
            let name: String
            let expect: Int
            let run: () async throws -> (status: Int, body: String)
        }
        let attempts: [Attempt] = [
            Attempt(name: "alice reads team B's app", expect: 403) { try await api.call(.GET, "/api/v1/applications/b-web", token: alice) },
            Attempt(name: "alice syncs team B's app", expect: 403) { try await api.call(.POST, "/api/v1/applications/b-web/sync", token: alice) },
            Attempt(name: "alice deletes team B's app", expect: 403) { try await api.call(.DELETE, "/api/v1/applications/b-web", token: alice) },
            Attempt(name: "alice rolls back team B's app", expect: 403) {
                try await api.call(.POST, "/api/v1/applications/b-web/rollback", token: alice, json: #"{"id":1}"#)
            },
            Attempt(name: "alice reads team B's deployment history", expect: 403) { try await api.call(.GET, "/api/v1/applications/b-web/history", token: alice) },
            Attempt(name: "alice refreshes team B's app", expect: 403) { try await api.call(.POST, "/api/v1/applications/b-web/refresh", token: alice) },
            Attempt(name: "alice creates an app in project team-b", expect: 403) {
                try await api.call(.POST, "/api/v1/applications", token: alice, json: app("a-sneak", "team-b", "b", "team-b"))
            },
            Attempt(name: "alice reads an app that does not exist (no 404 leak)", expect: 403) { try await api.call(.GET, "/api/v1/applications/nope", token: alice) },
            Attempt(name: "alice deploys to team B's namespace through her project", expect: 403) {
                try await api.call(.POST, "/api/v1/applications", token: alice, json: app("a-ns", "team-a", "a", "team-b"))
            },
            Attempt(name: "alice's app path escapes the repository with ../", expect: 400) {
                try await api.call(.POST, "/api/v1/applications", token: alice, json: app("a-dots", "team-a", "../b", "team-a"))
            },
            Attempt(name: "alice's app path is absolute", expect: 400) {
                try await api.call(.POST, "/api/v1/applications", token: alice, json: app("a-abs", "team-a", "/etc", "team-a"))
            },
            Attempt(name: "alice moves her app into project team-b", expect: 403) {
                try await api.call(.PUT, "/api/v1/applications/a-web", token: alice, json: app("a-web", "team-b", "a", "team-b"))
            },
            Attempt(name: "alice points her app at team B's namespace", expect: 403) {
                try await api.call(.PUT, "/api/v1/applications/a-web", token: alice, json: app("a-web", "team-a", "a", "team-b"))
            },
            Attempt(name: "alice changes team B's app", expect: 403) {
                try await api.call(.PUT, "/api/v1/applications/b-web", token: alice, json: app("b-web", "team-b", "a", "team-b"))
            },
            Attempt(name: "alice reads project team-b", expect: 403) { try await api.call(.GET, "/api/v1/projects/team-b", token: alice) },
            Attempt(name: "alice widens her own project", expect: 403) {
                try await api.call(.PUT, "/api/v1/projects/team-a", token: alice, json: #"{"name":"team-a","spec":{"sourceRepos":["*"],"destinations":[{"name":"*","namespace":"*"}]}}"#)
            },
            Attempt(name: "alice deletes project team-b", expect: 403) { try await api.call(.DELETE, "/api/v1/projects/team-b", token: alice) },
            Attempt(name: "alice creates a project", expect: 403) {
                try await api.call(.POST, "/api/v1/projects", token: alice, json: #"{"name":"mine","spec":{"sourceRepos":["*"]}}"#)
            },
            Attempt(name: "alice registers a cluster", expect: 403) { try await api.call(.POST, "/api/v1/clusters", token: alice, json: #"{"name":"rogue"}"#) },
            Attempt(name: "alice revokes the shared cluster", expect: 403) { try await api.call(.POST, "/api/v1/clusters/shared/revoke", token: alice) },
            Attempt(name: "alice mints a bootstrap token for the cluster", expect: 403) { try await api.call(.POST, "/api/v1/clusters/shared/token", token: alice) },
            Attempt(name: "alice reads the audit trail", expect: 403) { try await api.call(.GET, "/api/v1/audit", token: alice) },
            Attempt(name: "alice mints a CI token for her project", expect: 403) {
                try await api.call(.POST, "/api/v1/tokens", token: alice, json: #"{"project":"team-a","role":"ci"}"#)
            },
            Attempt(name: "alice sets bob's password", expect: 403) {
                try await api.call(.PUT, "/api/v1/accounts/bob/password", token: alice, json: #"{"newPassword":"owned-you-now"}"#)
            },
            Attempt(name: "alice asks RBAC about bob", expect: 403) {
                try await api.call(.POST, "/api/v1/rbac/can", token: alice, json: #"{"subject":"bob","action":"get","resource":"applications","object":"team-b/b-web"}"#)
            },
            Attempt(name: "carol (contractor) deletes her team's app: deny wins", expect: 403) {
                try await api.call(.DELETE, "/api/v1/applications/a-web", token: carol)
            },
            Attempt(name: "team-a CI token reads team B's app", expect: 403) { try await api.call(.GET, "/api/v1/applications/b-web", token: ciToken) },
            Attempt(name: "team-a CI token syncs team B's app", expect: 403) { try await api.call(.POST, "/api/v1/applications/b-web/sync", token: ciToken) },
            Attempt(name: "team-a CI token deletes its own project's app", expect: 403) { try await api.call(.DELETE, "/api/v1/applications/a-web", token: ciToken) },
            Attempt(name: "team-a CI token mints itself a token that never expires", expect: 403) {
                try await api.call(.POST, "/api/v1/tokens", token: ciToken, json: #"{}"#)
            },
            Attempt(name: "team-a CI token reads the audit trail", expect: 403) { try await api.call(.GET, "/api/v1/audit", token: ciToken) },
            Attempt(name: "team-a CI token creates a project", expect: 403) {
                try await api.call(.POST, "/api/v1/projects", token: ciToken, json: #"{"name":"ci-made","spec":{}}"#)
            },
            Attempt(name: "no token at all", expect: 401) { try await api.call(.GET, "/api/v1/applications", token: nil) },
            Attempt(name: "a made-up token", expect: 401) { try await api.call(.GET, "/api/v1/applications", token: "hwst_not-a-real-token") },
            Attempt(name: "a revoked API token", expect: 401) { try await api.call(.GET, "/api/v1/applications", token: revoked.token) },
            Attempt(name: "a session token with alg none", expect: 401) { try await api.call(.GET, "/api/v1/applications", token: algNone) },
            Attempt(name: "a session token signed by another key", expect: 401) { try await api.call(.GET, "/api/v1/applications", token: wrongKey) },
            Attempt(name: "a session token with tampered subject and groups", expect: 401) { try await api.call(.GET, "/api/v1/applications", token: tampered) },
            Attempt(name: "a session token for another audience", expect: 401) { try await api.call(.GET, "/api/v1/applications", token: wrongAudience) },
            Attempt(name: "a logged-out session", expect: 401) { try await api.call(.GET, "/api/v1/applications", token: loggedOut) },
            Attempt(name: "a wrong password", expect: 401) {
                try await api.call(.POST, "/api/v1/session", token: nil, json: #"{"username":"alice","password":"guess"}"#)
            },
        ]
        #expect(attempts.count >= 30)
        for attempt in attempts {
            let before = try await hub.auditEvents(limit: 1).first?.id ?? 0
            let r = try await attempt.run()
            #expect(r.status == attempt.expect, "\(attempt.name): expected \(attempt.expect), got \(r.status) \(r.body)")
            let entries = try await hub.auditEvents(limit: 20).filter { $0.id > before }
            #expect(entries.contains { $0.outcome == "denied" || $0.outcome == "failed" }, "\(attempt.name): no audit entry (\(entries))")
        }

        // Time passes: the 60-second token and every session expire.
        s.hub.clock.advance(25 * 3600)
        for (name, token) in [("an expired API token", shortLived), ("an expired session", alice)] {
            let before = try await hub.auditEvents(limit: 1).first?.id ?? 0
            let r = try await api.call(.GET, "/api/v1/applications", token: token)
            #expect(r.status == 401, "\(name): \(r.status)")
            #expect(try await hub.auditEvents(limit: 5).contains { $0.id > before && $0.outcome == "denied" }, "\(name) not audited")
        }

        // Nothing changed in the cluster: team B's object is as it was, nothing escaped.
        try await Task.sleep(for: .seconds(1))
        #expect(await s.get("v1", "ConfigMap", "team-b", "b-cm")?[path: ["metadata", "resourceVersion"]] == bBefore?[path: ["metadata", "resourceVersion"]])
        #expect(await s.get("v1", "ConfigMap", "team-a", "a-cm") != nil)
        #expect(await s.get("v1", "ConfigMap", "kube-system", "escaped") == nil)
        #expect(try await hub.apps().map(\.spec.name).sorted() == ["a-web", "b-web"])
        await s.stop()
    }

    @Test func projectRulesRefuseManifestsAndTheRefusalIsAudited() async throws {
        let s = try await ClusterSetup.start("rules", hub: { $0.rbacPolicyCSV = Self.policy })
        let hub = s.hub.hub
        _ = try await hub.createProject(ProjectView(name: "team-a", spec: ProjectSpec(sourceRepos: ["*"], destinations: [ProjectDestination(name: "rules", namespace: "team-a")])))
        let repo = try await TestRepo.create(files: [
            "escape/cm.yaml": Self.configMap("escaped", "kube-system"),
            "clusterwide/role.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: sneaky\nrules: []\n",
        ])
        for (name, path) in [("escaper", "escape"), ("widener", "clusterwide")] {
            _ = try await hub.createApp(AppSpec(name: name, project: "team-a", repoURL: repo.path, path: path, cluster: "rules", namespace: "team-a",
                                                syncPolicy: SyncPolicy(automated: true)))
            #expect(try await hub.app(named: name).conditions.contains { $0.type == "InvalidSpecError" })
            #expect(try await hub.auditEvents(limit: 10).contains { $0.object == "team-a/\(name)" && $0.outcome == "denied" && $0.actor == "hawser:render" })
        }
        try await Task.sleep(for: .seconds(2))
        #expect(await s.get("v1", "ConfigMap", "kube-system", "escaped") == nil)
        #expect(await s.get("rbac.authorization.k8s.io/v1", "ClusterRole", nil, "sneaky") == nil)
        await s.stop()
    }

    @Test func anAgentCertificateGetsOnlyItsOwnClustersAssignmentsAndTokensAreSingleUse() async throws {
        let hub = try await HubHarness.start()
        let a = try await hub.hub.addCluster(ClusterCreateRequest(name: "cluster-a"))
        _ = try await hub.hub.addCluster(ClusterCreateRequest(name: "cluster-b"))
        let stateA = AgentStateDirectory(path: tempDirectory("agent-a"))
        _ = try await AgentJoin.join(hub: hub.agentAddress, token: a.bootstrapToken, caPin: a.caFingerprint, stateDirectory: stateA)
        // Replaying the bootstrap token is refused and audited.
        let replay = AgentStateDirectory(path: tempDirectory("agent-replay"))
        await #expect(throws: (any Error).self) {
            _ = try await AgentJoin.join(hub: hub.agentAddress, token: a.bootstrapToken, caPin: a.caFingerprint, stateDirectory: replay)
        }
        try await eventually("replay audited") {
            try await hub.hub.auditEvents(limit: 10).contains { $0.action == "join" && ($0.detail ?? "").contains("token_used") }
        }
        // Cluster A's certificate saying hello as cluster B.
        let idA = try stateA.identity()
        let b = try await hub.hub.cluster(named: "cluster-b")
        let channel = try await HubDialer.dial(try HubEndpoint(hub.agentAddress), credentials: try stateA.credentials())
        let answer: Frame? = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.hello(Hello(protocolVersions: [1], agentVersion: "test", clusterId: b.id, kubernetesVersion: nil, lastApplied: [:])))
            var last: Frame?
            do { for try await e in inbound { last = e.frame } } catch {}
            return last
        }
        guard case .error(let refusal) = answer else { Issue.record("expected cluster_mismatch, got \(String(describing: answer))"); return }
        #expect(refusal.code == .clusterMismatch, "\(refusal)")
        #expect(idA.clusterId != b.id)
        try await eventually("mismatch audited") {
            try await hub.hub.auditEvents(limit: 10).contains { $0.action == "connect" && ($0.detail ?? "").contains("cluster_mismatch") }
        }
        await hub.stop()
    }

    @Test func theCLILogsInExplainsDecisionsAndManagesTokens() async throws {
        let h = try await HubHarness.start(configure: { $0.rbacPolicyCSV = Self.policy })
        _ = try await h.hub.createProject(ProjectView(name: "team-a", spec: ProjectSpec(sourceRepos: ["*"], roles: [ProjectRole(name: "ci")])))
        let config = tempDirectory("cli-login") + "/config.json"
        func hawser(_ args: String..., token: Bool = false) async throws -> Proc.Output {
            var env = ["HAWSER_CONFIG": config]
            if token { env["HAWSER_SERVER"] = h.apiURL; env["HAWSER_TOKEN"] = h.adminToken }
            return try await Proc.run(try Proc.binary("hawser"), args, environment: env)
        }
        var r = try await hawser("account", "update-password", "--account", "admin", "--new-password", "correct-horse", token: true)
        #expect(r.ok, "\(r.stderr)")
        r = try await hawser("login", "--server", h.apiURL, "--username", "admin", "--password", "wrong-horse")
        #expect(!r.ok && r.stderr.contains("invalid username or password"), "\(r.stderr)")
        r = try await hawser("login", "--server", h.apiURL, "--username", "admin", "--password", "correct-horse")
        #expect(r.ok && r.stdout.contains("as admin"), "\(r.stdout) \(r.stderr)")
        r = try await hawser("account", "get-user-info")
        #expect(r.ok && r.stdout.contains("Subject: admin"), "\(r.stdout)")

        r = try await hawser("admin", "rbac", "can", "alice", "sync", "applications", "team-b/web")
        #expect(!r.ok && r.stdout.hasPrefix("No") && r.stdout.contains("no policy allows alice"), "\(r.stdout)")
        r = try await hawser("admin", "rbac", "can", "alice", "get", "applications", "team-a/web")
        #expect(r.ok && r.stdout.hasPrefix("Yes") && r.stdout.contains("policy.csv:2"), "\(r.stdout)")
        r = try await hawser("admin", "rbac", "can", "carol", "delete", "applications", "team-a/web")
        #expect(!r.ok && r.stdout.contains("deny"), "\(r.stdout)")

        r = try await hawser("account", "generate-token", "--project", "team-a", "--role", "ci", "--expires-in", "30d", "--description", "deploy pipeline")
        #expect(r.ok && r.stdout.hasPrefix("hwst_"), "\(r.stdout) \(r.stderr)")
        let token = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await h.hub.authenticate(bearer: token)?.name == "proj:team-a:ci")
        r = try await hawser("account", "list-tokens", "-o", "json")
        let tokens = try WireJSON.decoder().decode([TokenView].self, from: Data(r.stdout.utf8))
        let made = try #require(tokens.first { $0.subject == "proj:team-a:ci" })
        #expect(made.description == "deploy pipeline" && made.expiresAt != nil)
        r = try await hawser("account", "delete-token", made.id)
        #expect(r.ok, "\(r.stderr)")
        #expect(try await h.hub.authenticate(bearer: token) == nil, "a revoked token stops working at once")

        r = try await hawser("audit", "list")
        #expect(r.ok && r.stdout.contains("login") && r.stdout.contains("denied"), "\(r.stdout)")
        r = try await hawser("logout")
        #expect(r.ok, "\(r.stderr)")
        r = try await hawser("app", "list", "--server", h.apiURL)
        #expect(!r.ok && r.stderr.contains("401"), "after logout: \(r.stderr)")
        await h.stop()
    }

    @Test func symlinksThatLeaveTheRepositoryRefuseTheRevision() async throws {
        let s = try await ClusterSetup.start("links")
        let repo = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap("linked"), "elsewhere/cm.yaml": Self.configMap("other")])
        // An app directory holding a link to a file outside the repository, and an app whose
        // path itself is a link out of it.
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/app/passwd.yaml", withDestinationPath: "../../../../etc/passwd")
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/outside", withDestinationPath: "/etc")
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/app/inside.yaml", withDestinationPath: "../elsewhere/cm.yaml")
        _ = try await repo.git(["add", "-A"])
        _ = try await repo.git(["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "links"])
        let hub = s.hub.hub
        _ = try await hub.createApp(AppSpec(name: "links", repoURL: repo.path, path: "app", cluster: "links", namespace: "default",
                                            syncPolicy: SyncPolicy(automated: true)))
        let message = try #require(try await hub.app(named: "links").conditions.first { $0.type == "InvalidSpecError" }?.message)
        #expect(message.contains("app/passwd.yaml -> ../../../../etc/passwd") && !message.contains("inside.yaml"), "\(message)")
        #expect(try await hub.auditEvents(limit: 10).contains { $0.object == "default/links" && $0.outcome == "denied" })

        _ = try await hub.createApp(AppSpec(name: "outside", repoURL: repo.path, path: "outside", cluster: "links", namespace: "default",
                                            syncPolicy: SyncPolicy(automated: true)))
        let outside = try await hub.app(named: "outside")
        #expect(!outside.conditions.isEmpty && outside.targetCommit != nil, "\(outside.conditions)")
        try await Task.sleep(for: .seconds(2))
        #expect(await s.configMap("linked") == nil, "nothing of the refused revision is applied")
        #expect(await s.configMap("other") == nil)
        await s.stop()
    }

    @Test func passwordGuessingLocksTheAccountForAWhile() async throws {
        let h = try await HubHarness.start()
        let api = API(base: h.apiURL)
        #expect(try await api.call(.PUT, "/api/v1/accounts/admin/password", token: h.adminToken, json: #"{"newPassword":"right-password"}"#).status == 204)
        for _ in 0..<5 {
            #expect(try await api.call(.POST, "/api/v1/session", token: nil, json: #"{"username":"admin","password":"guess"}"#).status == 401)
        }
        let locked = try await api.call(.POST, "/api/v1/session", token: nil, json: #"{"username":"admin","password":"right-password"}"#)
        #expect(locked.status == 429 && locked.body.contains("too many failed logins"), "even the right password waits: \(locked)")
        #expect(try await h.hub.auditEvents(limit: 3).contains { ($0.detail ?? "").contains("too many failed logins") })
        h.clock.advance(301)
        #expect(try await api.call(.POST, "/api/v1/session", token: nil, json: #"{"username":"admin","password":"right-password"}"#).status == 201)
        await h.stop()
    }
}
