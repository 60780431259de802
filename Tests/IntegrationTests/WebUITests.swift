import AsyncHTTPClient
import Foundation
import HawserProtocol
import HubCore
import NIOCore
import NIOHTTP1
import OIDCTestSupport
import Testing

/// The web UI in a real browser (headless Chromium over WebDriver), against a hub with a real
/// agent and KubeSim: log in, see the same numbers the API gives, sync an app with the button,
/// watch a row change live, and see that a read-only user gets no buttons. Each page is
/// screenshotted into `.build/ui-screenshots/` for review.
@Suite(.serialized) struct WebUITests {
    static let adminPassword = "admin-password-1"
    static let viewerPassword = "viewer-password-1"

    static func configMap(_ name: String, _ value: String) -> String {
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(name)\ndata:\n  greeting: \(value)\n"
    }

    @Test func aUserLogsInSeesTheFleetAndSyncsFromTheBrowser() async throws {
        let s = try await ClusterSetup.start("web", hub: { $0.rbacPolicyCSV = "g, viewer, role:readonly\n" })
        let hub = s.hub.hub
        let admin = Principal(name: "admin")
        try await hub.updatePassword(admin, account: "admin", PasswordUpdateRequest(currentPassword: nil, newPassword: Self.adminPassword))
        try await hub.updatePassword(admin, account: "viewer", PasswordUpdateRequest(currentPassword: nil, newPassword: Self.viewerPassword))
        let repo = try await TestRepo.create(files: [
            "shop/cm.yaml": Self.configMap("shop", "hello"),
            "shop-v2/cm.yaml": Self.configMap("shop", "bonjour"),
            "auto/cm.yaml": Self.configMap("auto", "hi"),
        ])
        _ = try await hub.createApp(AppSpec(name: "web-auto", repoURL: repo.path, path: "auto", cluster: "web", namespace: "default",
                                            syncPolicy: SyncPolicy(automated: true), labels: ["team": "platform"]))
        _ = try await hub.createApp(AppSpec(name: "web-shop", repoURL: repo.path, path: "shop", cluster: "web", namespace: "default",
                                            labels: ["team": "shop"]))
        try await eventually("web-auto synced and web-shop reported") {
            let auto = try await s.app("web-auto").sync
            let shop = try await s.app("web-shop").reportedAt
            return auto == .synced && shop != nil
        }
        let base = s.hub.apiURL

        try await Browser.with { b in
            // Not signed in: any page sends the browser to the login page, and back afterwards.
            try await b.open(base + "/ui/applications")
            #expect(try await b.currentURL().contains("/ui/login?return=%2Fui%2Fapplications"))
            try await b.screenshot("01-login")
            try await b.type("#username", "admin")
            try await b.type("#password", "wrong-password")
            try await b.click("#login-submit")
            try await eventually("the login page says why") { (try? await b.text(".notice.error"))?.contains("invalid username or password") == true }
            try await b.type("#username", "admin")
            try await b.type("#password", Self.adminPassword)
            try await b.click("#login-submit")
            try await eventually("back on the applications page") { try await b.currentURL().hasSuffix("/ui/applications") }
            #expect(try await b.text("#current-user") == "admin")

            // The list shows what the API lists.
            let listed = try await hub.appsPage(for: admin, filter: .init(), limit: 100, continue: nil).items
            #expect(try await b.all("#apps tbody tr").count == listed.count)
            for app in listed {
                #expect(try await b.text("tr[data-app=\"\(app.spec.name)\"] [data-field=sync]") == app.sync.rawValue)
                #expect(try await b.text("tr[data-app=\"\(app.spec.name)\"] [data-field=health]") == app.health.rawValue)
            }
            try await b.screenshot("03-applications")
            // A label filter narrows the list like `?selector=`.
            try await b.open(base + "/ui/applications?selector=team%3Dshop")
            #expect(try await b.all("#apps tbody tr").count == 1)
            #expect(try await b.exists("tr[data-app=\"web-shop\"]"))

            // The dashboard's numbers are the summary endpoint's.
            try await b.open(base + "/ui/")
            let summary = try await hub.summary(for: admin)
            #expect(try await b.text("#count-total .n") == "\(summary.all.total)")
            #expect(try await b.text("#count-sync-OutOfSync .n") == "\(summary.all.sync["OutOfSync"] ?? 0)")
            #expect(try await b.text("#count-sync-Synced .n") == "\(summary.all.sync["Synced"] ?? 0)")
            #expect(try await b.text("#count-clusters-connected .n") == "1")
            #expect(try await b.text("#recent-deployments").contains("web-auto"))
            try await b.screenshot("02-dashboard")

            // An out-of-sync app: its diff, then the Sync button; the page follows the event
            // stream until the agent reports it synced.
            try await b.open(base + "/ui/applications/web-shop")
            #expect(try await b.text("h1 [data-sync]") == "OutOfSync")
            #expect(try await b.text("details.diff").contains("ConfigMap"))
            #expect(try await b.text("#resource-tree").contains("shop"))
            try await b.screenshot("04-app-out-of-sync")
            try await b.click("#sync")
            try await eventually("the page shows web-shop synced", timeout: .seconds(30)) {
                (try? await b.text("h1 [data-sync]")) == "Synced"
            }
            #expect(await s.configMap("shop")?["data"]?["greeting"]?.stringValue == "hello")
            let audit = try await hub.auditEvents(limit: 50, filter: .init(actor: "admin"))
            #expect(audit.contains { $0.action == "sync" && $0.object == "default/web-shop" && $0.outcome == "succeeded" })
            try await eventually("history shown") { try await b.exists("#history tr[data-history-id]") }
            #expect(try await b.all("#history tr[data-history-id]").count == (try await hub.history(appNamed: "web-shop")).count)
            #expect(try await b.exists("button[data-action=rollback]"))
            try await b.screenshot("05-app-synced")

            // Live list: a change elsewhere shows up in the row without a reload.
            try await b.open(base + "/ui/applications")
            try await b.run("window.__stillHere = true")
            var spec = try await s.app("web-shop").spec
            spec.path = "shop-v2"
            _ = try await hub.updateApp(spec)
            try await eventually("the row turns OutOfSync live", timeout: .seconds(30)) {
                (try? await b.text("tr[data-app=\"web-shop\"] [data-field=sync]")) == "OutOfSync"
            }
            #expect(try await b.run("return window.__stillHere === true") == .bool(true))
            // The one sync is one deployment, however often the agent reports it afterwards.
            #expect(try await hub.history(appNamed: "web-shop").count == 1)

            // Clusters, projects and the audit log, as the API has them.
            try await b.open(base + "/ui/clusters")
            let cluster = try await hub.cluster(named: "web")
            #expect(try await b.text("tr[data-cluster=web] [data-field=connection]") == "Connected")
            #expect(try await b.text("tr[data-cluster=web] [data-field=agent-version]") == cluster.agentVersion)
            try await b.screenshot("06-clusters")
            _ = try await hub.addRepository(RepositoryCreateRequest(url: repo.path))
            try await b.open(base + "/ui/repositories")
            #expect(try await b.text("tr[data-repo=\"\(repo.path)\"] [data-field=state]") == "Successful")
            try await b.screenshot("06b-repositories")
            try await b.open(base + "/ui/projects")
            #expect(try await b.text("tr[data-project=default] [data-field=applications]") == "2")
            try await b.screenshot("07-projects")
            try await b.open(base + "/ui/audit?user=admin")
            #expect(try await b.text("#chain").contains("intact"))
            #expect(try await b.texts("#audit-table tr[data-audit-id]").contains { $0.contains("sync") && $0.contains("default/web-shop") })
            try await b.screenshot("08-audit")

            // Log out; a read-only user sees the app but no Sync or Rollback buttons.
            try await b.click("#logout")
            try await eventually("logged out") { try await b.currentURL().hasSuffix("/ui/login") }
            try await b.open(base + "/ui/applications/web-shop")
            #expect(try await b.currentURL().contains("/ui/login"))
            try await b.type("#username", "viewer")
            try await b.type("#password", Self.viewerPassword)
            try await b.click("#login-submit")
            try await eventually("viewer on the app page") { try await b.currentURL().hasSuffix("/ui/applications/web-shop") }
            #expect(try await b.exists("h1 [data-sync]"))
            #expect(try await !b.exists("#sync"))
            #expect(try await !b.exists("button[data-action=rollback]"))
            #expect(try await b.exists("#refresh"))
            try await b.screenshot("09-app-read-only")
        }
        await s.stop()
    }

