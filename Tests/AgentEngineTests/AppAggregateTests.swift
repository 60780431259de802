import AgentEngine
import HawserProtocol
import Testing

struct AppAggregateTests {
    static func row(_ name: String, _ status: SyncStatusCode, _ health: HealthStatusCode?) -> ResourceStatus {
        ResourceStatus(key: ResourceKey(group: "", version: "v1", kind: "ConfigMap", namespace: "a", name: name),
                       status: status, health: health)
    }

    @Test func noRowsIsSyncedAndHealthy() {
        #expect(AppAggregate(rows: []) == AppAggregate(sync: .synced, health: .healthy))
    }

    @Test func anyOutOfSyncRowMakesTheAppOutOfSync() {
        let app = AppAggregate(rows: [Self.row("a", .synced, .healthy), Self.row("b", .outOfSync, .healthy), Self.row("c", .unknown, nil)])
        #expect(app.sync == .outOfSync)
    }

    @Test func unknownWithoutOutOfSyncIsUnknown() {
        #expect(AppAggregate(rows: [Self.row("a", .synced, .healthy), Self.row("b", .unknown, nil)]).sync == .unknown)
    }

    @Test func healthIsTheWorstInArgoOrder() {
        let app = AppAggregate(rows: [
            Self.row("a", .synced, .healthy), Self.row("b", .synced, .progressing),
            Self.row("c", .synced, .suspended), Self.row("d", .synced, nil),
        ])
        #expect(app.health == .progressing)
        #expect(AppAggregate(rows: [Self.row("a", .outOfSync, .missing), Self.row("b", .synced, .degraded)]).health == .degraded)
    }
}
