import Foundation
import HawserProtocol
import HubStore

/// How many apps of one project and cluster are in one effective state.
struct AppStatusCount: Sendable, Hashable {
    var project: String
    var cluster: String
    var sync: SyncStatusCode
    var health: HealthStatusCode
    /// A fleet deployment: counted for its cluster, not as an app (its fleet app is).
    var deployment: Bool = false
    var count: Int
}

/// Apps counted by project, cluster, sync and health, shared by the summary endpoint, the
/// dashboard and `/metrics`. Counting 10,000 apps reads 10,000 rows (about 20 ms on two cores);
/// a dashboard polled by many users, or a hub with thousands of agents reporting, must not do
/// that per request. So the counts are computed at most once per `maxAge` (1 s) and shared:
/// they may be up to a second old, while lists and the event stream stay exact. Concurrent
/// callers of a stale snapshot wait for one computation, not one each.
actor StatusCountsCache {
    let maxAge: Duration
    private var snapshot: (at: ContinuousClock.Instant, counts: [AppStatusCount])?
    private var inFlight: Task<[AppStatusCount], any Error>?

    init(maxAge: Duration = .seconds(1)) { self.maxAge = maxAge }

    func counts(_ compute: @escaping @Sendable () async throws -> [AppStatusCount]) async throws -> [AppStatusCount] {
        if let snapshot, ContinuousClock.now - snapshot.at < maxAge { return snapshot.counts }
        if let inFlight { return try await inFlight.value }
        let started = ContinuousClock.now
        let task = Task { try await compute() }
        inFlight = task
        defer { inFlight = nil }
        let counts = try await task.value
        snapshot = (started, counts)
        return counts
    }
}

extension Hub {
    /// The shared counts (at most `statusCounts.maxAge` old).
    func statusCounts() async throws -> [AppStatusCount] {
        try await statusCountsCache.counts { [store] in
            var counts: [[String]: (AppStatusCount)] = [:]
            for row in Self.foldFleets(try await store.appStatusRows()) {
                counts[[row.project, row.cluster, row.sync.rawValue, row.health.rawValue, row.deployment ? "d" : "a"], default: AppStatusCount(
                    project: row.project, cluster: row.cluster, sync: row.sync, health: row.health, deployment: row.deployment, count: 0)].count += 1
            }
            return Array(counts.values)
        }
    }
}