    /// The company's identity provider signs a browser in (code flow, PKCE), and the UI shows
    /// who it is.
    @Test func singleSignOnFromTheLoginPage() async throws {
        let alice = #"{"sub":"alice","email":"alice@example.com","email_verified":true,"groups":["role:admin"]}"#
        try await MockOIDCProvider.withRunning(users: [alice]) { mock in
            let h = try await HubHarness.start(configure: { $0.oidc = mock.configuration() })
            try await Browser.with { b in
                try await b.open(h.apiURL + "/ui/")
                try await b.click("#sso-login")
                try await eventually("the provider's login form") { try await b.exists("input[name=sub]") }
                try await b.type("input[name=sub]", "alice")
                try await b.run("document.querySelector('input[name=sub]').form.submit()")
                try await eventually("back in the UI, signed in") {
                    let url = try await b.currentURL()
                    let signedIn = try await b.exists("#current-user")
                    return url.hasSuffix("/ui/") && signedIn
                }
                #expect(try await b.text("#current-user") == "alice@example.com")
                try await b.screenshot("10-sso-dashboard")
            }
            await h.stop()
        }
    }

    /// What a browser cannot show: names from Git and users are escaped, the login form needs
    /// its cookie (login CSRF), pages carry a CSP, and logout needs the hub's own header.
    @Test func pagesEscapeInputAndRefuseCrossSiteRequests() async throws {
        let h = try await HubHarness.start()
        let hub = h.hub
        try await hub.updatePassword(Principal(name: "admin"), account: "admin", PasswordUpdateRequest(currentPassword: nil, newPassword: Self.adminPassword))
        _ = try await hub.addCluster(ClusterCreateRequest(name: "c1"))
        // Text from Git (a commit message) and from strangers (a login name, kept in the audit
        // trail) is shown on pages.
        let repo = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap("x", "y")])
        _ = try await repo.commit(["app/cm.yaml": Self.configMap("x", "z")], message: "<script>alert(1)</script> \"><img src=x onerror=alert(1)>")
        _ = try await hub.createApp(AppSpec(name: "quoted", repoURL: repo.path, path: "app", cluster: "c1", namespace: "default"))
        _ = try? await hub.login(username: "<script>alert(2)</script>", password: "whatever-password")
        // Labels are Kubernetes labels: markup is refused before it is stored.
        await #expect(throws: HubError.self) {
            try await hub.createApp(AppSpec(name: "labelled", repoURL: repo.path, path: "app", cluster: "c1", namespace: "default", labels: ["x": "<b>"]))
        }
        let client = HTTPClient(configuration: .init(redirectConfiguration: .disallow))
        defer { _ = client.shutdown() }
        func call(_ method: HTTPMethod, _ path: String, cookie: String? = nil, form: String? = nil, header: Bool = false) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
            var request = HTTPClientRequest(url: h.apiURL + path)
            request.method = method
            if let cookie { request.headers.add(name: "Cookie", value: cookie) }
            if header { request.headers.add(name: "X-Hawser-Request", value: "1") }
            if let form {
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.body = .bytes(ByteBuffer(string: form))
            }
            let response = try await client.execute(request, timeout: .seconds(20))
            return (Int(response.status.code), response.headers, String(buffer: try await response.body.collect(upTo: 1 << 22)))
        }
        // The login form: token and cookie must match.
        let page = try await call(.GET, "/ui/login")
        #expect(page.headers.first(name: "Content-Security-Policy")?.contains("script-src 'self'") == true)
        let csrfCookie = try #require(page.headers["Set-Cookie"].first { $0.hasPrefix("hawser_login_csrf=") }).split(separator: ";")[0]
        let token = String(csrfCookie.split(separator: "=", maxSplits: 1)[1])
        let forged = try await call(.POST, "/ui/login", form: "username=admin&password=\(Self.adminPassword)&csrf=\(token)")
        #expect(forged.status == 403 && forged.headers["Set-Cookie"].allSatisfy { !$0.hasPrefix("hawser_session=") })
        // A form that cannot be decoded is refused without repeating it (it holds a password).
        let garbled = try await call(.POST, "/ui/login", cookie: String(csrfCookie), form: "username=admin&password=s3cr%zz&csrf=\(token)")
        #expect(garbled.status == 400 && !garbled.body.contains("s3cr"), "\(garbled.status) \(garbled.body)")
        let ok = try await call(.POST, "/ui/login", cookie: String(csrfCookie), form: "username=admin&password=\(Self.adminPassword)&csrf=\(token)&returnTo=%2F%2Fevil.example")
        #expect(ok.status == 303 && ok.headers.first(name: "Location") == "/ui/")
        let session = String(try #require(ok.headers["Set-Cookie"].first { $0.hasPrefix("hawser_session=") }).split(separator: ";")[0])
        #expect(ok.headers["Set-Cookie"].first { $0.hasPrefix("hawser_session=") }?.contains("HttpOnly") == true)

        for path in ["/ui/applications/quoted", "/ui/audit"] {
            let r = try await call(.GET, path, cookie: session)
            #expect(r.status == 200, "\(path)")
            #expect(!r.body.contains("<script>alert") && !r.body.contains("<img src=x"), "\(path) carries markup from Git or a login name")
        }
        #expect(try await call(.GET, "/ui/applications/quoted", cookie: session).body.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img"))
        #expect(try await call(.GET, "/ui/audit", cookie: session).body.contains("&lt;script&gt;alert(2)&lt;/script&gt;"))
        #expect(try await call(.GET, "/ui/applications/nope", cookie: session).status == 404)

        // Logout without the header (a cross-site form) is refused; with it, the session ends.
        #expect(try await call(.POST, "/ui/logout", cookie: session).status == 403)
        #expect(try await call(.GET, "/ui/", cookie: session).status == 200)
        #expect(try await call(.POST, "/ui/logout", cookie: session, header: true).status == 204)
        let after = try await call(.GET, "/ui/", cookie: session)
        #expect(after.status == 302 && after.headers.first(name: "Location")?.hasPrefix("/ui/login") == true)
        await h.stop()
    }
}
