import Foundation
import HawserProtocol
import HubCore
import Testing

/// Manifests travel to an agent once per content: a change of settings only, a reconnect, or
/// a second app with the same manifests names the bundle the agent holds instead of resending it.
@Suite(.serialized) struct BundleTests {
    @Test func anAgentHoldingABundleGetsItsNameNotItsManifests() async throws {
        let s = try await ClusterSetup.start("bundled")
        defer { Task { await s.stop() } }
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  big: \"\(String(repeating: "x", count: 20_000))\"\n"
        let repo = try await TestRepo.create(files: ["app/cm.yaml": cm])
        _ = try await s.hub.hub.createApp(AppSpec(name: "one", repoURL: repo.path, path: "app", cluster: "bundled", namespace: "ns-one",
                                                  syncPolicy: SyncPolicy(automated: true, syncOptions: ["CreateNamespace=true"])))
        try await eventually("deployed") { await s.sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: "ns-one", name: "shared") != nil }
        #expect(await s.hub.hub.bundlesReused() == 0)

        // The same manifests for another app: the agent already holds them.
        _ = try await s.hub.hub.createApp(AppSpec(name: "two", repoURL: repo.path, path: "app", cluster: "bundled", namespace: "ns-two",
                                                  syncPolicy: SyncPolicy(automated: true, syncOptions: ["CreateNamespace=true"])))
        try await eventually("the second app deployed from the held bundle") {
            await s.sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: "ns-two", name: "shared")?[path: ["data", "big"]]?.stringValue?.count == 20_000
        }
        #expect(await s.hub.hub.bundlesReused() == 1)

        // A settings change is a new generation with the same manifests.
        var spec = try await s.hub.hub.app(named: "one").spec
        spec.syncPolicy.selfHeal = true
        _ = try await s.hub.hub.updateApp(spec)
        #expect(await s.hub.hub.bundlesReused() == 2)
        try await eventually("the agent runs the new generation") {
            let generation = try await s.hub.hub.store.render(app: "one")?.generation
            return try await s.hub.hub.store.statuses(app: "one").first?.observedGeneration == generation
        }

        // After a restart the agent says what it holds: the catch-up names the bundle.
        await s.agent.stop()
        spec.syncPolicy.prune = true
        _ = try await s.hub.hub.updateApp(spec)
        let agent = try AgentHarness.start(state: s.agent.state, kubeconfig: s.kubeconfig)
        defer { Task { await agent.stop() } }
        try await eventually("the restarted agent runs the newest generation") {
            let generation = try await s.hub.hub.store.render(app: "one")?.generation
            return try await s.hub.hub.store.statuses(app: "one").first?.observedGeneration == generation
        }
        #expect(await s.hub.hub.bundlesReused() == 3)
        #expect(await s.sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: "ns-one", name: "shared")?[path: ["data", "big"]]?.stringValue?.count == 20_000)
    }
}
