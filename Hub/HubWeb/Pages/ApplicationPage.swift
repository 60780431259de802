import Foundation
import HawserProtocol
import HubCore
import Hummingbird

/// One application: what it deploys where, its state on each destination cluster, the resource
/// tree, the diff of what is out of sync, and its deployment history. Sync and rollback buttons
/// appear only when the user's role allows them (the API checks again when clicked).
enum ApplicationPage {
    static func render(hub: Hub, caller: Principal, name: String) async throws -> Response {
        let now = Date()
        let object = try await hub.appObject(name)
        try await hub.authorize(caller, .get, .applications, object)
        let app = try await hub.app(named: name)
        let maySync = try await hub.can(caller, .sync, .applications, object)
        let mayRollback = try await hub.can(caller, .rollback, .applications, object)
        let history = try await hub.history(appNamed: name)
        let cluster: ClusterView? = app.spec.cluster.isEmpty ? nil
            : try await hub.can(caller, .get, .clusters, app.spec.cluster) ? try? await hub.cluster(named: app.spec.cluster) : nil
        let spec = app.spec

        var buttons: [HTML] = ["<button type=\"button\" data-action=\"refresh\" data-app=\"\(name)\" id=\"refresh\">Refresh</button>"]
        if maySync { buttons.insert("<button type=\"button\" class=\"primary\" data-action=\"sync\" data-app=\"\(name)\" id=\"sync\">Sync</button>", at: 0) }

        let policy = spec.syncPolicy
        let policyText = (policy.automated ? "Automated" + (policy.selfHeal ? ", self-heal" : "") + (policy.prune ? ", prune" : "") : "Manual")
            + (policy.syncOptions.isEmpty ? "" : " · " + policy.syncOptions.joined(separator: ", "))
        let commit: HTML = app.targetCommit.map { c in
            "\(Layout.shortSHA(c.sha)) \(c.message.split(separator: "\n").first.map(String.init) ?? "") <span class=\"muted\">(\(c.author), \(Layout.time(c.date, now: now)))</span>"
        } ?? "<span class=\"muted\">not rendered yet</span>"
        let operation: HTML = app.operation.map { op in
            "\(op.phase.rawValue) at \(Layout.shortSHA(op.revision))\(op.initiatedBy.map { " by \($0)" } ?? "")\(op.message.map { ": \($0)" } ?? "")" as HTML
        } ?? HTML(raw: HTML.escape(app.operationPhase?.rawValue ?? "–"))
        // Git is where a config repository's apps change: say so before anyone looks for an edit button.
        let managedBy: HTML = app.managedBy.map { m in
            "<dt>Managed by</dt><dd id=\"fact-managed-by\"><span class=\"badge info\">Git</span> config repository <strong>\(m.configRepo)</strong> · <code>\(m.repoURL)</code> file <code>\(m.file)</code></dd>"
        } ?? ""
        let facts: HTML = """
            <dl class="facts" id="facts">
            <dt>Project</dt><dd id="fact-project">\(spec.project)</dd>
            <dt>Source</dt><dd id="fact-source"><code>\(spec.repoURL)</code> · path <code>\(spec.path)</code> · revision <code>\(spec.targetRevision)</code></dd>
            <dt>Target commit</dt><dd id="fact-commit">\(commit)</dd>
            <dt>Destination</dt><dd id="fact-destination">\(spec.clusterSelector.map { "clusters matching \($0)" } ?? spec.cluster) / \(spec.namespace)\(spec.rollout.map { " · rollout maxUnavailable \($0.maxUnavailable)" } ?? "")</dd>
            <dt>Labels</dt><dd>\(Layout.labels(spec.labels))</dd>
            <dt>Sync policy</dt><dd id="fact-policy">\(policyText)</dd>\(managedBy)
            <dt>Last operation</dt><dd id="fact-operation">\(operation)</dd>
            </dl>
            """

        // Per destination cluster: a fleet app has a row per matching cluster, each linking to
        // that cluster's deployment; a single-cluster app has one.
        let clusterRow: HTML
        if let destinations = app.destinations {
            var rows: [HTML] = []
            for d in destinations {
                rows.append("""
                    <tr data-cluster="\(d.cluster)">
                    <td>\(Layout.appLink(d.deployment))</td><td>\(spec.namespace)</td>
                    <td data-field="sync">\(Layout.syncBadge(d.sync))</td><td data-field="health">\(Layout.healthBadge(d.health))</td>
                    <td>\(Layout.shortSHA(d.syncedRevision))</td><td>\(d.operationPhase?.rawValue ?? "–")</td><td>\(Layout.time(d.reportedAt, now: now))</td>
                    </tr>
                    """)
                if let m = d.message { rows.append("<tr class=\"note\"><td colspan=\"7\" class=\"muted\">\(m)</td></tr>") }
            }
            clusterRow = "\(rows)"
        } else {
            clusterRow = """
                <tr data-cluster="\(spec.cluster)">
                <td>\(cluster.map { c in "<span class=\"dot\(c.connected ? " on" : "")\"></span>" as HTML } ?? "")\(spec.cluster)</td><td>\(spec.namespace)</td>
                <td data-field="sync">\(Layout.syncBadge(app.sync))</td><td data-field="health">\(Layout.healthBadge(app.health))</td>
                <td>\(Layout.shortSHA(app.syncedRevision))</td><td>\(app.operationPhase?.rawValue ?? "–")</td><td>\(Layout.time(app.reportedAt, now: now))</td>
                </tr>
                """
        }
        let conditions: [HTML] = app.conditions.map { c in
            "<p class=\"notice \(c.type.hasSuffix("Warning") ? "warn" : "error")\" data-condition=\"\(c.type)\"><strong>\(c.type)</strong>: \(c.message)</p>"
        }

        let outOfSync = app.resources.filter { $0.status == .outOfSync }
        let diffs: [HTML] = outOfSync.map { r in
            """
            <details open class="diff" data-resource="\(r.key.kind)/\(r.key.name)">
            <summary><strong>\(r.key.kind)</strong> \(r.key.namespace.isEmpty ? "" : r.key.namespace + "/")\(r.key.name)</summary>
            <pre class="diff">\(diffLines(r.message ?? "no diff recorded"))</pre>
            </details>
            """
        }
        let historyRows: [HTML] = history.map { h in
            let button: HTML = mayRollback
                ? "<button type=\"button\" class=\"danger\" data-action=\"rollback\" data-app=\"\(name)\" data-id=\"\(h.id)\" data-revision=\"\(String(h.revision.prefix(8)))\">Rollback</button>"
                : ""
            return """
                <tr data-history-id="\(h.id)"><td>\(h.id)</td><td>\(Layout.shortSHA(h.revision))</td><td>\(h.cluster)</td><td>\(Layout.time(h.deployedAt, now: now))</td>
                <td>\(h.initiatedBy)</td><td>\(DashboardPage.resultBadge(h.result))</td><td><code>\(String((h.manifestsDigest ?? "").prefix(12)))</code></td><td>\(button)</td></tr>
                """
        }
        let body: HTML = """
            <h1>\(name) \(Layout.syncBadge(app.sync)) \(Layout.healthBadge(app.health))</h1>
            <div class="actions">\(buttons)</div>
            \(conditions)
            \(app.message.map { Layout.message($0, kind: "info") } ?? "")
            <section class="panel">\(facts)</section>
            <h2>Clusters</h2>
            <table id="clusters"><tr><th>Cluster</th><th>Namespace</th><th>Sync</th><th>Health</th><th>Revision</th><th>Operation</th><th>Reported</th></tr>\(clusterRow)</table>
            <h2>Resources</h2>
            \(app.resources.isEmpty ? Layout.message("No resources reported yet.", kind: "info") : "<div class=\"panel\">\(tree(app.resources))</div>" as HTML)
            <h2>Out of sync</h2>
            \(diffs.isEmpty ? Layout.message("Everything matches Git.", kind: "info") : "\(diffs)" as HTML)
            <h2>History</h2>
            \(history.isEmpty ? Layout.message("Not deployed yet.", kind: "info") : """
                <table id="history"><tr><th>ID</th><th>Revision</th><th>Cluster</th><th>Deployed</th><th>By</th><th>Result</th><th>Manifests</th><th></th></tr>\(historyRows)</table>
                """)
            """
        let state = [app.sync.rawValue, app.health.rawValue, app.syncedRevision ?? "", app.operationPhase?.rawValue ?? ""].joined(separator: "|")
        let stream = "/api/v1/stream/applications" + HTML.query([("app", name)])
        return WebRoutes.page(Layout.page(title: name, user: caller.name, section: .applications, body: body,
                                          mainAttributes: " data-stream=\"\(stream)\" data-state=\"\(state)\""))
    }

