import Foundation
import HawserProtocol
import HubCore
import KubeSim
import Testing

/// Projects as a team relies on them: apps deploy only where and what their project allows,
/// checked by the hub and again by the agent, and sync windows hold syncs back.
@Suite(.serialized) struct ProjectTests {
    static func configMap(_ name: String, namespace: String? = nil) -> String {
        let ns = namespace.map { "\n  namespace: \($0)" } ?? ""
        return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(name)\(ns)\ndata:\n  k: v\n"
    }

    static let clusterRole = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: team-a-reader
        rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]

        """

    func teamProject(_ cluster: String, extra: (inout ProjectSpec) -> Void = { _ in }) -> ProjectView {
        var spec = ProjectSpec(description: "team A", sourceRepos: ["*"], destinations: [ProjectDestination(name: cluster, namespace: "team-a")])
        extra(&spec)
        return ProjectView(name: "team-a", spec: spec)
    }

    func condition(_ s: ClusterSetup, _ app: String, _ type: String) async throws -> String? {
        try await s.app(app).conditions.first { $0.type == type }?.message
    }

    @Test func aManifestInANamespaceOutsideTheProjectStopsTheWholeRevision() async throws {
        let s = try await ClusterSetup.start("proj-ns")
        _ = try await s.hub.hub.createProject(teamProject("proj-ns"))
        let repo = try await TestRepo.create(files: [
            "app/good.yaml": Self.configMap("good"),
            "app/bad.yaml": "# escapes the project\n" + Self.configMap("bad", namespace: "kube-system"),
        ])
        _ = try await s.hub.hub.createApp(AppSpec(name: "tenant", project: "team-a", repoURL: repo.path, path: "app", cluster: "proj-ns",
                                                  namespace: "team-a", syncPolicy: SyncPolicy(automated: true, syncOptions: ["CreateNamespace=true"])))
        let message = try #require(try await condition(s, "tenant", "InvalidSpecError"))
        #expect(message.contains("app/bad.yaml:2"), "\(message)")
        #expect(message.contains("kube-system") && message.contains("team-a"), "\(message)")
        try await Task.sleep(for: .seconds(2))
        #expect(await s.get("v1", "ConfigMap", "team-a", "good") == nil, "nothing of the refused revision is applied")
        #expect(await s.get("v1", "ConfigMap", "kube-system", "bad") == nil)

        // Fixing Git clears the condition and deploys.
        _ = try await repo.commit(["app/bad.yaml": Self.configMap("bad")], message: "stay in team-a")
        _ = try await s.hub.hub.refresh(appNamed: "tenant")
        try await eventually("deployed once the manifest is fixed") { await s.get("v1", "ConfigMap", "team-a", "bad") != nil }
        #expect(try await condition(s, "tenant", "InvalidSpecError") == nil)
        await s.stop()
    }

    @Test func clusterScopedKindsNeedTheProjectsWhitelistAndAProjectChangeAppliesAtOnce() async throws {
        let s = try await ClusterSetup.start("proj-kind")
        _ = try await s.hub.hub.createProject(teamProject("proj-kind"))
        let repo = try await TestRepo.create(files: ["app/role.yaml": Self.clusterRole, "app/cm.yaml": Self.configMap("cm")])
        _ = try await s.hub.hub.createApp(AppSpec(name: "roles", project: "team-a", repoURL: repo.path, path: "app", cluster: "proj-kind",
                                                  namespace: "team-a", syncPolicy: SyncPolicy(automated: true, syncOptions: ["CreateNamespace=true"])))
        let message = try #require(try await condition(s, "roles", "InvalidSpecError"))
        #expect(message.contains("ClusterRole/team-a-reader") && message.contains("clusterResourceWhitelist"), "\(message)")
        #expect(await s.get("v1", "ConfigMap", "team-a", "cm") == nil)

        var spec = try await s.hub.hub.project(named: "team-a").spec
        spec.clusterResourceWhitelist = [GroupKind(group: "rbac.authorization.k8s.io", kind: "ClusterRole")]
        _ = try await s.hub.hub.updateProject(named: "team-a", spec: spec)
        try await eventually("applied after the project allows ClusterRole") {
            await s.get("rbac.authorization.k8s.io/v1", "ClusterRole", nil, "team-a-reader") != nil
        }
        await s.stop()
    }

    @Test func theAgentRefusesACustomClusterScopedKindTheHubCannotJudge() async throws {
        let s = try await ClusterSetup.start("proj-crd")
        let crd = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: gadgets.example.com}
            spec:
              group: example.com
              scope: Cluster
              names: {plural: gadgets, singular: gadget, kind: Gadget, listKind: GadgetList}
              versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]

            """
        let file = tempDirectory("crd") + "/crd.yaml"
        try crd.write(toFile: file, atomically: true, encoding: .utf8)
        let applied = try await Proc.run(try Proc.kubectl(), ["--kubeconfig", s.kubeconfig, "apply", "--server-side", "-f", file])
        #expect(applied.ok, "\(applied.stderr)")
        _ = try await s.hub.hub.createProject(teamProject("proj-crd"))
        let repo = try await TestRepo.create(files: [
            "app/gadget.yaml": "apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g1\nspec: {size: 1}\n",
            "app/cm.yaml": Self.configMap("cm"),
        ])
        _ = try await s.hub.hub.createApp(AppSpec(name: "gadgets", project: "team-a", repoURL: repo.path, path: "app", cluster: "proj-crd",
                                                  namespace: "team-a", syncPolicy: SyncPolicy(automated: true, syncOptions: ["CreateNamespace=true"])))
        // The hub takes Gadget for namespaced (in team-a: permitted); the agent's discovery knows better.
        try await eventually("the agent reports the refusal") {
            try await condition(s, "gadgets", "InvalidSpecError")?.contains("Gadget/g1") ?? false
        }
        let message = try await condition(s, "gadgets", "InvalidSpecError") ?? ""
        #expect(message.contains("app/gadget.yaml:1") && message.contains("clusterResourceWhitelist"), "\(message)")
        #expect(await s.get("example.com/v1", "Gadget", nil, "g1") == nil)
        #expect(await s.get("v1", "ConfigMap", "team-a", "cm") == nil, "nothing of the app is applied")
        await s.stop()
    }

    @Test func creatingAnAppOutsideItsProjectIsRefusedWithTheRule() async throws {
        let s = try await ClusterSetup.start("proj-create")
        _ = try await s.hub.hub.createProject(teamProject("proj-create") { $0.sourceRepos = ["https://git.example.com/team-a/*"] })
        let repo = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap("cm")])
        await #expect { try await s.hub.hub.createApp(AppSpec(name: "wrong-repo", project: "team-a", repoURL: repo.path, path: "app",
                                                               cluster: "proj-create", namespace: "team-a")) } throws: { error in
            "\(error)".contains("not permitted in project team-a") && (error as? HubError)?.kind == .forbidden
        }
        _ = try await s.hub.hub.updateProject(named: "team-a", spec: teamProject("proj-create").spec)
        await #expect { try await s.hub.hub.createApp(AppSpec(name: "wrong-ns", project: "team-a", repoURL: repo.path, path: "app",
                                                               cluster: "proj-create", namespace: "team-b")) } throws: { error in
            "\(error)".contains("team-b") && (error as? HubError)?.kind == .forbidden
        }
        await #expect { try await s.hub.hub.createApp(AppSpec(name: "no-project", project: "nope", repoURL: repo.path, path: "app",
                                                               cluster: "proj-create", namespace: "team-a")) } throws: { error in
            (error as? HubError)?.kind == .notFound
        }
        // A project with apps cannot be deleted; the default project never.
        _ = try await s.hub.hub.createApp(AppSpec(name: "ok", project: "team-a", repoURL: repo.path, path: "app", cluster: "proj-create", namespace: "team-a"))
        await #expect { try await s.hub.hub.deleteProject(named: "team-a") } throws: { "\($0)".contains("still has applications (ok)") }
        await #expect { try await s.hub.hub.deleteProject(named: "default") } throws: { ($0 as? HubError)?.kind == .invalid }
        await s.stop()
    }

    @Test func aDenyWindowHoldsAutomatedSyncsAndRefusesManualOnesUntilItIsRemoved() async throws {
        let s = try await ClusterSetup.start("proj-window")
        _ = try await s.hub.hub.createProject(teamProject("proj-window") {
            $0.syncWindows = [SyncWindow(kind: .deny, schedule: "* * * * *", duration: "1h", applications: ["*"])]
        })
        let repo = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap("held")])
        _ = try await s.hub.hub.createApp(AppSpec(name: "held", project: "team-a", repoURL: repo.path, path: "app", cluster: "proj-window",
                                                  namespace: "team-a", syncPolicy: SyncPolicy(automated: true, syncOptions: ["CreateNamespace=true"])))
        try await eventually("the agent says why it waits") {
            try await s.app("held").message?.contains("automated sync waits: sync denied by window deny '* * * * *'") ?? false
        }
        #expect(await s.get("v1", "ConfigMap", "team-a", "held") == nil)
        await #expect { _ = try await s.hub.hub.syncApp(named: "held", initiatedBy: Principal(name: "test")) } throws: { error in
            (error as? HubError)?.kind == .forbidden && "\(error)".contains("deny")
        }
        var spec = try await s.hub.hub.project(named: "team-a").spec
        spec.syncWindows = []
        _ = try await s.hub.hub.updateProject(named: "team-a", spec: spec)
        try await eventually("synced once the window is gone") { await s.get("v1", "ConfigMap", "team-a", "held") != nil }
        await s.stop()
    }

    @Test func theCLIManagesProjectsLikeArgoCD() async throws {
        let hub = try await HubHarness.start()
        var r = try await hub.cli("proj", "create", "team-b", "--description", "Team B", "--src", "https://git.example.com/team-b/*", "--dest", "prod-*,team-b")
        #expect(r.ok, "\(r.stderr)")
        r = try await hub.cli("proj", "add-destination", "team-b", "staging", "!kube-*")
        #expect(r.ok, "\(r.stderr)")
        r = try await hub.cli("proj", "allow-cluster-resource", "team-b", "", "Namespace")
        #expect(r.ok, "\(r.stderr)")
        r = try await hub.cli("proj", "windows", "add", "team-b", "--kind", "deny", "--schedule", "0 22 * * *", "--duration", "8h", "--applications", "*", "--manual-sync", "--time-zone", "Europe/Berlin")
        #expect(r.ok, "\(r.stderr)")
        r = try await hub.cli("proj", "role", "create", "team-b", "deployer")
        #expect(r.ok, "\(r.stderr)")
        r = try await hub.cli("proj", "role", "add-policy", "team-b", "deployer", "-a", "sync", "--object", "*")
        #expect(r.ok, "\(r.stderr)")
        r = try await hub.cli("proj", "role", "add-group", "team-b", "deployer", "team-b-devs")
        #expect(r.ok, "\(r.stderr)")
        let p = try await hub.hub.project(named: "team-b")
        #expect(p.spec.description == "Team B")
        #expect(p.spec.sourceRepos == ["https://git.example.com/team-b/*"])
        #expect(p.spec.destinations == [ProjectDestination(name: "prod-*", namespace: "team-b"), ProjectDestination(name: "staging", namespace: "!kube-*")])
        #expect(p.spec.clusterResourceWhitelist == [GroupKind(group: "", kind: "Namespace")])
        #expect(p.spec.syncWindows.first?.timeZone == "Europe/Berlin" && p.spec.syncWindows.first?.manualSync == true)
        #expect(p.spec.roles == [ProjectRole(name: "deployer", policies: ["p, proj:team-b:deployer, applications, sync, team-b/*, allow"], groups: ["team-b-devs"])])

        r = try await hub.cli("proj", "windows", "add", "team-b", "--kind", "deny", "--schedule", "0 25 * * *", "--duration", "1h")
        #expect(!r.ok && r.stderr.contains("hour"), "a bad schedule is refused, naming the field: \(r.stderr)")
        r = try await hub.cli("proj", "list")
        #expect(r.ok && r.stdout.contains("team-b") && r.stdout.contains("default"), "\(r.stdout)")

        let file = tempDirectory("appproject") + "/team-c.yaml"
        try """
            apiVersion: argoproj.io/v1alpha1
            kind: AppProject
            metadata:
              name: team-c
              namespace: argocd
            spec:
              description: from an Argo CD manifest
              sourceRepos: ['*']
              destinations:
              - namespace: team-c
                server: https://kubernetes.default.svc
              namespaceResourceBlacklist:
              - group: ''
                kind: ResourceQuota

            """.write(toFile: file, atomically: true, encoding: .utf8)
        r = try await hub.cli("proj", "create", "-f", file)
        #expect(r.ok, "\(r.stderr)")
        #expect(try await hub.hub.project(named: "team-c").spec.namespaceResourceBlacklist == [GroupKind(group: "", kind: "ResourceQuota")])
        r = try await hub.cli("proj", "delete", "team-c")
        #expect(r.ok, "\(r.stderr)")
        await #expect(throws: HubError.self) { try await hub.hub.project(named: "team-c") }
        await hub.stop()
    }

    @Test func appSetChangesTheDesiredStateWithinTheProject() async throws {
        let s = try await ClusterSetup.start("proj-set")
        _ = try await s.hub.hub.createProject(teamProject("proj-set"))
        let repo = try await TestRepo.create(files: ["one/cm.yaml": Self.configMap("one"), "two/cm.yaml": Self.configMap("two")])
        _ = try await s.hub.hub.createApp(AppSpec(name: "mover", project: "team-a", repoURL: repo.path, path: "one", cluster: "proj-set",
                                                  namespace: "team-a", syncPolicy: SyncPolicy(automated: true, prune: true, syncOptions: ["CreateNamespace=true"])))
        try await eventually("first path applied") { await s.get("v1", "ConfigMap", "team-a", "one") != nil }
        var r = try await s.hub.cli("app", "set", "mover", "--path", "two", "--no-auto-sync")
        #expect(r.ok, "\(r.stderr)")
        var app = try await s.app("mover")
        #expect(app.spec.path == "two" && app.spec.syncPolicy.automated == false && app.spec.syncPolicy.prune)
        #expect(app.sync == .outOfSync || app.sync == .unknown, "\(app.sync)")
        r = try await s.hub.cli("app", "sync", "mover")
        #expect(r.ok, "\(r.stderr)")
        try await eventually("second path applied, first pruned") {
            let two = await s.get("v1", "ConfigMap", "team-a", "two")
            let one = await s.get("v1", "ConfigMap", "team-a", "one")
            return two != nil && one == nil
        }
        r = try await s.hub.cli("app", "set", "mover", "--namespace", "kube-system")
        #expect(!r.ok && r.stderr.contains("kube-system") && r.stderr.contains("403"), "\(r.stderr)")
        app = try await s.app("mover")
        #expect(app.spec.namespace == "team-a", "a refused change changes nothing")
        await s.stop()
    }
}
