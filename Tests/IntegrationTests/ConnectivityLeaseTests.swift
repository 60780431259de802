import Foundation
import HawserProtocol
import HubCore
import Testing

/// A cluster's connection state comes from its live connection or, without one, from a lease on
/// its last heartbeat: a hub that just restarted does not call live agents failed, and a hub
/// that saw an agent leave says so at once.
@Suite(.serialized) struct ConnectivityLeaseTests {
    @Test func aRestartedHubShowsRecentAgentsReconnectingNotFailed() async throws {
        let dir = tempDirectory("lease")
        let setup = try await ClusterSetup.start("leased", hub: { $0.dataDirectory = dir })
        let first = setup.hub
        try await eventually("connected") { try await first.hub.cluster(named: "leased").connectionState == "Connected" }
        // The agent leaves while this hub watches: Disconnected at once, no lease.
        await setup.agent.stop()
        try await eventually("disconnected") { try await first.hub.cluster(named: "leased").connectionState == "Disconnected" }
        #expect(try await first.hub.cluster(named: "leased").connected == false)
        await first.stop()
        await setup.sim.shutdown()

        // A new hub process on the same store, agent still away: the last heartbeat is recent.
        // Its clock goes on from the first hub's (the test's clocks stand still unless moved).
        let clock = first.clock
        let second = try await HubHarness.start {
            $0.dataDirectory = dir
            $0.now = { clock.now }
        }
        defer { Task { await second.stop() } }
        let view = try await second.hub.cluster(named: "leased")
        #expect(view.connectionState == "Reconnecting" && view.connected)
        // A sync now is queued, and says the cluster is on its way back, not that it failed.
        let repo = try await TestRepo.create(files: ["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leased\n"])
        _ = try await second.hub.createApp(AppSpec(name: "leased-app", repoURL: repo.path, path: "app", cluster: "leased", namespace: "default"))
        let queued = try await second.hub.syncApp(named: "leased-app", initiatedBy: Principal(name: "admin"))
        #expect(queued.message?.contains("is reconnecting: the sync is queued") == true, "\(queued.message ?? "no message")")
        // Past three heartbeat intervals without a heartbeat, the lease is over.
        clock.advance(3 * 1 + 1)
        #expect(try await second.hub.cluster(named: "leased").connectionState == "Disconnected")
    }
}
