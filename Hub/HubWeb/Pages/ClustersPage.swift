import Foundation
import HawserProtocol
import HubCore
import Hummingbird

/// Registered clusters: whether the agent is connected, its last heartbeat, agent and
/// Kubernetes versions, labels and certificate expiry (`GET /api/v1/clusters`).
enum ClustersPage {
    static func render(hub: Hub, caller: Principal) async throws -> Response {
        let now = Date()
        var clusters: [ClusterView] = []
        for c in try await hub.clusters() where try await hub.can(caller, .get, .clusters, c.name) { clusters.append(c) }
        let rows: [HTML] = clusters.map { c in
            """
            <tr data-cluster="\(c.name)">
            <td><strong>\(c.name)</strong></td>
            <td data-field="connection"><span class="dot\(c.connected ? " on" : "")"></span>\(c.connectionState ?? (c.connected ? "Connected" : "Disconnected"))</td>
            <td>\(c.state)</td>
            <td data-field="heartbeat">\(Layout.time(c.lastHeartbeat, now: now))</td>
            <td data-field="agent-version">\(c.agentVersion ?? "–")</td>
            <td data-field="kubernetes-version">\(c.kubernetesVersion ?? "–")</td>
            <td>\(Layout.labels(c.labels))</td>
            <td>\(c.certificateNotAfter.map { WireJSON.formatDate($0) } ?? "–")</td>
            <td><a href="/ui/applications?cluster=\(HTML.urlComponent(c.name))">apps</a></td>
            </tr>
            """
        }
        let body: HTML = """
            <h1>Clusters</h1>
            \(clusters.isEmpty ? Layout.message("No clusters you may see. Register one with `hawser cluster add NAME`.", kind: "info") : "")
            <table id="cluster-table">
            <tr><th>Name</th><th>Connection</th><th>State</th><th>Last heartbeat</th><th>Agent</th><th>Kubernetes</th><th>Labels</th><th>Certificate until</th><th></th></tr>
            \(rows)
            </table>
            """
        return WebRoutes.page(Layout.page(title: "Clusters", user: caller.name, section: .clusters, body: body))
    }
}
