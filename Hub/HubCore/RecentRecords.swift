import HubStore
import Synchronization

/// The application record each of one agent's statuses is about, remembered for two seconds:
/// an agent reporting many statuses a second about the same app costs one lookup (two for a
/// fleet deployment) every two seconds, not two per status. Two seconds stale at most, which a
/// status can afford: the record only says which app and cluster the status belongs to and how
/// the app's history is labelled, and an app deleted meanwhile just has its status skipped.
final class RecentRecords: Sendable {
    static let lifetime: Duration = .seconds(2)
    private let entries = Mutex<[String: (record: AppRecord?, at: ContinuousClock.Instant)]>([:])

    func record(_ wireID: String, at now: ContinuousClock.Instant, lookup: () async -> AppRecord?) async -> AppRecord? {
        if let hit = entries.withLock({ $0[wireID] }), now - hit.at < Self.lifetime { return hit.record }
        let found = await lookup()
        // A miss is not remembered: the app may be created (again) a moment later.
        if found != nil { entries.withLock { $0[wireID] = (found, now) } }
        return found
    }
}