    /// Namespace → kind → object, each object with its sync and health.
    static func tree(_ resources: [ResourceStatus]) -> HTML {
        let byNamespace = Dictionary(grouping: resources) { $0.key.namespace }
        let namespaces: [HTML] = byNamespace.keys.sorted().map { ns in
            let byKind = Dictionary(grouping: byNamespace[ns] ?? []) { $0.key.kind }
            let kinds: [HTML] = byKind.keys.sorted().map { kind in
                let objects: [HTML] = (byKind[kind] ?? []).sorted { $0.key.name < $1.key.name }.map { r in
                    "<li data-resource=\"\(r.key.kind)/\(r.key.name)\">\(r.key.name) \(Layout.syncBadge(r.status)) \(r.health.map(Layout.healthBadge) ?? "")</li>"
                }
                return "<li><span class=\"kind\">\(kind)</span><ul>\(objects)</ul></li>"
            }
            return "<li><span class=\"kind\">\(ns.isEmpty ? "(cluster-scoped)" : "namespace " + ns)</span><ul>\(kinds)</ul></li>"
        }
        return "<ul class=\"tree\" id=\"resource-tree\">\(namespaces)</ul>"
    }

    /// The diff text with added and removed lines marked for colour.
    static func diffLines(_ text: String) -> HTML {
        let lines: [HTML] = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let l = String(line)
            if l.hasPrefix("+") { return "<span class=\"add\">\(l)</span>\n" }
            if l.hasPrefix("-") { return "<span class=\"del\">\(l)</span>\n" }
            return "\(l)\n"
        }
        return "\(lines)"
    }
}
