import AsyncHTTPClient
import Foundation
import HawserProtocol
import HubCore
import HubStore
import Testing

/// The application list at scale: pages in name order with a `continue` token, filters by
/// project, cluster, name, sync and health, RBAC applied before the page is cut, and a summary
/// with counts per project and cluster.
@Suite(.serialized) struct ListingTests {
    @Test func pagesFiltersRBACAndSummaryAgree() async throws {
        let policy = "p, role:team-a, applications, get, team-a/*, allow\ng, alice, role:team-a\np, role:web, applications, get, team-b/app-1*, allow\ng, webber, role:web\n"
        let h = try await HubHarness.start(configure: { $0.rbacPolicyCSV = policy })
        let hub = h.hub
        let cluster = try await hub.addCluster(ClusterCreateRequest(name: "fleet"))
        for team in ["team-a", "team-b"] {
            _ = try await hub.createProject(ProjectView(name: team, spec: ProjectSpec(sourceRepos: ["*"], destinations: [ProjectDestination(name: "*", namespace: "*")])))
        }
        let repo = try await TestRepo.create(files: ["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"])
        var names: [String] = []
        for i in 0..<30 {
            let name = String(format: "app-%02d", i)
            names.append(name)
            _ = try await hub.createApp(AppSpec(name: name, project: i % 3 == 0 ? "team-a" : "team-b", repoURL: repo.path, path: "app", cluster: "fleet", namespace: "default"))
            // A third of them report Synced/Healthy for the current generation, one Degraded.
            if i % 2 == 0, let r = try await hub.store.render(app: name) {
                try await hub.store.saveStatus(AppStatusRecord(appName: name, clusterId: cluster.cluster.id, revision: r.revision, observedGeneration: r.generation,
                                                               sync: "Synced", health: i == 4 ? "Degraded" : "Healthy", reportedAt: Date()))
            }
        }
        // A report about an older render generation counts as OutOfSync, in lists and counts alike.
        if let r = try await hub.store.render(app: "app-28") {
            try await hub.store.saveStatus(AppStatusRecord(appName: "app-28", clusterId: cluster.cluster.id, revision: r.revision, observedGeneration: r.generation - 1,
                                                           sync: "Synced", health: "Healthy", reportedAt: Date()))
        }
        let admin = Principal(name: "admin")
        let stale = try await hub.appsPage(for: admin, filter: .init(sync: .outOfSync), limit: 100, continue: nil)
        #expect(stale.items.map(\.spec.name) == ["app-28"])
        #expect(try await hub.summary(for: admin).all.sync["OutOfSync"] == 1)

        // Pages of 7 cover everything once, in order.
        var seen: [String] = []
        var token: String? = nil
        var pages = 0
        repeat {
            let page = try await hub.appsPage(for: admin, filter: .init(), limit: 7, continue: token)
            seen += page.items.map(\.spec.name)
            token = page.continue
            pages += 1
        } while token != nil && pages < 20
        #expect(seen == names, "\(seen)")
        #expect(pages >= 5)

        let teamA = try await hub.appsPage(for: admin, filter: .init(project: "team-a"), limit: 100, continue: nil)
        #expect(teamA.items.map(\.spec.name) == names.enumerated().filter { $0.offset % 3 == 0 }.map(\.element))
        let synced = try await hub.appsPage(for: admin, filter: .init(sync: .synced), limit: 100, continue: nil)
        #expect(synced.items.count == 14 && !synced.items.contains { $0.spec.name == "app-28" })
        let degraded = try await hub.appsPage(for: admin, filter: .init(health: .degraded), limit: 100, continue: nil)
        #expect(degraded.items.map(\.spec.name) == ["app-04"])
        let prefixed = try await hub.appsPage(for: admin, filter: .init(namePrefix: "app-2"), limit: 100, continue: nil)
        #expect(prefixed.items.count == 10)

        // alice sees team-a only; her pages are full pages of her apps, not holes.
        let alice = Principal(name: "alice")
        let alicePage = try await hub.appsPage(for: alice, filter: .init(), limit: 4, continue: nil)
        #expect(alicePage.items.map(\.spec.name) == ["app-00", "app-03", "app-06", "app-09"] && alicePage.continue != nil)

        let summary = try await hub.summary(for: admin)
        #expect(summary.all.total == 30 && summary.all.sync["Synced"] == 14 && summary.all.health["Degraded"] == 1)
        #expect(summary.projects["team-a"]?.total == 10 && summary.clusters["fleet"]?.total == 30)
        let aliceSummary = try await hub.summary(for: alice)
        #expect(aliceSummary.all.total == 10 && aliceSummary.projects["team-b"] == nil)
        // A policy naming some apps of a project is decided app by app, in lists and counts.
        let webber = Principal(name: "webber")
        let webberApps = try await hub.appsPage(for: webber, filter: .init(), limit: 100, continue: nil).items.map(\.spec.name)
        #expect(webberApps == ["app-10", "app-11", "app-13", "app-14", "app-16", "app-17", "app-19"])
        let webberSummary = try await hub.summary(for: webber)
        #expect(webberSummary.all.total == 7 && webberSummary.projects.keys.sorted() == ["team-b"])
        #expect(webberSummary.all.sync["Synced"] == 3, "app-10, app-14, app-16 reported Synced")

        // The CLI follows the pages and passes the filters.
        var r = try await h.cli("app", "list", "--project", "team-a", "--sync", "Synced", "-o", "json")
        let listed = try WireJSON.decoder().decode([AppView].self, from: Data(r.stdout.utf8))
        #expect(listed.map(\.spec.name) == ["app-00", "app-06", "app-12", "app-18", "app-24"], "\(listed.map(\.spec.name))")
        r = try await h.cli("app", "summary")
        #expect(r.ok && r.stdout.contains("project team-a") && r.stdout.contains("cluster fleet"), "\(r.stdout)")
        r = try await h.cli("app", "list", "--health", "Sick")
        #expect(!r.ok && r.stderr.contains("health=Sick"), "\(r.stderr)")
        await h.stop()
    }

