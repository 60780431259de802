import AgentLink
import AsyncHTTPClient
import Foundation
import HawserProtocol
import HubCore
import HubRBAC
import Testing

/// Git as the source of truth for the hub itself: Argo CD's Application files applied as they
/// are and deployed, `hawser export` read back unchanged, and config repositories whose
/// commits add, change and remove apps, projects and RBAC policy, each applied whole or not at
/// all and audited with its commit and author.
@Suite(.serialized) struct DeclarativeTests {
    static let examples = ["guestbook", "helm-guestbook", "kustomize-guestbook"]

    /// The fixture apps (Argo CD's argocd-example-apps) as one Git repository.
    static func exampleRepo() async throws -> TestRepo {
        var files: [String: String] = [:]
        let root = Proc.fixtures + "/argocd-example-apps"
        for app in examples {
            let dir = root + "/" + app
            for case let rel as String in FileManager.default.enumerator(atPath: dir)! {
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: dir + "/" + rel, isDirectory: &isDir), !isDir.boolValue else { continue }
                files[app + "/" + rel] = try String(contentsOfFile: dir + "/" + rel, encoding: .utf8)
            }
        }
        return try await TestRepo.create(files: files)
    }

    /// An Application as Argo CD's documentation writes it (destination by server URL).
    static func argoApplication(_ name: String, repo: String, namespace: String, extra: String = "") -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata:
          name: \(name)
          namespace: argocd
          finalizers:
            - resources-finalizer.argocd.argoproj.io
        spec:
          project: default
          source:
            repoURL: \(repo)
            targetRevision: HEAD
            path: \(name)
        \(extra)
          destination:
            server: https://kubernetes.default.svc
            namespace: \(namespace)
          syncPolicy:
            automated:
              prune: true
              selfHeal: true
            syncOptions:
              - CreateNamespace=true

        """
    }

    @Test func argoCDsExampleApplicationsDeployAndExportReadsBackUnchanged() async throws {
        let (sim, kubeconfig) = try await ClusterSetup.startSim()
        defer { Task { await sim.shutdown() } }
        try await scenario(kubeconfig: kubeconfig, timeout: .seconds(60))
    }

    @Test(.enabled(if: EndToEndTests.realKubeconfig != nil, "skipped: set HAWSER_E2E_KUBECONFIG to also deploy Argo CD's example Applications to a real cluster"))
    func argoCDsExampleApplicationsOnARealCluster() async throws {
        try await scenario(kubeconfig: EndToEndTests.realKubeconfig!, timeout: .seconds(240))
    }

    func scenario(kubeconfig: String, timeout: Duration) async throws {
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        let agent = try AgentHarness.start(state: try await h.registerAgent("local"), kubeconfig: kubeconfig)
        defer { Task { await agent.stop() } }
        let repo = try await Self.exampleRepo()
        let suffix = UUID().uuidString.prefix(6).lowercased()
        let dir = tempDirectory("argo-apps")
        for app in Self.examples {
            let helm = app == "helm-guestbook" ? "    helm:\n      valueFiles:\n        - values-production.yaml\n      parameters:\n        - name: replicaCount\n          value: \"2\"\n" : ""
            // An Argo CD field Hawser does not have: reported, not dropped unseen.
            let info = app == "guestbook" ? "  info:\n    - name: docs\n      value: https://example.com\n" : ""
            try (Self.argoApplication(app, repo: repo.path, namespace: "\(app)-\(suffix)", extra: helm) + info)
                .write(toFile: "\(dir)/\(app).yaml", atomically: true, encoding: .utf8)
        }

        // Argo CD names the cluster by API server URL: without a mapping the error says so.
        let unmapped = try await h.cli("apply", "-f", dir)
        #expect(!unmapped.ok && unmapped.stderr.contains("spec.destination.server: cluster \"https://kubernetes.default.svc\" is not registered"), "\(unmapped.stderr)")
        #expect(unmapped.stderr.contains("nothing was applied") && unmapped.stderr.contains("\(dir)/guestbook.yaml:"), "\(unmapped.stderr)")
        #expect(try await h.hub.apps().isEmpty)

        let applied = try await h.cli("apply", "-f", dir, "--destination-server", "https://kubernetes.default.svc=local")
        #expect(applied.ok, "\(applied.stderr)")
        #expect(applied.stdout.split(separator: "\n").sorted() == Self.examples.map { "application/\($0) created" }, "\(applied.stdout)")
        #expect(applied.stderr.contains("warning: \(dir)/guestbook.yaml:24: spec.info: informational links are not shown by Hawser; ignored"), "\(applied.stderr)")

        let kubectl = try Proc.kubectl()
        for app in Self.examples {
            try await eventually("\(app) Synced and Healthy", timeout: timeout) {
                let v = try await h.hub.app(named: app)
                return v.sync == .synced && v.health == .healthy
            }
            // kubectl, an independent client, sees what Argo CD's example deploys.
            let out = try await Proc.run(kubectl, ["--kubeconfig", kubeconfig, "get", "deployments", "-n", "\(app)-\(suffix)", "-o", "name"])
            #expect(out.ok && out.stdout.contains("deployment.apps/"), "\(app): \(out.stdout) \(out.stderr)")
        }
        let helm = try await Proc.run(kubectl, ["--kubeconfig", kubeconfig, "get", "deployments", "-n", "helm-guestbook-\(suffix)", "-o", "jsonpath={.items[0].spec.replicas}"])
        #expect(helm.stdout == "2", "the Helm parameter applies: \(helm.stdout)")
        let audit = try await h.hub.auditEvents(limit: 50).filter { $0.action == "create" && $0.resource == "applications" }
        #expect(Set(audit.map(\.object)) == Set(Self.examples.map { "default/\($0)" }) && audit.allSatisfy { $0.detail?.contains("hawser apply") == true })

        // Export, apply the export: nothing changes; export again: the same bytes.
        let first = tempDirectory("export-1"), second = tempDirectory("export-2")
        let exported = try await h.cli("export", "-d", first)
        #expect(exported.ok, "\(exported.stderr)")
        let again = try await h.cli("apply", "-f", first)
        #expect(again.ok, "\(again.stderr)")
        #expect(again.stdout.split(separator: "\n").sorted() == (Self.examples.map { "application/\($0) unchanged" } + ["appproject/default unchanged"]).sorted(), "\(again.stdout)")
        #expect(again.stderr.isEmpty, "an export reads back without warnings: \(again.stderr)")
        #expect(try await h.cli("export", "-d", second).ok)
        for app in Self.examples {
            let a = try String(contentsOfFile: "\(first)/applications/\(app).yaml", encoding: .utf8)
            let b = try String(contentsOfFile: "\(second)/applications/\(app).yaml", encoding: .utf8)
            #expect(a == b && a.contains("apiVersion: hawser.io/v1"))
        }

        // A change is shown by a dry run and applied by apply.
        let file = "\(first)/applications/guestbook.yaml"
        try (try String(contentsOfFile: file, encoding: .utf8)).replacingOccurrences(of: "selfHeal: true", with: "selfHeal: false").write(toFile: file, atomically: true, encoding: .utf8)
        let dry = try await h.cli("apply", "-f", file, "--dry-run")
        #expect(dry.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "application/guestbook configured (dry run)", "\(dry.stdout)")
        #expect(try await h.hub.app(named: "guestbook").spec.syncPolicy.selfHeal)
        #expect(try await h.cli("apply", "-f", file).ok)
        #expect(try await h.hub.app(named: "guestbook").spec.syncPolicy.selfHeal == false)
        for app in Self.examples { _ = try await h.cli("app", "delete", app) }
    }

    // MARK: Config repositories

    static let workload = ["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  color: blue\n"]

    static func project(_ name: String) -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: AppProject
        metadata:
          name: \(name)
        spec:
          description: Team \(name)
          sourceRepos: ["*"]
          destinations:
            - name: prod
              namespace: "\(name)-*"

        """
    }

    static func app(_ name: String, project: String, repo: String, namespace: String, kind: String = "hawser.io/v1") -> String {
        """
        apiVersion: \(kind)
        kind: Application
        metadata:
          name: \(name)
        spec:
          project: \(project)
          source:
            repoURL: \(repo)
            path: app
          destination:
            name: prod
            namespace: \(namespace)

        """
    }

    @Test func aConfigRepositoryOwnsWhatItDefinesCommitByCommit() async throws {
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        _ = try await h.hub.addCluster(ClusterCreateRequest(name: "prod"))
        let workload = try await TestRepo.create(files: Self.workload)
        let config = try await TestRepo.create(files: [
            "projects/team-a.yaml": Self.project("team-a"),
            "apps/web.yaml": Self.app("web", project: "team-a", repo: workload.path, namespace: "team-a-web", kind: "argoproj.io/v1alpha1"),
            "rbac.yaml": """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: argocd-rbac-cm, namespace: argocd}
                data:
                  policy.csv: |
                    p, role:team-a-deployer, applications, sync, team-a/*, allow
                    g, alice, role:team-a-deployer

                """,
            "README.md": "# not read\n",
        ])
        let first = try await config.git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)

        let added = try await h.cli("config-repo", "add", config.path, "--name", "platform", "--prune")
        #expect(added.ok, "\(added.stdout) \(added.stderr)")
        #expect(added.stdout.contains("Applied commit \(first.prefix(8)) by Test <test@example.com>"), "\(added.stdout)")
        let web = try await h.hub.app(named: "web")
        #expect(web.managedBy == ManagedBy(configRepo: "platform", repoURL: config.path, file: "apps/web.yaml"))
        #expect(web.spec.project == "team-a" && web.targetCommit != nil, "the app renders from its own repository")
        #expect(try await h.hub.project(named: "team-a").managedBy?.file == "projects/team-a.yaml")
        #expect(try await h.hub.can(Principal(name: "alice"), .sync, .applications, "team-a/web"), "the policy from Git grants alice sync")
        #expect(try await h.hub.can(Principal(name: "alice"), .delete, .applications, "team-a/web") == false)

        // Who deployed what: each change is audited with the commit and its author.
        let created = try await h.hub.auditEvents(limit: 50).filter { $0.action == "create" && $0.resource != "configrepos" }
        #expect(Set(created.map { "\($0.resource) \($0.object)" }) == ["projects team-a", "applications team-a/web", "accounts rbac-policy"], "\(created.map(\.object))")
        #expect(created.allSatisfy { $0.actor == "Test <test@example.com>" && $0.detail?.contains("commit \(first)") == true }, "\(created.map(\.detail))")

        // The API refuses changes to what Git owns, naming the repository and the file.
        let delete = try await h.cli("app", "delete", "web")
        #expect(!delete.ok && delete.stderr.contains("managed by config repository platform (\(config.path), file apps/web.yaml)"), "\(delete.stderr)")
        let set = try await h.cli("app", "set", "web", "--revision", "v2")
        #expect(!set.ok && set.stderr.contains("file apps/web.yaml"), "\(set.stderr)")
        let proj = try await h.cli("proj", "delete", "team-a")
        #expect(!proj.ok && proj.stderr.contains("file projects/team-a.yaml"), "\(proj.stderr)")
        // The web UI says where the app is changed.
        var page = HTTPClientRequest(url: h.apiURL + "/ui/applications/web")
        page.headers.add(name: "Cookie", value: "hawser_session=\(h.adminToken)")
        let html = String(buffer: try await HTTPClient.shared.execute(page, timeout: .seconds(20)).body.collect(upTo: 1 << 22))
        #expect(html.contains("id=\"fact-managed-by\"") && html.contains("<strong>platform</strong>") && html.contains("<code>apps/web.yaml</code>"), "\(html.prefix(300))")
        let exported = tempDirectory("managed-export")
        #expect(try await h.cli("export", "-d", exported).ok)
        let overwrite = try await h.cli("apply", "-f", "\(exported)/applications/web.yaml")
        #expect(!overwrite.ok && overwrite.stderr.contains("managed by config repository platform"), "\(overwrite.stderr)")

        // A commit that changes one app and adds another; found by the poller as a push would.
        try await config.commit(["apps/web.yaml": Self.app("web", project: "team-a", repo: workload.path, namespace: "team-a-frontend"),
                                 "apps/api.yaml": Self.app("api", project: "team-a", repo: workload.path, namespace: "team-a-api")], message: "web moves namespace; api")
        await h.hub.refreshAll()
        #expect(try await h.hub.app(named: "web").spec.namespace == "team-a-frontend")
        #expect(try await h.hub.app(named: "api").managedBy?.file == "apps/api.yaml")
        let second = try await h.hub.configRepo(named: "platform").appliedCommit?.sha

        // A bad commit: an unknown project, a name defined twice, a plugin source; and one good
        // new app, which must not be created since nothing of the commit is applied.
        try await config.commit([
            "apps/new.yaml": Self.app("fresh", project: "team-a", repo: workload.path, namespace: "team-a-fresh"),
            "apps/lost.yaml": Self.app("lost", project: "nope", repo: workload.path, namespace: "x"),
            "apps/copy.yaml": Self.app("api", project: "team-a", repo: workload.path, namespace: "team-a-api"),
            "apps/plugin.yaml": Self.app("plugged", project: "team-a", repo: workload.path, namespace: "team-a-p")
                .replacingOccurrences(of: "    path: app\n", with: "    path: app\n    plugin:\n      name: cdk8s\n"),
        ], message: "broken")
        let refused = try await h.cli("config-repo", "refresh", "platform")
        #expect(!refused.ok, "a refused commit is an error")
        for expected in ["apps/lost.yaml:6: spec.project: project \"nope\" does not exist",
                         "apps/copy.yaml:4: metadata.name: application \"api\" is also defined at apps/api.yaml:1",
                         "apps/plugin.yaml:10: spec.source.plugin: config management plugins are not supported"] {
            #expect(refused.stdout.contains(expected), "missing \(expected) in \(refused.stdout)")
        }
        #expect(try await h.hub.store.app(named: "fresh") == nil, "nothing of a refused commit is applied")
        let state = try await h.hub.configRepo(named: "platform")
        #expect(state.appliedCommit?.sha == second && state.lastCommit?.sha != second && state.errors.count == 3)
        let failed = try await h.hub.auditEvents(limit: 20).filter { $0.action == "apply" && $0.resource == "configrepos" && $0.outcome == "failed" }
        #expect(failed.count == 1 && failed.first?.object == "platform" && failed.first?.actor == "Test <test@example.com>", "\(failed)")
        _ = try await h.cli("config-repo", "refresh", "platform")
        #expect(try await h.hub.auditEvents(limit: 20).filter { $0.action == "apply" && $0.resource == "configrepos" && $0.outcome == "failed" }.count == 1, "a refusal is audited once per commit")

        // Fixed: the good app arrives, and the removed api file deletes api (prune).
        try await config.git(["rm", "-q", "apps/lost.yaml", "apps/copy.yaml", "apps/plugin.yaml", "apps/api.yaml"])
        try await config.commit([:], message: "fix; api retired")
        let fixed = try await h.cli("config-repo", "refresh", "platform")
        #expect(fixed.ok, "\(fixed.stdout)")
        #expect(try await h.hub.store.app(named: "fresh")?.managedBy != nil)
        #expect(try await h.hub.store.app(named: "api") == nil, "its file was removed and the repository prunes")
        let deleted = try await h.hub.auditEvents(limit: 20).filter { $0.action == "delete" && $0.object == "team-a/api" }
        #expect(deleted.count == 1 && deleted[0].detail?.contains("commit") == true)

        // A project still used cannot go; removing it with its apps can.
        try await config.git(["rm", "-q", "projects/team-a.yaml"])
        try await config.commit([:], message: "drop team-a only")
        let inUse = try await h.hub.reconcileConfigRepo(named: "platform")
        #expect(inUse.errors.first?.message.contains("project \"team-a\" was removed, but applications still use it") == true, "\(inUse.errors)")
        #expect(try await h.hub.store.project(named: "team-a") != nil)
        // Its apps move to team-b in the same commit: then team-a can go.
        try await config.git(["rm", "-q", "rbac.yaml"])
        try await config.commit(["projects/team-b.yaml": Self.project("team-b"),
                                 "apps/web.yaml": Self.app("web", project: "team-b", repo: workload.path, namespace: "team-b-web"),
                                 "apps/new.yaml": Self.app("fresh", project: "team-b", repo: workload.path, namespace: "team-b-fresh")], message: "team-a becomes team-b")
        let moved = try await h.hub.reconcileConfigRepo(named: "platform")
        #expect(moved.errors.isEmpty, "\(moved.errors)")
        #expect(try await h.hub.store.project(named: "team-a") == nil)
        #expect(try await h.hub.store.apps().map(\.project) == ["team-b", "team-b"])
        #expect(try await h.hub.store.project(named: "team-b")?.managedBy?.file == "projects/team-b.yaml")
        #expect(try await h.hub.can(Principal(name: "alice"), .sync, .applications, "team-a/web") == false, "the policy lines left with the file")

        // Git owns the revision too: a rollback would be undone by the next commit.
        let rollback = try await h.cli("app", "rollback", "web", "1")
        #expect(!rollback.ok && rollback.stderr.contains("roll back in Git"), "\(rollback.stderr)")

        // A commit that defines nothing at all (a wrong path, an emptied branch) removes nothing.
        try await config.git(["rm", "-q", "-r", "apps", "projects"])
        try await config.commit([:], message: "everything gone?")
        let emptied = try await h.hub.reconcileConfigRepo(named: "platform")
        #expect(emptied.errors.first?.message.contains("this commit defines no objects, and applying it would remove the 3") == true, "\(emptied.errors)")
        #expect(try await h.hub.store.project(named: "team-b") != nil)
        #expect(try await h.hub.store.app(named: "web") != nil)
        #expect(emptied.appliedCommit?.sha == moved.appliedCommit?.sha)
        #expect(try await h.hub.verifyAudit().intact)
    }

    @Test func withoutPruneARemovedFileKeepsItsObjectAndSaysSo() async throws {
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        _ = try await h.hub.addCluster(ClusterCreateRequest(name: "prod"))
        let workload = try await TestRepo.create(files: Self.workload)
        let config = try await TestRepo.create(files: [
            "web.yaml": Self.app("web", project: "default", repo: workload.path, namespace: "web"),
            "keep.yaml": Self.app("keep", project: "default", repo: workload.path, namespace: "keep"),
        ])
        let repo = try await h.hub.addConfigRepo(ConfigRepoCreateRequest(url: config.path), by: Principal(name: "admin"))
        #expect(repo.errors.isEmpty && repo.objects.count == 2, "\(repo)")
        try await config.git(["rm", "-q", "web.yaml"])
        try await config.commit([:], message: "web retired")
        let after = try await h.hub.reconcileConfigRepo(named: repo.name)
        let kept = try #require(try await h.hub.store.app(named: "web"))
        #expect(kept.managedBy == nil, "kept and released: the API can delete it now")
        #expect(after.objects.contains(ConfigOutcome(kind: "Application", name: "web", action: .orphaned, file: "web.yaml")))
        #expect(after.warnings.contains { $0.message.contains("removed from Git and is kept because the config repository does not prune") })
        try await h.hub.deleteApp(named: "web", cascade: true)
        // Removing the repository releases what it defined.
        try await h.hub.deleteConfigRepo(named: repo.name)
        #expect(try await h.hub.store.app(named: "keep")?.managedBy == nil)
    }
}
