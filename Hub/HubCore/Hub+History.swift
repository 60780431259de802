import Foundation
import HawserProtocol
import HubStore

/// Deployment history and rollback (Argo CD's `app history` and `app rollback`).
extension Hub {
    public func history(appNamed name: String) async throws -> [HistoryEntry] {
        _ = try await requireApp(name)
        return try await store.history(app: name).map {
            HistoryEntry(id: $0.id ?? 0, cluster: $0.cluster, revision: $0.revision, manifestsDigest: $0.manifestsDigest, initiatedBy: $0.initiatedBy,
                         startedAt: $0.startedAt, deployedAt: $0.deployedAt, result: $0.result, message: $0.message)
        }
    }

    /// Re-applies the revision of a past deployment. Auto-sync is switched off first (otherwise
    /// the next poll would roll forward again), the app is rendered at that commit, and the
    /// agent is told to sync. It lasts until the next manual sync or change of the app.
    public func rollback(appNamed name: String, to id: Int64, by p: Principal) async throws -> (view: AppView, disabledAutoSync: Bool) {
        let app = try await requireApp(name)
        guard let entry = try await store.history(app: name).first(where: { $0.id == id }) else {
            throw HubError(.notFound, "application \(name) has no history entry \(id); `hawser app history \(name)` lists them")
        }
        let pin = RollbackPin(revision: entry.revision, historyID: id, by: p.name, at: now())
        try await store.updateApp(named: name) {
            $0.autoSync = false
            $0.rollback = pin
        }
        try await refreshQueue.run(name) { [self] in try await renderAndAssign(try await requireApp(name)) }
        let render = try await store.render(app: name)
        guard render?.revision == entry.revision else {
            let why = render?.conditions.map(\.message).joined(separator: "; ") ?? "unknown"
            throw HubError(.conflict, "revision \(entry.revision.prefix(8)) could not be rendered again: \(why)")
        }
        try await send(.command(Command(action: .sync, appId: name, initiatedBy: p.name)), toClusterNamed: app.cluster)
        logger.notice("application rolled back", metadata: ["app": "\(name)", "revision": "\(entry.revision.prefix(8))", "by": "\(p.name)"])
        return (try await view(try await requireApp(name)), app.autoSync)
    }
}
