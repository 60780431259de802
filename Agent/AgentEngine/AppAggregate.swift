import HawserProtocol

/// An application's overall status, folded from its resource rows.
public struct AppAggregate: Sendable, Hashable {
    public var sync: SyncStatusCode
    public var health: HealthStatusCode

    public init(sync: SyncStatusCode, health: HealthStatusCode) {
        self.sync = sync
        self.health = health
    }

    /// Folds rows the way Argo CD does: the app is OutOfSync if any resource is (Unknown if
    /// none is but some could not be compared), and its health is the worst resource health in
    /// Argo's order. Rows without a health (not assessed) do not count. No rows: Synced, Healthy.
    public init(rows: [ResourceStatus]) {
        if rows.contains(where: { $0.status == .outOfSync }) {
            sync = .outOfSync
        } else if rows.contains(where: { $0.status == .unknown }) {
            sync = .unknown
        } else {
            sync = .synced
        }
        health = HealthStatusCode.worst(rows.compactMap(\.health))
    }
}