    /// Argo CD users filter apps by their labels (`argocd app list -l team=payments`).
    @Test func labelSelectorsFilterApps() async throws {
        let h = try await HubHarness.start()
        let hub = h.hub
        _ = try await hub.addCluster(ClusterCreateRequest(name: "fleet"))
        let repo = try await TestRepo.create(files: ["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"])
        let labels: [String: [String: String]] = [
            "pay-web": ["team": "payments", "tier": "web"], "pay-api": ["team": "payments", "tier": "api"],
            "search-web": ["team": "search", "tier": "web"], "unlabelled": [:],
        ]
        for (name, l) in labels.sorted(by: { $0.key < $1.key }) {
            _ = try await hub.createApp(AppSpec(name: name, repoURL: repo.path, path: "app", cluster: "fleet", namespace: "default", labels: l))
        }
        let admin = Principal(name: "admin")
        func names(_ selector: String) async throws -> [String] {
            try await hub.appsPage(for: admin, filter: .init(selector: try LabelSelector.parse(selector)), limit: 100, continue: nil).items.map(\.spec.name)
        }
        #expect(try await names("team=payments") == ["pay-api", "pay-web"])
        #expect(try await names("team=payments,tier in (web)") == ["pay-web"])
        #expect(try await names("tier!=web") == ["pay-api", "unlabelled"])
        #expect(try await names("!team") == ["unlabelled"])
        #expect(try await hub.app(named: "pay-web").spec.labels == ["team": "payments", "tier": "web"])

        // Over the API and the CLI: -l, and `app set --label/--remove-label`.
        var r = try await h.cli("app", "list", "-l", "tier in (web,api),team notin (search)", "-o", "json")
        #expect(try WireJSON.decoder().decode([AppView].self, from: Data(r.stdout.utf8)).map(\.spec.name) == ["pay-api", "pay-web"], "\(r.stdout) \(r.stderr)")
        r = try await h.cli("app", "set", "search-web", "--label", "team=payments", "--remove-label", "tier")
        #expect(r.ok, "\(r.stderr)")
        #expect(try await hub.app(named: "search-web").spec.labels == ["team": "payments"])
        r = try await h.cli("app", "list", "-l", "team=payments", "-o", "json")
        #expect(try WireJSON.decoder().decode([AppView].self, from: Data(r.stdout.utf8)).map(\.spec.name) == ["pay-api", "pay-web", "search-web"])
        r = try await h.cli("app", "list", "-l", "tier in web")
        #expect(!r.ok && r.stderr.contains("selector=tier in web"), "\(r.stderr)")
        r = try await h.cli("app", "create", "x", "--repo", repo.path, "--cluster", "fleet", "--namespace", "default", "--label", "novalue")
        #expect(!r.ok && r.stderr.contains("--label novalue"), "\(r.stderr)")
        await h.stop()
    }

