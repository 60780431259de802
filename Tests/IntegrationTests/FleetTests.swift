import Foundation
import HawserProtocol
import HubCore
import KubeSim
import Testing

/// One application for many clusters, picked by their labels: each matching cluster gets its
/// own deployment with per-cluster values, clusters that start matching get it without anyone
/// acting, and clusters that stop matching lose it.
@Suite(.serialized) struct FleetTests {
    struct Member {
        let sim: KubeSim
        let agent: AgentHarness
    }

    static func join(_ h: HubHarness, _ name: String, labels: [String: String], readyDelay: Duration = .zero) async throws -> Member {
        let (sim, kubeconfig) = try await ClusterSetup.startSim(readyDelay: readyDelay)
        let agent = try AgentHarness.start(state: try await h.registerAgent(name, labels: labels), kubeconfig: kubeconfig)
        return Member(sim: sim, agent: agent)
    }

    static func region(_ m: Member) async -> String? {
        await m.sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "greeting")?[path: ["data", "region"]]?.stringValue
    }

    @Test func oneAppDeploysToEveryMatchingClusterWithItsOwnValues() async throws {
        let cm = { (region: String) in "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  region: \(region)\n" }
        let repo = try await TestRepo.create(files: ["regions/eu/cm.yaml": cm("eu"), "regions/us/cm.yaml": cm("us")])
        let h = try await HubHarness.start()
        let eu = try await Self.join(h, "prod-eu", labels: ["env": "prod", "region": "eu"])
        let us = try await Self.join(h, "prod-us", labels: ["env": "prod", "region": "us"])
        let dev = try await Self.join(h, "dev-eu", labels: ["env": "dev", "region": "eu"])
        defer {
            Task {
                for m in [eu, us, dev] { await m.agent.stop() }
                await h.stop()
                for m in [eu, us, dev] { await m.sim.shutdown() }
            }
        }

        let created = try await h.cli("app", "create", "greeter", "--repo", repo.path, "--path", "regions/{{cluster.labels.region}}",
                                      "--cluster-selector", "env=prod", "--namespace", "default", "--auto-sync", "--prune")
        #expect(created.ok, "\(created.stderr)")
        try await eventually("each prod cluster runs its region's values") {
            let (e, u) = (await Self.region(eu), await Self.region(us))
            return e == "eu" && u == "us"
        }
        #expect(await Self.region(dev) == nil)
        try await eventually("the fleet is Synced and Healthy") {
            let v = try await h.hub.app(named: "greeter")
            return v.sync == .synced && v.health == .healthy && v.destinations?.count == 2
        }
        let view = try await h.appView("greeter")
        #expect(view.destinations?.map(\.cluster) == ["prod-eu", "prod-us"])
        #expect(view.destinations?.map(\.deployment) == ["greeter.prod-eu", "greeter.prod-us"])
        // Lists show the fleet app once, not its deployments.
        let page = try await h.hub.appsPage(for: Principal(name: "admin"), filter: AppListFilter(), limit: 100, continue: nil)
        #expect(page.items.map(\.spec.name) == ["greeter"])
        #expect(page.items.first?.sync == .synced)
        let synced = try await h.hub.appsPage(for: Principal(name: "admin"), filter: AppListFilter(sync: .synced), limit: 100, continue: nil)
        #expect(synced.items.map(\.spec.name) == ["greeter"])
        // Filtering by cluster finds the fleet app where it has a deployment, and only there.
        let onEU = try await h.hub.appsPage(for: Principal(name: "admin"), filter: AppListFilter(cluster: "prod-eu"), limit: 100, continue: nil)
        #expect(onEU.items.map(\.spec.name) == ["greeter"])
        let onDev = try await h.hub.appsPage(for: Principal(name: "admin"), filter: AppListFilter(cluster: "dev-eu"), limit: 100, continue: nil)
        #expect(onDev.items.isEmpty)
        // One cluster's deployment is an app of its own to inspect.
        #expect(try await h.hub.app(named: "greeter.prod-us").spec.path == "regions/us")
        #expect(try await h.hub.app(named: "greeter.prod-us").parent == "greeter")

        // A new commit everywhere; then one cluster rolled back through the fleet's history.
        try await repo.commit(["regions/eu/cm.yaml": cm("eu-v2")], message: "eu v2")
        _ = try await h.hub.refresh(appNamed: "greeter")
        try await eventually("eu runs v2") { await Self.region(eu) == "eu-v2" }
        let history = try await h.hub.history(appNamed: "greeter")
        let firstEU = try #require(history.last { $0.cluster == "prod-eu" && $0.result == "Succeeded" })
        _ = try await h.hub.rollback(appNamed: "greeter", to: firstEU.id, by: Principal(name: "admin"))
        try await eventually("prod-eu rolled back") { await Self.region(eu) == "eu" }
        #expect(await Self.region(us) == "us")
        // Clusters coming and going elsewhere leave the rollback alone.
        _ = try await h.hub.addCluster(ClusterCreateRequest(name: "staging", labels: ["env": "staging"]))
        #expect(try await h.hub.store.app(named: "greeter.prod-eu")?.rollback != nil)
        try await Task.sleep(for: .seconds(1))
        #expect(await Self.region(eu) == "eu")

        // A cluster that starts matching gets the app; nobody touches the app.
        let labelled = try await h.cli("cluster", "set", "dev-eu", "--label", "env=prod")
        #expect(labelled.ok, "\(labelled.stderr)")
        try await eventually("the newly matching cluster runs it") { await Self.region(dev) == "eu-v2" }

        // A cluster that stops matching loses it; prune is on, so its objects go.
        #expect(try await h.cli("cluster", "set", "prod-us", "--label", "env=staging").ok)
        try await eventually("the cluster that left is pruned") { await Self.region(us) == nil }
        #expect(try await h.hub.app(named: "greeter").destinations?.map(\.cluster) == ["dev-eu", "prod-eu"])

        // Deleting the fleet app removes it everywhere.
        #expect(try await h.cli("app", "delete", "greeter").ok)
        try await eventually("deleted everywhere") {
            let (e, d) = (await Self.region(eu), await Self.region(dev))
            return e == nil && d == nil
        }
        #expect(try await h.hub.store.apps().isEmpty)
    }

    @Test func leavingWithoutPruneOrphansWithAWarningAndTemplatesMustResolve() async throws {
        let repo = try await TestRepo.create(files: ["eu/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  region: eu\n"])
        let h = try await HubHarness.start()
        let a = try await Self.join(h, "a", labels: ["tier": "edge", "region": "eu"])
        defer { Task { await a.agent.stop(); await h.stop(); await a.sim.shutdown() } }
        _ = try await h.hub.addCluster(ClusterCreateRequest(name: "b", labels: ["tier": "edge"]))  // no region label

        _ = try await h.hub.createApp(AppSpec(name: "edge", repoURL: repo.path, path: "{{cluster.labels.region}}", cluster: "", namespace: "default",
                                              syncPolicy: SyncPolicy(automated: true), clusterSelector: "tier=edge"))
        try await eventually("deployed on a") { await Self.region(a) == "eu" }
        let v = try await h.hub.app(named: "edge")
        #expect(v.conditions.contains { $0.message.contains("cluster b") && $0.message.contains("no label \"region\"") }, "\(v.conditions)")

        _ = try await h.hub.setClusterLabels(named: "a", labels: ["region": "eu"])
        let after = try await h.hub.app(named: "edge")
        #expect(after.conditions.contains { $0.type == "OrphanedResourceWarning" && $0.message.contains("cluster a no longer matches") })
        try await Task.sleep(for: .seconds(2))
        #expect(await Self.region(a) == "eu")  // left in place: prune is off

        await #expect(throws: HubError.self) {
            _ = try await h.hub.createApp(AppSpec(name: "both", repoURL: repo.path, path: "eu", cluster: "a", namespace: "default", clusterSelector: "tier=edge"))
        }
        await #expect(throws: HubError.self) {
            _ = try await h.hub.createApp(AppSpec(name: "badsel", repoURL: repo.path, path: "eu", cluster: "", namespace: "default", clusterSelector: "tier in (edge"))
        }
    }

    @Test func aRolloutUpdatesAtMostMaxUnavailableClustersAtOnce() async throws {
        let repo = try await TestRepo.create(files: ["web/web.yaml": Fixtures.deployment(image: "registry.k8s.io/pause:3.9")])
        let h = try await HubHarness.start()
        var joined: [Member] = []
        for name in ["r1", "r2", "r3"] { joined.append(try await Self.join(h, name, labels: ["ring": "one"], readyDelay: .seconds(2))) }
        let members = joined
        defer { Task { for m in members { await m.agent.stop() }; await h.stop(); for m in members { await m.sim.shutdown() } } }
        _ = try await h.hub.createApp(AppSpec(name: "web", repoURL: repo.path, path: "web", cluster: "", namespace: "default",
                                              syncPolicy: SyncPolicy(automated: true), clusterSelector: "ring=one",
                                              rollout: RolloutStrategy(maxUnavailable: "1")))
        try await eventually("first deployment everywhere, Healthy", timeout: .seconds(30)) {
            let v = try await h.hub.app(named: "web")
            return v.health == .healthy && v.sync == .synced && v.destinations?.count == 3
        }

        let next = try await repo.commit(["web/web.yaml": Fixtures.deployment(image: "registry.k8s.io/pause:3.10")], message: "new image")
        await h.hub.refreshAll()
        // One cluster takes the new commit; the other two wait for it to be Healthy.
        let rows = try #require(try await h.hub.app(named: "web").destinations)
        #expect(rows.filter { $0.targetRevision == next }.count == 1, "\(rows)")
        #expect(rows.filter { ($0.message ?? "").contains("waiting for the rollout") }.count == 2, "\(rows)")
        var maxAtOnce = 0
        try await eventually("every cluster runs the new commit", timeout: .seconds(40)) {
            let images = await members.asyncMap { m in
                await m.sim.object(apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "web")?[path: ["spec", "template", "spec", "containers"]]
            }
            let rows = try await h.hub.app(named: "web").destinations ?? []
            let updating = rows.filter { $0.targetRevision == next && !($0.health == .healthy && $0.sync == .synced) }.count
            maxAtOnce = max(maxAtOnce, updating)
            return rows.allSatisfy { $0.targetRevision == next && $0.health == .healthy && $0.sync == .synced } && images.allSatisfy { "\($0 as Any)".contains("3.10") }
        }
        #expect(maxAtOnce <= 1)
    }
}
