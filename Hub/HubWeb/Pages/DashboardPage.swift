import Foundation
import HawserProtocol
import HubCore
import Hummingbird

/// The fleet at a glance: apps by health and sync, clusters connected, recent deployments, and
/// the same counts per project and per cluster. The numbers are `GET /api/v1/summary`'s.
enum DashboardPage {
    static func render(hub: Hub, caller: Principal) async throws -> Response {
        let now = Date()
        let summary = try await hub.summary(for: caller)
        var clusters: [ClusterView] = []
        for c in try await hub.clusters() where try await hub.can(caller, .get, .clusters, c.name) { clusters.append(c) }
        let connected = clusters.filter(\.connected).count
        let deployments = try await hub.recentDeployments(for: caller, limit: 10)

        func card(_ id: String, _ n: Int, _ label: String, href: String) -> HTML {
            "<a class=\"card\" href=\"\(href)\" id=\"\(id)\"><div class=\"n\">\(n)</div><div class=\"l\">\(label)</div></a>"
        }
        let all = summary.all
        var cards: [HTML] = [card("count-total", all.total, "Applications", href: "/ui/applications")]
        for s in ["Synced", "OutOfSync"] {
            cards.append(card("count-sync-\(s)", all.sync[s] ?? 0, s, href: "/ui/applications?sync=\(s)"))
        }
        for h in ["Healthy", "Progressing", "Degraded", "Missing"] {
            cards.append(card("count-health-\(h)", all.health[h] ?? 0, h, href: "/ui/applications?health=\(h)"))
        }
        cards.append(card("count-clusters-connected", connected, "of \(clusters.count) clusters connected", href: "/ui/clusters"))

        func scopeRows(_ counts: [String: AppSummary.Counts], param: String) -> [HTML] {
            counts.sorted { $0.key < $1.key }.map { name, c in
                """
                <tr data-scope="\(name)"><td><a href="/ui/applications?\(param)=\(HTML.urlComponent(name))">\(name)</a></td><td>\(c.total)</td>
                <td>\(c.sync["Synced"] ?? 0)</td><td>\(c.sync["OutOfSync"] ?? 0)</td><td>\(c.health["Healthy"] ?? 0)</td>
                <td>\(c.health["Progressing"] ?? 0)</td><td>\(c.health["Degraded"] ?? 0)</td></tr>
                """
            }
        }
        let scopeHead: HTML = "<tr><th>Name</th><th>Apps</th><th>Synced</th><th>OutOfSync</th><th>Healthy</th><th>Progressing</th><th>Degraded</th></tr>"
        let deploymentRows: [HTML] = deployments.map { d in
            """
            <tr><td>\(Layout.time(d.deployedAt, now: now))</td><td>\(Layout.appLink(d.app ?? ""))</td><td>\(d.project)</td><td>\(d.cluster)</td>
            <td>\(Layout.shortSHA(d.revision))</td><td>\(d.initiatedBy)</td><td>\(resultBadge(d.result))</td></tr>
            """
        }
        let body: HTML = """
            <h1>Dashboard</h1>
            <section class="cards" id="summary-cards">\(cards)</section>
            <h2>Recent deployments</h2>
            \(deployments.isEmpty ? Layout.message("Nothing deployed yet.", kind: "info") : """
                <table id="recent-deployments"><tr><th>When</th><th>Application</th><th>Project</th><th>Cluster</th><th>Revision</th><th>By</th><th>Result</th></tr>\(deploymentRows)</table>
                """)
            <div class="grid2">
            <section><h2>By project</h2><table id="by-project">\(scopeHead)\(scopeRows(summary.projects, param: "project"))</table></section>
            <section><h2>By cluster</h2><table id="by-cluster">\(scopeHead)\(scopeRows(summary.clusters, param: "cluster"))</table></section>
            </div>
            """
        return WebRoutes.page(Layout.page(title: "Dashboard", user: caller.name, section: .dashboard, body: body))
    }

    static func resultBadge(_ result: String) -> HTML {
        "<span class=\"badge \(result == "Succeeded" ? "ok" : "bad")\">\(result)</span>"
    }
}
