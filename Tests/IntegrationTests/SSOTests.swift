import AsyncHTTPClient
import Foundation
import HawserProtocol
import HubAuth
import HubCore
import NIOCore
import NIOHTTP1
import OIDCTestSupport
import Testing

/// Single sign-on against a real OpenID provider (PyPI oidc-provider-mock, started by the test):
/// the web login with code, PKCE, state and nonce; `hawser login --sso` through its loopback
/// redirect; groups mapped to roles by policy.csv; forged ID tokens; logout.
@Suite(.serialized) struct SSOTests {
    static let alice = #"{"sub":"alice","email":"alice@example.com","email_verified":true,"groups":["team-a","role:admin"]}"#
    /// Claims an e-mail it does not own and a reserved name.
    static let mallory = #"{"sub":"mallory","email":"alice@example.com","preferred_username":"admin","groups":["proj:team-a:ci"]}"#
    static let impostor = #"{"sub":"admin","groups":[]}"#
    static let policy = """
        p, role:team-a, projects, get, team-a, allow
        p, role:team-a, applications, *, team-a/*, allow
        g, team-a, role:team-a
        """

    func hub(_ mock: MockOIDCProvider) async throws -> HubHarness {
        try await HubHarness.start(configure: {
            $0.rbacPolicyCSV = Self.policy
            $0.oidc = mock.configuration()
        })
    }

    /// One request without following redirects; the session cookie and CSRF header optional.
    func call(_ method: HTTPMethod, _ url: String, cookie: String? = nil, csrf: Bool = false, json: String? = nil) async throws -> (status: Int, location: String?, setCookie: String?, body: String) {
        let client = HTTPClient(configuration: .init(redirectConfiguration: .disallow))
        defer { _ = client.shutdown() }
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        if csrf { request.headers.add(name: "X-Hawser-Request", value: "1") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await client.execute(request, timeout: .seconds(20))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.first(name: "Location"), response.headers.first(name: "Set-Cookie"), String(buffer: body))
    }

