import Foundation
import HawserProtocol
import HubCore
import HubStore
import Hummingbird

/// The audit trail, newest first, filtered like `hawser audit list`, with the hash chain's
/// verdict (`GET /api/v1/audit`, `GET /api/v1/audit/verify`).
enum AuditPage {
    static let pageSize = 50

    static func render(hub: Hub, caller: Principal, query: Parameters) async throws -> Response {
        guard try await hub.can(caller, .get, .audit, "*") else { return WebRoutes.forbidden(caller, .audit, "the audit trail") }
        let now = Date()
        func text(_ name: String) -> String? { query.get(name).map { String($0) }.flatMap { $0.isEmpty ? nil : $0 } }
        let filter = AuditFilter(actor: text("user"), app: text("app"), project: text("project"), cluster: text("cluster"))
        let before = text("before").flatMap { Int64($0) }
        let events = try await hub.auditEvents(limit: pageSize, before: before, filter: filter)
        let verdict = try await hub.verifyAudit()
        let rows: [HTML] = events.map { e in
            """
            <tr data-audit-id="\(e.id)"><td>\(e.id)</td><td>\(Layout.time(e.at, now: now))</td><td>\(e.actor)</td><td>\(e.action)</td>
            <td>\(e.resource)</td><td>\(e.object)</td><td><span class="badge \(e.outcome == "succeeded" ? "ok" : e.outcome == "denied" ? "warn" : "bad")">\(e.outcome)</span></td>
            <td class="muted">\(e.detail ?? "")</td></tr>
            """
        }
        let keep: [(String, String?)] = [("user", filter.actor), ("app", filter.app), ("project", filter.project), ("cluster", filter.cluster)]
        let older: HTML = events.count == pageSize ? "<div class=\"pager\"><a class=\"button\" id=\"older\" href=\"/ui/audit\(HTML.query(keep + [("before", events.last.map { String($0.id) })]))\">Older →</a></div>" : ""
        let chain: HTML = verdict.intact
            ? "<p class=\"notice info\" id=\"chain\">Hash chain intact over \(verdict.entries) entries.</p>"
            : "<p class=\"notice error\" id=\"chain\">Hash chain broken at entry \(verdict.firstBrokenID.map(String.init) ?? "?"): \(verdict.problem ?? "")</p>"
        let body: HTML = """
            <h1>Audit log</h1>
            \(chain)
            <form class="filters" method="get" action="/ui/audit">
            \(Layout.textInput("user", "user", value: filter.actor))
            \(Layout.textInput("app", "application", value: filter.app))
            \(Layout.textInput("project", "project", value: filter.project))
            \(Layout.textInput("cluster", "cluster", value: filter.cluster))
            <button type="submit" class="primary">Filter</button> <a href="/ui/audit">Clear</a>
            </form>
            <table id="audit-table"><tr><th>ID</th><th>When</th><th>Who</th><th>Action</th><th>Resource</th><th>Object</th><th>Outcome</th><th>Detail</th></tr>\(rows)</table>
            \(older)
            """
        return WebRoutes.page(Layout.page(title: "Audit", user: caller.name, section: .audit, body: body))
    }
}
