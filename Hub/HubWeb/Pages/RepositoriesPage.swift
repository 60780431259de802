import Foundation
import HawserProtocol
import HubCore
import Hummingbird

/// Registered Git repositories (Argo CD's Settings → Repositories): whether the hub can fetch
/// each, when it last did, its default branch, and how many applications use it. Credentials
/// are never shown, only whether there are any (`GET /api/v1/repositories`).
enum RepositoriesPage {
    static func render(hub: Hub, caller: Principal) async throws -> Response {
        let now = Date()
        var repos: [RepositoryView] = []
        for r in try await hub.repositories() where try await hub.can(caller, .get, .repositories, r.url) { repos.append(r) }
        let rows: [HTML] = repos.map { r in
            let state: HTML = r.connectionState == "Successful" ? "<span class=\"badge ok\">Successful</span>"
                : r.connectionState == "Failed" ? "<span class=\"badge bad\">Failed</span>" : "<span class=\"badge\">Unknown</span>"
            return """
                <tr data-repo="\(r.url)">
                <td><code>\(r.url)</code></td><td>\(r.type)</td>
                <td>\(r.hasSSHKey ? "SSH key" : r.hasPassword ? "password (\(r.username ?? ""))" : "none")\(r.insecure ? " · insecure" : "")</td>
                <td data-field="state">\(state)</td><td>\(Layout.time(r.lastFetchedAt, now: now))</td>
                <td>\((r.defaultBranch ?? "–").replacingOccurrences(of: "refs/heads/", with: ""))</td><td>\(r.applications)</td>
                <td class="muted">\(r.message ?? "")</td>
                </tr>
                """
        }
        let body: HTML = """
            <h1>Repositories</h1>
            \(repos.isEmpty ? Layout.message("No registered repositories. Public and local ones need none; register a private one with `hawser repo add URL --username U --password-file F` or `--ssh-key FILE`.", kind: "info") : "")
            <table id="repository-table">
            <tr><th>URL</th><th>Type</th><th>Credentials</th><th>Connection</th><th>Last fetch</th><th>Default branch</th><th>Apps</th><th>Message</th></tr>
            \(rows)
            </table>
            """
        return WebRoutes.page(Layout.page(title: "Repositories", user: caller.name, section: .repositories, body: body))
    }
}
