import Foundation
import HawserProtocol
import HubCore
import Hummingbird

/// Every application the user may read, filtered and paged exactly like
/// `GET /api/v1/applications` (same filter, same page), with rows kept current by the event
/// stream: thousands of apps cost one page of HTML, not one request per app.
enum ApplicationsPage {
    static let pageSize = 100

    static func render(hub: Hub, caller: Principal, query: Parameters) async throws -> Response {
        let now = Date()
        func text(_ name: String) -> String? { query.get(name).map { String($0) }.flatMap { $0.isEmpty ? nil : $0 } }
        let (filter, problems) = AppListFilter.parse(text)
        let page = problems.isEmpty ? try await hub.appsPage(for: caller, filter: filter, limit: pageSize, continue: text("continue")) : ListResponse(items: [])

        var projects: [String] = []
        for p in try await hub.projects() where try await hub.can(caller, .get, .projects, p.name) { projects.append(p.name) }
        var clusters: [String] = []
        for c in try await hub.clusters() where try await hub.can(caller, .get, .clusters, c.name) { clusters.append(c.name) }

        let form: HTML = """
            <form class="filters" method="get" action="/ui/applications" id="filters">
            \(Layout.select("project", "project", options: projects, selected: filter.project))
            \(Layout.select("cluster", "cluster", options: clusters, selected: filter.cluster))
            \(Layout.select("sync", "sync", options: ["Synced", "OutOfSync", "Unknown"], selected: text("sync")))
            \(Layout.select("health", "health", options: ["Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"], selected: text("health")))
            \(Layout.textInput("namePrefix", "name starts with", value: filter.namePrefix))
            \(Layout.textInput("selector", "labels", value: text("selector"), placeholder: "team=payments"))
            <button type="submit" class="primary">Filter</button> <a href="/ui/applications">Clear</a>
            </form>
            """
        let rows: [HTML] = page.items.map { a in
            """
            <tr data-app="\(a.spec.name)" data-state="\(a.sync.rawValue)/\(a.health.rawValue)">
            <td>\(Layout.appLink(a.spec.name))</td><td>\(a.spec.project)</td><td>\(a.spec.cluster)</td><td>\(a.spec.namespace)</td>
            <td data-field="sync">\(Layout.syncBadge(a.sync))</td><td data-field="health">\(Layout.healthBadge(a.health))</td>
            <td data-field="revision">\(Layout.shortSHA(a.syncedRevision))</td><td>\(Layout.labels(a.spec.labels))</td>
            <td>\(Layout.time(a.reportedAt, now: now))</td>
            </tr>
            """
        }
        let keep: [(String, String?)] = [("project", filter.project), ("cluster", filter.cluster), ("sync", text("sync")), ("health", text("health")),
                                         ("namePrefix", filter.namePrefix), ("selector", text("selector"))]
        let pager: HTML = page.continue.map { next in
            "<div class=\"pager\"><a class=\"button\" id=\"next-page\" href=\"/ui/applications\(HTML.query(keep + [("continue", next)]))\">Next \(pageSize) →</a></div>"
        } ?? ""
        let stream = "/api/v1/stream/applications" + HTML.query([("project", filter.project), ("cluster", filter.cluster)])
        let body: HTML = """
            <h1>Applications</h1>
            \(problems.map { Layout.message($0) })
            \(form)
            <p class="notice info" id="live-note" hidden>New applications match these filters: <a href="">reload</a> to see them.</p>
            \(page.items.isEmpty && problems.isEmpty ? Layout.message("No applications match.", kind: "info") : "")
            <table id="apps" data-stream="\(stream)">
            <thead><tr><th>Name</th><th>Project</th><th>Cluster</th><th>Namespace</th><th>Sync</th><th>Health</th><th>Revision</th><th>Labels</th><th>Reported</th></tr></thead>
            <tbody>\(rows)</tbody>
            </table>
            \(pager)
            """
        return WebRoutes.page(Layout.page(title: "Applications", user: caller.name, section: .applications, body: body))
    }
}
