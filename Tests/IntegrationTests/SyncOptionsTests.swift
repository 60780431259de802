import Foundation
import HawserProtocol
import HubCore
import KubeSim
import Logging
import Testing

/// Sync behaviour a user configures: waves, CreateNamespace, ServerSideApply conflicts and
/// force, retries, ignoreDifferences. Each runs the real agent against KubeSim.
@Suite(.serialized) struct SyncOptionsTests {
    typealias Setup = ClusterSetup

    func start(_ cluster: String, readyDelay: Duration = .zero, resync: Duration = .seconds(1)) async throws -> Setup {
        try await ClusterSetup.start(cluster, readyDelay: readyDelay, resync: resync)
    }

    static func deployment(_ name: String, wave: Int? = nil) -> String {
        let annotations = wave.map { "\n  annotations:\n    hawser.io/sync-wave: \"\($0)\"" } ?? ""
        return """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: \(name)\(annotations)
            spec:
              replicas: 1
              selector: {matchLabels: {app: \(name)}}
              template:
                metadata: {labels: {app: \(name)}}
                spec: {containers: [{name: c, image: "registry.k8s.io/pause:3.10"}]}

            """
    }

    static func configMap(_ name: String, wave: Int? = nil, value: String = "v") -> String {
        let annotations = wave.map { "\n  annotations:\n    argocd.argoproj.io/sync-wave: \"\($0)\"" } ?? ""
        return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(name)\(annotations)\ndata:\n  k: \(value)\n"
    }