    /// Clusters and projects page like apps (`limit`, `continue`, `namePrefix`); clusters filter
    /// by label selector (`hawser cluster list -l`); the audit trail pages with `continue` too.
    @Test func clustersProjectsAndAuditPage() async throws {
        let h = try await HubHarness.start()
        for i in 0..<7 {
            _ = try await h.hub.addCluster(ClusterCreateRequest(name: "c-\(i)", labels: ["env": i % 2 == 0 ? "prod" : "dev", "region": ["eu", "us", "ap"][i % 3]]))
        }
        for i in 0..<4 { _ = try await h.hub.createProject(ProjectView(name: "p-\(i)", spec: ProjectSpec(sourceRepos: ["*"]))) }
        func get<T: Codable & Sendable>(_ path: String, as: T.Type) async throws -> ListResponse<T> {
            var request = HTTPClientRequest(url: h.apiURL + path)
            request.headers.add(name: "Authorization", value: "Bearer \(h.adminToken)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            #expect(response.status.code == 200, "\(path): \(String(buffer: body))")
            return try WireJSON.decoder().decode(ListResponse<T>.self, from: Data(buffer: body))
        }
        var names: [String] = []
        var next: String? = nil
        repeat {
            let page = try await get("/api/v1/clusters?limit=3" + (next.map { "&continue=\($0)" } ?? ""), as: ClusterView.self)
            #expect(page.items.count <= 3)
            names += page.items.map(\.name)
            next = page.continue
        } while next != nil
        #expect(names == (0..<7).map { "c-\($0)" })
        #expect(try await get("/api/v1/clusters", as: ClusterView.self).items.count == 7)
        let prod = try await get("/api/v1/clusters?selector=env%3Dprod%2Cregion%20in%20(eu%2Cus)", as: ClusterView.self)
        #expect(prod.items.map(\.name) == ["c-0", "c-4", "c-6"])
        let r = try await h.cli("cluster", "list", "-l", "env=dev", "-o", "json")
        #expect(try WireJSON.decoder().decode([ClusterView].self, from: Data(r.stdout.utf8)).map(\.name) == ["c-1", "c-3", "c-5"], "\(r.stderr)")

        let projects = try await get("/api/v1/projects?limit=2&namePrefix=p-", as: ProjectView.self)
        #expect(projects.items.map(\.name) == ["p-0", "p-1"] && projects.continue != nil)
        let rest = try await get("/api/v1/projects?limit=10&namePrefix=p-&continue=\(projects.continue ?? "")", as: ProjectView.self)
        #expect(rest.items.map(\.name) == ["p-2", "p-3"] && rest.continue == nil)

        for i in 0..<12 { await h.hub.audit(Principal(name: "tester"), "update", "clusters", "c-\(i % 7)", outcome: "succeeded") }
        let first = try await get("/api/v1/audit?limit=5", as: AuditEventView.self)
        let second = try await get("/api/v1/audit?limit=5&continue=\(first.continue ?? "")", as: AuditEventView.self)
        #expect(first.items.count == 5 && second.items.count == 5)
        #expect((first.items.last?.id ?? 0) > (second.items.first?.id ?? .max))
        await h.stop()
    }
}
