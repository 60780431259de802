import Foundation
import HawserProtocol
import HubCore
import KubeSim
import Logging
import Testing

/// What happens to objects Git no longer has, and to an app's objects when the app is deleted:
/// reported as "requires pruning" or pruned on request, deleted only when asked, and never
/// anything the app does not own.
@Suite(.serialized) struct PruneAndDeleteTests {
    static func cm(_ name: String) -> String {
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(name)\ndata:\n  k: v\n"
    }

    /// The stage plus a repository whose `app/` holds two ConfigMaps, keep-a and drop-b.
    func start(cluster: String) async throws -> (ClusterSetup, TestRepo) {
        let s = try await ClusterSetup.start(cluster)
        let repo = try await TestRepo.create(files: ["app/a.yaml": Self.cm("keep-a"), "app/b.yaml": Self.cm("drop-b")])
        return (s, repo)
    }

    @Test func removedFromGitIsReportedAndPrunedOnlyWithPrune() async throws {
        let (s, repo) = try await start(cluster: "pruning")
        let hub = s.hub.hub
        _ = try await hub.createApp(AppSpec(name: "noprune", repoURL: repo.path, path: "app", cluster: "pruning", namespace: "default",
                                            syncPolicy: SyncPolicy(automated: true)))
        try await eventually("applied") { try await hub.app(named: "noprune").sync == .synced }
        // An object someone else made, with no instance label, in the same namespace.
        try await repo.git(["rm", "-q", "app/b.yaml"])
        try await repo.commit([:], message: "drop b")
        _ = try await hub.refresh(appNamed: "noprune")
        try await eventually("b requires pruning") {
            let v = try await hub.app(named: "noprune")
            return v.sync == .outOfSync && v.resources.contains { $0.key.name == "drop-b" && $0.message == "requires pruning" }
        }
        #expect(await s.configMap("drop-b") != nil, "without prune nothing is deleted")

        // A manual sync of the app without prune skips the prune and says so.
        let before = try await hub.app(named: "noprune").operation?.startedAt ?? .distantPast
        _ = try await hub.syncApp(named: "noprune", initiatedBy: Principal(name: "test"))
        try await eventually("sync finished with the prune skipped") {
            let op = try await hub.app(named: "noprune").operation
            return op != nil && op!.startedAt > before && op!.phase == .succeeded
                && op!.resources.contains { $0.key.name == "drop-b" && $0.status == .pruneSkipped }
        }
        #expect(await s.configMap("drop-b") != nil, "a sync of an app without prune keeps it too")
        await s.stop()
    }

    @Test func pruneDeletesWhatTheAppCreatedAndNothingElse() async throws {
        let (s, repo) = try await start(cluster: "pruner")
        let hub = s.hub.hub
        // Someone else's ConfigMap, applied with kubectl: not in the app's inventory, never pruned.
        let file = tempDirectory("bystander") + "/cm.yaml"
        try Self.cm("bystander").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await Proc.run(try Proc.kubectl(), ["--kubeconfig", s.kubeconfig, "apply", "--server-side", "-n", "default", "-f", file]).ok)
        _ = try await hub.createApp(AppSpec(name: "tidy", repoURL: repo.path, path: "app", cluster: "pruner", namespace: "default",
                                            syncPolicy: SyncPolicy(automated: true, prune: true)))
        try await eventually("applied") { await s.configMap("drop-b") != nil }
        try await repo.git(["rm", "-q", "app/b.yaml"])
        try await repo.commit([:], message: "drop b")
        _ = try await hub.refresh(appNamed: "tidy")
        try await eventually("b pruned") { await s.configMap("drop-b") == nil }
        try await eventually("Synced after pruning") {
            let v = try await hub.app(named: "tidy")
            return v.sync == .synced && !v.resources.contains { $0.key.name == "drop-b" }
        }
        #expect(await s.configMap("keep-a") != nil)
        #expect(await s.configMap("bystander") != nil)
        await s.stop()
    }

    @Test func deleteWithoutCascadeKeepsResourcesEvenWhenTheAgentWasAway() async throws {
        let (s, repo) = try await start(cluster: "keeper")
        let hub = s.hub.hub
        _ = try await hub.createApp(AppSpec(name: "gone", repoURL: repo.path, path: "app", cluster: "keeper", namespace: "default",
                                            syncPolicy: SyncPolicy(automated: true)))
        try await eventually("applied") { try await hub.app(named: "gone").sync == .synced }
        // Online: a cascading delete removes what the app deployed.
        try await hub.deleteApp(named: "gone", cascade: true)
        try await eventually("gone's objects deleted") {
            let b = await s.configMap("drop-b")
            let a = await s.configMap("keep-a")
            return a == nil && b == nil
        }
        _ = try await hub.createApp(AppSpec(name: "gone", repoURL: repo.path, path: "app", cluster: "keeper", namespace: "default",
                                            syncPolicy: SyncPolicy(automated: true)))
        try await eventually("re-applied") { await s.configMap("keep-a") != nil }

        // Offline: the agent is away while the app is deleted without cascade.
        await s.agent.stop()
        try await hub.deleteApp(named: "gone", cascade: false)
        let back = try AgentHarness.start(state: s.agent.state, kubeconfig: s.kubeconfig)
        try await eventually("agent back") { try await hub.cluster(named: "keeper").connected }
        try await eventually("app withdrawn from the agent") { await back.runner.reconciler.lastApplied()["gone"] == nil }
        try await Task.sleep(for: .seconds(1))  // a wrong cascade would be running by now
        #expect(await s.configMap("keep-a") != nil, "a delete without cascade must not delete resources")
        await back.stop()
        await s.hub.stop()
        await s.sim.shutdown()
    }
}
