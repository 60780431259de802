import Foundation
import HawserProtocol
import HubStore

/// Deployment history and rollback (Argo CD's `app history` and `app rollback`).
extension Hub {
    public func history(appNamed name: String) async throws -> [HistoryEntry] {
        let app = try await requireApp(name)
        guard app.isFleet else { return try await store.history(app: name).map { Self.entry($0) } }
        // A fleet app's history is its deployments', newest first, each naming its cluster.
        var all: [HistoryRecord] = []
        for d in try await store.children(of: name) { all += try await store.history(app: d.name) }
        return all.sorted { ($0.deployedAt, $0.id ?? 0) > ($1.deployedAt, $1.id ?? 0) }.map { Self.entry($0) }
    }

    /// The newest deployments across every app the caller may read ("who deployed what where",
    /// the dashboard's recent deployments).
    public func recentDeployments(for p: Principal, limit: Int) async throws -> [HistoryEntry] {
        let limit = max(1, min(limit, 500))
        var out: [HistoryEntry] = []
        var before: Int64?
        var visibility = try await appVisibility(for: p)
        // Someone who may see few apps must not make every dashboard load read all history:
        // the newest 5,000 deployments are looked at, no more.
        var scanned = 0
        while out.count < limit && scanned < 5000 {
            let chunk = try await store.recentHistory(limit: 200, beforeID: before)
            scanned += chunk.count
            // A fleet deployment's history is governed by its fleet app's policy lines.
            for (record, project) in chunk where visibility.canGet(project: project, name: Self.listedName(record.appName)) {
                out.append(Self.entry(record, project: project))
                if out.count == limit { break }
            }
            guard chunk.count == 200, let last = chunk.last?.record.id else { break }
            before = last
        }
        return out
    }

    static func entry(_ r: HistoryRecord, project: String? = nil) -> HistoryEntry {
        HistoryEntry(id: r.id ?? 0, cluster: r.cluster, revision: r.revision, manifestsDigest: r.manifestsDigest, initiatedBy: r.initiatedBy,
                     startedAt: r.startedAt, deployedAt: r.deployedAt, result: r.result, message: r.message,
                     app: project == nil ? nil : r.appName, project: project)
    }

    /// Re-applies the revision of a past deployment. Auto-sync is switched off first (otherwise
    /// the next poll would roll forward again), the app is rendered at that commit, and the
    /// agent is told to sync. It lasts until the next manual sync or change of the app.
    public func rollback(appNamed name: String, to id: Int64, by p: Principal) async throws -> (view: AppView, disabledAutoSync: Bool) {
        let app = try await requireApp(name)
        var owner = app
        if let parent = app.parent { owner = try await requireApp(parent) }
        if let m = owner.managedBy {
            // Git is the app's source of truth: its next commit would take a rollback back.
            throw HubError(.conflict, "application \"\(app.parent ?? name)\" is managed by \(m.description): roll back in Git (revert the commit, or set targetRevision to the revision wanted), and the hub deploys that")
        }
        if app.isFleet {
            // A fleet app's history entry belongs to one cluster's deployment: roll that one back.
            for d in try await store.children(of: name) where try await store.history(app: d.name).contains(where: { $0.id == id }) {
                let done = try await rollback(appNamed: d.name, to: id, by: p)
                return (try await view(try await requireApp(name)), done.disabledAutoSync)
            }
            throw HubError(.notFound, "application \(name) has no history entry \(id) on any of its clusters; `hawser app history \(name)` lists them")
        }
        guard let entry = try await store.history(app: name).first(where: { $0.id == id }) else {
            throw HubError(.notFound, "application \(name) has no history entry \(id); `hawser app history \(name)` lists them")
        }
        let pin = RollbackPin(revision: entry.revision, historyID: id, by: p.name, at: now())
        try await store.updateApp(named: name) {
            $0.autoSync = false
            $0.rollback = pin
        }
        _ = try await refreshQueue.run(name) { [self] in try await renderAndAssign(try await requireApp(name)) }
        let render = try await store.render(app: name)
        guard render?.revision == entry.revision else {
            let why = render?.conditions.map(\.message).joined(separator: "; ") ?? "unknown"
            throw HubError(.conflict, "revision \(entry.revision.prefix(8)) could not be rendered again: \(why)")
        }
        try await issueCommand(.sync, app: app, by: p.name)
        logger.notice("application rolled back", metadata: ["app": "\(name)", "revision": "\(entry.revision.prefix(8))", "by": "\(p.name)"])
        return (try await view(try await requireApp(name)), app.autoSync)
    }
}