    @Test func selfHealUndoesDriftWithinTwoSecondsThroughTheWatch() async throws {
        // A resync interval of a minute: only the watch can explain a fast repair.
        let s = try await start("watched", resync: .seconds(60))
        let repo = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap("watched", value: "git")])
        _ = try await s.hub.hub.createApp(AppSpec(name: "healer", repoURL: repo.path, path: "app", cluster: "watched", namespace: "default",
                                                  syncPolicy: SyncPolicy(automated: true, selfHeal: true)))
        try await eventually("applied") { await s.get("v1", "ConfigMap", "default", "watched")?[path: ["data", "k"]] == "git" }
        try await Task.sleep(for: .milliseconds(500))  // let the watch start
        #expect(try await Proc.run(try Proc.kubectl(), ["--kubeconfig", s.kubeconfig, "patch", "configmap", "watched", "-n", "default",
                                                        "--type=merge", "-p", #"{"data":{"k":"hand-edited"}}"#]).ok)
        let edited = ContinuousClock.now
        try await eventually("drift undone", timeout: .seconds(10)) {
            await s.get("v1", "ConfigMap", "default", "watched")?[path: ["data", "k"]] == "git"
        }
        let took = ContinuousClock.now - edited
        // The issue's figure is 2 s; the bound leaves slack for a loaded CI machine while still
        // proving the watch did it (the resync would take a minute).
        #expect(took < .seconds(5), "self-heal took \(took)")
        print("self-heal latency: \(took)")
        await s.stop()
    }

    @Test func syncingAnUnchangedAppWritesNothing() async throws {
        let s = try await start("steady")
        let repo = try await TestRepo.create(files: ["app/a.yaml": Self.configMap("a"), "app/web.yaml": Self.deployment("web")])
        _ = try await s.hub.hub.createApp(AppSpec(name: "steady", repoURL: repo.path, path: "app", cluster: "steady", namespace: "default",
                                                  syncPolicy: SyncPolicy(automated: true)))
        try await eventually("synced") { try await s.app("steady").operation?.phase == .succeeded }
        let before = await s.get("v1", "ConfigMap", "default", "a")?[path: ["metadata", "resourceVersion"]]
        let first = try #require(try await s.app("steady").operation)
        _ = try await s.hub.hub.syncApp(named: "steady", initiatedBy: Principal(name: "test"))
        try await eventually("second operation finished") {
            let op = try await s.app("steady").operation
            return op != nil && op!.startedAt > first.startedAt && op!.phase == .succeeded
        }
        let op = try #require(try await s.app("steady").operation)
        #expect(op.resources.allSatisfy { $0.message == "unchanged" }, "\(op.resources)")
        #expect(await s.get("v1", "ConfigMap", "default", "a")?[path: ["metadata", "resourceVersion"]] == before, "no write to an object in sync")
        await s.stop()
    }

    @Test func laterWavesWaitForEarlierOnesToBeHealthy() async throws {
        let s = try await start("waves", readyDelay: .seconds(2))
        let repo = try await TestRepo.create(files: ["app/db.yaml": Self.deployment("db", wave: -1), "app/after.yaml": Self.configMap("after", wave: 1)])
        _ = try await s.hub.hub.createApp(AppSpec(name: "waves", repoURL: repo.path, path: "app", cluster: "waves", namespace: "default",
                                                  syncPolicy: SyncPolicy(automated: true)))
        try await eventually("wave -1 applied") { await s.get("apps/v1", "Deployment", "default", "db") != nil }
        #expect(await s.get("v1", "ConfigMap", "default", "after") == nil, "wave 1 must wait until wave -1 is healthy")
        try await eventually("wave 1 applied after the rollout") { await s.get("v1", "ConfigMap", "default", "after") != nil }
        let db = try #require(await s.get("apps/v1", "Deployment", "default", "db"))
        #expect(db[path: ["status", "availableReplicas"]]?.intValue == 1, "the Deployment was available before wave 1 ran")
        try await eventually("operation succeeded with both waves") {
            let op = try await s.app("waves").operation
            return op?.phase == .succeeded && op?.resources.map(\.wave) == [-1, 1]
        }
        await s.stop()
    }

    @Test func createNamespaceOnlyWhenAsked() async throws {
        let s = try await start("ns")
        let repo = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap("cm")])
        _ = try await s.hub.hub.createApp(AppSpec(name: "without", repoURL: repo.path, path: "app", cluster: "ns", namespace: "fresh-a",
                                                  syncPolicy: SyncPolicy(automated: true)))
        try await eventually("apply fails: no namespace") {
            let v = try await s.app("without")
            return v.operation?.phase == .failed && v.operation?.resources.first?.status == .syncFailed
        }
        #expect(try await s.app("without").conditions.contains { $0.type == "SyncError" && $0.message.contains("cm.yaml:1") })
        _ = try await s.hub.hub.createApp(AppSpec(name: "with", repoURL: repo.path, path: "app", cluster: "ns", namespace: "fresh-b",
                                                  syncPolicy: SyncPolicy(automated: true, syncOptions: [SyncOption.createNamespace])))
        try await eventually("namespace created and app synced") { try await s.app("with").sync == .synced }
        #expect(await s.get("v1", "Namespace", nil, "fresh-b") != nil)
        #expect(await s.get("v1", "ConfigMap", "fresh-b", "cm") != nil)
        await s.stop()
    }

    @Test func conflictsAreReportedUnlessForced() async throws {
        let s = try await start("conflicts")
        // Someone else owns data.k with another value.
        let file = tempDirectory("other") + "/cm.yaml"
        try Self.configMap("shared", value: "theirs").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await Proc.run(try Proc.kubectl(), ["--kubeconfig", s.kubeconfig, "apply", "--server-side", "--field-manager", "someone", "-n", "default", "-f", file]).ok)
        let repo = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap("shared", value: "ours")])
        _ = try await s.hub.hub.createApp(AppSpec(name: "polite", repoURL: repo.path, path: "app", cluster: "conflicts", namespace: "default",
                                                  syncPolicy: SyncPolicy(automated: true)))
        try await eventually("conflict reported per resource") {
            let op = try await s.app("polite").operation
            return op?.phase == .failed && op?.resources.first?.message?.contains("ServerSideApply=force") == true
        }
        #expect(await s.get("v1", "ConfigMap", "default", "shared")?[path: ["data", "k"]] == "theirs")
        try await s.hub.hub.deleteApp(named: "polite", cascade: false)
        _ = try await s.hub.hub.createApp(AppSpec(name: "forceful", repoURL: repo.path, path: "app", cluster: "conflicts", namespace: "default",
                                                  syncPolicy: SyncPolicy(automated: true, syncOptions: [SyncOption.serverSideApplyForce])))
        try await eventually("forced apply takes the field") {
            await s.get("v1", "ConfigMap", "default", "shared")?[path: ["data", "k"]] == "ours"
        }
        await s.stop()
    }

    @Test func failedSyncsAreRetriedWithBackoffUpToTheLimit() async throws {
        let s = try await start("retries")
        let repo = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap("cm")])
        _ = try await s.hub.hub.createApp(AppSpec(name: "retry", repoURL: repo.path, path: "app", cluster: "retries", namespace: "missing",
                                                  syncPolicy: SyncPolicy(automated: true, retry: RetryPolicy(limit: 2, backoffSeconds: 0.2, factor: 2))))
        try await eventually("two retries, then it stops") {
            let op = try await s.app("retry").operation
            return op?.phase == .failed && op?.retryCount == 2
        }
        try await Task.sleep(for: .seconds(1.5))
        #expect(try await s.app("retry").operation?.retryCount == 2, "no retry beyond the limit")
        await s.stop()
    }

    @Test func ignoredDifferencesDoNotMakeTheAppOutOfSync() async throws {
        let s = try await start("ignore")
        let repo = try await TestRepo.create(files: ["app/web.yaml": Self.deployment("web")])
        _ = try await s.hub.hub.createApp(AppSpec(
            name: "hpa-managed", repoURL: repo.path, path: "app", cluster: "ignore", namespace: "default",
            syncPolicy: SyncPolicy(automated: true),
            ignoreDifferences: [IgnoreDifference(group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"])]))
        try await eventually("synced") { try await s.app("hpa-managed").sync == .synced }
        // An autoscaler changes replicas; another field drifts too.
        #expect(try await Proc.run(try Proc.kubectl(), ["--kubeconfig", s.kubeconfig, "scale", "deployment", "web", "-n", "default", "--replicas=4"]).ok)
        try await Task.sleep(for: .seconds(2))
        #expect(try await s.app("hpa-managed").sync == .synced, "an ignored field is not drift")
        #expect(try await Proc.run(try Proc.kubectl(), ["--kubeconfig", s.kubeconfig, "label", "deployment", "web", "-n", "default", "app.hawser.io/instance-"]).ok)
        try await eventually("other drift still reported") {
            let v = try await s.app("hpa-managed")
            return v.sync == .outOfSync && v.resources.contains { ($0.message ?? "").contains("instance") }
        }
        await s.stop()
    }
}

/// Resource hooks run at their phase, in order, with their delete policies.
@Suite(.serialized) struct HookTests {
    static func job(_ name: String, hook: String, policy: String? = nil, image: String = "busybox:1.36", argo: Bool = false) -> String {
        let prefix = argo ? "argocd.argoproj.io" : "hawser.io"
        let policyLine = policy.map { "\n    \(prefix)/hook-delete-policy: \($0)" } ?? ""
        return """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: \(name)
              annotations:
                \(prefix)/hook: \(hook)\(policyLine)
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: run, image: "\(image)", command: ["true"]}]

            """
    }

    func start(_ name: String) async throws -> SyncOptionsTests.Setup {
        try await SyncOptionsTests().start(name, readyDelay: .milliseconds(300))
    }

    @Test func preSyncRunsFirstAndPostSyncLast() async throws {
        let s = try await start("hooks")
        let repo = try await TestRepo.create(files: [
            "app/migrate.yaml": Self.job("migrate", hook: "PreSync"),
            "app/web.yaml": SyncOptionsTests.deployment("web"),
            "app/notify.yaml": Self.job("notify", hook: "PostSync", policy: "HookSucceeded", argo: true),
        ])
        _ = try await s.hub.hub.createApp(AppSpec(name: "hooked", repoURL: repo.path, path: "app", cluster: "hooks", namespace: "default",
                                                  syncPolicy: SyncPolicy(automated: true)))
        try await eventually("operation succeeded") { try await s.app("hooked").operation?.phase == .succeeded }
        let op = try #require(try await s.app("hooked").operation)
        let order = op.resources.map(\.key.name)
        #expect(order == ["migrate", "web", "notify"], "PreSync, then the app, then PostSync: \(order)")
        #expect(op.resources.first?.message == "PreSync hook completed")
        // BeforeHookCreation (the default) keeps the finished hook; HookSucceeded deletes it.
        #expect(await s.get("batch/v1", "Job", "default", "migrate") != nil)
        #expect(await s.get("batch/v1", "Job", "default", "notify") == nil)
        // Hooks are not resources of the app: they never make it OutOfSync.
        let v = try await s.app("hooked")
        #expect(v.sync == .synced)
        #expect(!v.resources.contains { $0.key.kind == "Job" })
        await s.stop()
    }

    @Test func failedPreSyncStopsTheSyncAndRunsSyncFail() async throws {
        let s = try await start("failing")
        let repo = try await TestRepo.create(files: [
            "app/migrate.yaml": Self.job("migrate", hook: "PreSync", image: "busybox:fail"),
            "app/web.yaml": SyncOptionsTests.deployment("web"),
            "app/alert.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alert\n  annotations:\n    hawser.io/hook: SyncFail\ndata:\n  a: b\n",
        ])
        _ = try await s.hub.hub.createApp(AppSpec(name: "broken-migration", repoURL: repo.path, path: "app", cluster: "failing", namespace: "default",
                                                  syncPolicy: SyncPolicy(automated: true)))
        try await eventually("operation failed") { try await s.app("broken-migration").operation?.phase == .failed }
        let op = try #require(try await s.app("broken-migration").operation)
        #expect(op.message?.contains("PreSync hook failed") == true, "message: \(op.message ?? "")")
        #expect(await s.get("apps/v1", "Deployment", "default", "web") == nil, "nothing is applied after a failed PreSync hook")
        #expect(await s.get("v1", "ConfigMap", "default", "alert") != nil, "SyncFail hooks run")
        await s.stop()
    }
}
