import Foundation
import HawserProtocol
import HubCore
import Hummingbird

/// Projects (tenants) with what they allow: sources, destinations, roles and sync windows
/// (`GET /api/v1/projects`).
enum ProjectsPage {
    static func render(hub: Hub, caller: Principal) async throws -> Response {
        var projects: [ProjectView] = []
        for p in try await hub.projects() where try await hub.can(caller, .get, .projects, p.name) { projects.append(p) }
        let rows: [HTML] = projects.map { p in
            let s = p.spec
            let sources: [HTML] = s.sourceRepos.map { "<code>\($0)</code><br>" }
            let destinations: [HTML] = s.destinations.map { d in "<code>\(d.name ?? d.server ?? "*")/\(d.namespace)</code><br>" }
            let windows: [HTML] = s.syncWindows.map { w in "<span class=\"chip\">\(w.kind.rawValue) \(w.schedule) for \(w.duration)</span>" }
            return """
                <tr data-project="\(p.name)">
                <td><strong>\(p.name)</strong>\(p.managedBy.map { m in " <span class=\"badge info\" title=\"config repository \(m.configRepo), file \(m.file)\" data-managed-by=\"\(m.configRepo)\">Git</span>" as HTML } ?? "")<br><span class="muted">\(s.description ?? "")</span></td>
                <td>\(sources)</td><td>\(destinations)</td>
                <td>\(s.roles.map(\.name).joined(separator: ", "))</td>
                <td>\(windows)</td>
                <td data-field="applications"><a href="/ui/applications?project=\(HTML.urlComponent(p.name))">\(p.applications ?? 0)</a></td>
                </tr>
                """
        }
        let body: HTML = """
            <h1>Projects</h1>
            <table id="project-table">
            <tr><th>Project</th><th>Sources</th><th>Destinations</th><th>Roles</th><th>Sync windows</th><th>Apps</th></tr>
            \(rows)
            </table>
            """
        return WebRoutes.page(Layout.page(title: "Projects", user: caller.name, section: .projects, body: body))
    }
}