    @Test func webLoginMapsProviderGroupsToRolesAndLogoutEndsTheSession() async throws {
        try await MockOIDCProvider.withRunning(users: [Self.alice]) { mock in
            let h = try await hub(mock)
            _ = try await h.hub.createProject(ProjectView(name: "team-a", spec: ProjectSpec(sourceRepos: ["*"])))
            _ = try await h.hub.createProject(ProjectView(name: "team-b", spec: ProjectSpec(sourceRepos: ["*"])))

            let start = try await call(.GET, h.apiURL + "/auth/login?return=/apps")
            #expect(start.status == 302)
            let authorize = try #require(start.location)
            #expect(authorize.hasPrefix(mock.issuer) && authorize.contains("code_challenge_method=S256") && authorize.contains("nonce="), "\(authorize)")
            let redirect = try await BrowserlessLogin.authorize(authorize, as: "alice")
            #expect(redirect.location.hasPrefix(h.apiURL + "/auth/callback?"), "\(redirect.location)")

            // The provider's redirect followed by another browser (login CSRF) is refused.
            let stateCookie = try #require(start.setCookie.map { String($0.split(separator: ";")[0]) })
            #expect(stateCookie.hasPrefix("hawser_login_state="))
            let withoutCookie = try await call(.GET, redirect.location)
            #expect(withoutCookie.status == 401, "\(withoutCookie)")
            let restart = try await call(.GET, h.apiURL + "/auth/login?return=/apps")
            let restartCookie = try #require(restart.setCookie.map { String($0.split(separator: ";")[0]) })
            let second = try await BrowserlessLogin.authorize(try #require(restart.location), as: "alice")
            let callback = try await call(.GET, second.location, cookie: restartCookie)
            #expect(callback.status == 302 && callback.location == "/apps", "\(callback)")
            let setCookie = try #require(callback.setCookie)
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"))
            let cookie = String(setCookie.split(separator: ";")[0])

            let me = try await call(.GET, h.apiURL + "/api/v1/session", cookie: cookie)
            let info = try WireJSON.decoder().decode(UserInfo.self, from: Data(me.body.utf8))
            #expect(info.subject == "alice@example.com" && info.groups == ["team-a"], "a group named like a role is dropped: \(me.body)")
            #expect(try await call(.GET, h.apiURL + "/api/v1/projects/team-a", cookie: cookie).status == 200, "the group's role lets her read her project")
            #expect(try await call(.GET, h.apiURL + "/api/v1/projects/team-b", cookie: cookie).status == 403)

            // The provider's redirect works once: a replayed state is refused and audited.
            let replay = try await call(.GET, second.location, cookie: restartCookie)
            #expect(replay.status == 401, "\(replay)")
            #expect(try await h.hub.auditEvents(limit: 10).contains { $0.action == "login" && $0.outcome == "denied" })

            // A cross-site form cannot change anything with the cookie alone (CSRF).
            let forged = try await call(.POST, h.apiURL + "/api/v1/projects", cookie: cookie, json: #"{"name":"csrf","spec":{}}"#)
            #expect(forged.status == 403, "\(forged)")

            #expect(try await call(.DELETE, h.apiURL + "/api/v1/session", cookie: cookie, csrf: true).status == 204)
            #expect(try await call(.GET, h.apiURL + "/api/v1/session", cookie: cookie).status == 401, "logged out everywhere")
            await h.stop()
        }
    }

    @Test func reservedNamesUnverifiedEmailsAndForeignReturnPathsAreRefused() async throws {
        try await MockOIDCProvider.withRunning(users: [Self.mallory, Self.impostor]) { mock in
            let h = try await hub(mock)
            func login(_ user: String) async throws -> (status: Int, location: String?, setCookie: String?, body: String) {
                let start = try await call(.GET, h.apiURL + "/auth/login?return=/%5Cevil.example")
                let redirect = try await BrowserlessLogin.authorize(try #require(start.location), as: user)
                return try await call(.GET, redirect.location, cookie: start.setCookie.map { String($0.split(separator: ";")[0]) })
            }
            // An unverified e-mail names nobody: mallory is mallory, and a group named like a
            // project token grants nothing. The odd return path falls back to "/".
            let m = try await login("mallory")
            #expect(m.status == 302 && m.location == "/", "\(m)")
            let cookie = String(try #require(m.setCookie).split(separator: ";")[0])
            let me = try WireJSON.decoder().decode(UserInfo.self, from: Data(try await call(.GET, h.apiURL + "/api/v1/session", cookie: cookie).body.utf8))
            #expect(me.subject == "mallory" && me.groups.isEmpty, "\(me)")
            // A provider user whose subject is "admin" does not become the hub's admin.
            let a = try await login("admin")
            #expect(a.status == 401 && a.body.contains("reserved"), "\(a)")
            #expect(try await h.hub.auditEvents(limit: 5).contains { $0.object == "admin" && $0.outcome == "denied" })
            await h.stop()
        }
    }

    @Test func theCLILogsInWithSSOThroughALoopbackRedirect() async throws {
        try await MockOIDCProvider.withRunning(users: [Self.alice]) { mock in
            let h = try await hub(mock)
            // The "browser": submits the provider's login form as alice and follows the redirect
            // to the CLI's loopback listener, as a person clicking "Authorize" would.
            let dir = tempDirectory("sso-browser")
            let browser = dir + "/browser.py"
            try """
                #!/usr/bin/env python3
                import sys, urllib.request, urllib.parse, urllib.error
                class NoRedirect(urllib.request.HTTPRedirectHandler):
                    def redirect_request(self, *a, **k): return None
                opener = urllib.request.build_opener(NoRedirect)
                url = sys.argv[1]
                try:
                    opener.open(urllib.request.Request(url, data=urllib.parse.urlencode({"sub": "alice"}).encode()))
                except urllib.error.HTTPError as e:
                    location = e.headers["Location"]
                    urllib.request.urlopen(location).read()

                """.write(toFile: browser, atomically: true, encoding: .utf8)
            _ = chmod(browser, 0o755)
            let out = try await Proc.run(try Proc.binary("hawser"), ["login", "--sso", "--server", h.apiURL, "--sso-port", "0"],
                                         environment: ["BROWSER": browser, "HAWSER_CONFIG": dir + "/cli.json"])
            #expect(out.ok, "\(out.stdout) \(out.stderr)")
            #expect(out.stdout.contains("as alice@example.com (groups: team-a)"), "\(out.stdout)")
            #expect(out.stderr.contains(mock.issuer), "the URL is printed for machines without a browser: \(out.stderr)")
            let who = try await Proc.run(try Proc.binary("hawser"), ["account", "get-user-info"], environment: ["HAWSER_CONFIG": dir + "/cli.json"])
            #expect(who.ok && who.stdout.contains("alice@example.com"), "\(who.stdout) \(who.stderr)")
            await h.stop()
        }
    }

    @Test func forgedIDTokensAreRefusedAndAudited() async throws {
        try await MockOIDCProvider.withRunning(users: [Self.alice]) { mock in
            let h = try await hub(mock)
            // A genuine ID token first, obtained the way the CLI does.
            let verifier = PKCE()
            let authorize = try await OIDCProvider(configuration: mock.configuration())
                .authorizationURL(redirectURI: "http://127.0.0.1:1/cb", state: "s", nonce: "n", codeChallenge: verifier.challenge)
            let code = try #require(try await BrowserlessLogin.authorize(authorize, as: "alice").code)
            let tokens = try await OIDCProvider(configuration: mock.configuration()).exchangeCode(code, redirectURI: "http://127.0.0.1:1/cb", codeVerifier: verifier.verifier)
            let good = try await call(.POST, h.apiURL + "/api/v1/session", json: #"{"idToken":"\#(tokens.idToken)","nonce":"n"}"#)
            #expect(good.status == 201, "\(good.body)")

            let parts = tokens.idToken.split(separator: ".").map(String.init)
            func b64(_ s: String) -> String {
                Data(s.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            }
            var padded = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while padded.count % 4 != 0 { padded += "=" }
            let payload = String(decoding: Data(base64Encoded: padded)!, as: UTF8.self)
            let escalated = payload.replacingOccurrences(of: #""team-a""#, with: #""platform-admins""#)
            let forgeries = [
                ("alg none", b64(#"{"alg":"none","typ":"JWT"}"#) + "." + parts[1] + "."),
                ("tampered groups", parts[0] + "." + b64(escalated) + "." + parts[2]),
                ("wrong nonce", tokens.idToken),
            ]
            for (name, token) in forgeries {
                let before = try await h.hub.auditEvents(limit: 1).first?.id ?? 0
                let nonce = name == "wrong nonce" ? "other" : "n"
                let r = try await call(.POST, h.apiURL + "/api/v1/session", json: #"{"idToken":"\#(token)","nonce":"\#(nonce)"}"#)
                #expect(r.status == 401, "\(name): \(r.status) \(r.body)")
                #expect(try await h.hub.auditEvents(limit: 5).contains { $0.id > before && $0.action == "login" && $0.outcome == "denied" }, "\(name) not audited")
            }
            await h.stop()
        }
    }
}
