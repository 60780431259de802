import Foundation
import HawserProtocol
import SeededRandom
import Testing
@testable import HubConfig

/// Declarative files: Argo CD's Application and AppProject accepted as Argo CD writes them,
/// what Hawser cannot do reported (never dropped unseen), and `hawser.io/v1` documents that
/// read back into exactly what was written.
@Suite struct ConfigFilesTests {
    func read(_ files: [String: String], serverClusters: [String: String] = [:]) -> ConfigRead {
        ConfigFiles.read(files: files.map { (path: $0.key, data: Data($0.value.utf8)) }, serverClusters: serverClusters)
    }

    static let argoApplication = """
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata:
          name: guestbook
          namespace: argocd
          labels:
            team: web
          finalizers:
            - resources-finalizer.argocd.argoproj.io
        spec:
          project: default
          source:
            repoURL: https://github.com/argoproj/argocd-example-apps.git
            targetRevision: HEAD
            path: helm-guestbook
            helm:
              releaseName: gb
              valueFiles:
                - values-production.yaml
              valuesObject:
                replicaCount: 2
              parameters:
                - name: image.tag
                  value: "0.2"
          destination:
            server: https://kubernetes.default.svc
            namespace: guestbook
          syncPolicy:
            automated:
              prune: true
              selfHeal: true
            syncOptions:
              - CreateNamespace=true
              - ApplyOutOfSyncOnly=true
            retry:
              limit: 3
              backoff:
                duration: 10s
                factor: 2
                maxDuration: 5m
          ignoreDifferences:
            - group: apps
              kind: Deployment
              jsonPointers:
                - /spec/replicas
          revisionHistoryLimit: 5
        status:
          sync:
            status: Synced
        """

    @Test func anArgoCDApplicationIsReadAsArgoCDMeansIt() throws {
        let result = read(["apps/guestbook.yaml": Self.argoApplication], serverClusters: ["https://kubernetes.default.svc": "local"])
        #expect(result.errors.isEmpty, "\(result.errors)")
        let doc = try #require(result.objects.first?.application)
        let s = doc.spec
        #expect(s.name == "guestbook" && s.project == "default" && s.cluster == "local" && s.namespace == "guestbook")
        #expect(s.repoURL == "https://github.com/argoproj/argocd-example-apps.git" && s.path == "helm-guestbook" && s.targetRevision == "HEAD")
        #expect(s.labels == ["team": "web"])
        #expect(s.helm?.releaseName == "gb" && s.helm?.valueFiles == ["values-production.yaml"] && s.helm?.values == "replicaCount: 2\n")
        #expect(s.helm?.parameters == [HelmParameter(name: "image.tag", value: "0.2")])
        #expect(s.syncPolicy.automated && s.syncPolicy.prune && s.syncPolicy.selfHeal)
        #expect(s.syncPolicy.syncOptions == ["CreateNamespace=true"])
        #expect(s.syncPolicy.retry == RetryPolicy(limit: 3, backoffSeconds: 10, factor: 2, maxBackoffSeconds: 300))
        #expect(s.ignoreDifferences == [IgnoreDifference(group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"])])
        #expect(s.revisionHistoryLimit == 5)
        #expect(doc.deletesResources, "the resources finalizer means removing the app deletes its objects")
        #expect(doc.clusterField == "spec.destination.server")
        // The sync option Hawser lacks is reported where it is written; status is not the author's.
        #expect(result.warnings.map(\.description) == [
            "apps/guestbook.yaml:34: spec.syncPolicy.syncOptions[1]: sync option \"ApplyOutOfSyncOnly=true\" is not supported by Hawser (it knows CreateNamespace=false, CreateNamespace=true, Prune=false, PruneLast=false, PruneLast=true, ServerSideApply=force, ServerSideApply=true); ignored",
        ])
    }

    @Test func aPlainDirectoryOfAnArgoCDApplicationIsNotRecursedUnlessItSaysSo() throws {
        let app = """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: plain}
            spec:
              source: {repoURL: https://git.example.com/a.git, path: manifests}
              destination: {name: prod, namespace: web}
            """
        #expect(try #require(read(["a.yaml": app]).objects.first?.application).spec.directory == DirectoryOptions(recurse: false))
        let hawser = app.replacingOccurrences(of: "argoproj.io/v1alpha1", with: "hawser.io/v1")
        #expect(try #require(read(["a.yaml": hawser]).objects.first?.application).spec.directory == nil, "Hawser's own default recurses")
    }

    @Test func unsupportedSourceTypesAreErrorsNamingFileLineAndField() {
        let result = read([
            "apps/plugin.yaml": """
                apiVersion: argoproj.io/v1alpha1
                kind: Application
                metadata:
                  name: plugged
                spec:
                  source:
                    repoURL: https://git.example.com/a.git
                    path: app
                    plugin:
                      name: cdk8s
                  destination: {name: prod, namespace: web}
                """,
            "apps/jsonnet.yaml": """
                apiVersion: argoproj.io/v1alpha1
                kind: Application
                metadata: {name: jsonnet}
                spec:
                  source:
                    repoURL: https://git.example.com/a.git
                    path: app
                    directory:
                      jsonnet:
                        tlas: [{name: x, value: y}]
                  destination: {name: prod, namespace: web}
                """,
            "apps/multi.yaml": """
                apiVersion: argoproj.io/v1alpha1
                kind: Application
                metadata: {name: multi}
                spec:
                  sources:
                    - {repoURL: https://git.example.com/a.git, path: a}
                    - {repoURL: https://git.example.com/b.git, path: b}
                  destination: {name: prod, namespace: web}
                """,
        ])
        #expect(result.objects.isEmpty, "a document with an error of its own is left out")
        let errors = result.errors.map(\.description)
        #expect(errors.contains { $0.hasPrefix("apps/plugin.yaml:9: spec.source.plugin: config management plugins are not supported") }, "\(errors)")
        #expect(errors.contains { $0.hasPrefix("apps/jsonnet.yaml:9: spec.source.directory.jsonnet: jsonnet is not supported") }, "\(errors)")
        #expect(errors.contains { $0.hasPrefix("apps/multi.yaml:5: spec.sources: an application with 2 sources is not supported") }, "\(errors)")
    }

    @Test func aNameDefinedTwiceNamesBothFiles() {
        let app = { (name: String) in "apiVersion: hawser.io/v1\nkind: Application\nmetadata:\n  name: \(name)\nspec:\n  source: {repoURL: r, path: p}\n  destination: {name: c, namespace: n}\n" }
        let result = read(["a/one.yaml": app("web"), "b/two.yaml": app("web"), "c.yaml": app("other")])
        #expect(result.objects.map(\.file) == ["a/one.yaml", "c.yaml"])
        #expect(result.errors.map(\.description) == ["b/two.yaml:4: metadata.name: application \"web\" is also defined at a/one.yaml:1; each name may be defined once"])
    }

    /// `hawser apply -f` reads what it is given, in a dot-directory or from standard input,
    /// and names it as given.
    @Test func chosenFilesAreReadWhateverTheirNameAndNamedAsGiven() {
        let app = { (name: String) in "apiVersion: hawser.io/v1\nkind: Application\nmetadata:\n  name: \(name)\nspec:\n  source: {repoURL: r, path: p}\n  destination: {name: c, namespace: n}\n" }
        let result = ConfigFiles.read(chosen: [("/home/me/.config/apps.yaml", app("a")), ("<stdin>", app("b")), ("again.json", app("a"))])
        #expect(result.objects.map { "\($0.file) \($0.name)" } == ["/home/me/.config/apps.yaml a", "<stdin> b"])
        #expect(result.errors.map(\.description) == ["again.json:4: metadata.name: application \"a\" is also defined at /home/me/.config/apps.yaml:1; each name may be defined once"])
    }

    @Test func unknownFieldsAreReportedNotDropped() throws {
        let result = read(["p.yaml": """
            apiVersion: argoproj.io/v1alpha1
            kind: AppProject
            metadata:
              name: team-a
            spec:
              sourceRepos: ["https://git.example.com/team-a/*"]
              destinations:
                - {server: https://kubernetes.default.svc, namespace: "team-a-*"}
              signatureKeys:
                - keyID: 4AEE18F83AFDEB23
              roles:
                - name: deployer
                  policies: ["p, proj:team-a:deployer, applications, sync, team-a/*, allow"]
                  jwtTokens: [{iat: 1}]
              sprinkles: true
            """], serverClusters: ["https://kubernetes.default.svc": "prod"])
        #expect(result.errors.isEmpty, "\(result.errors)")
        let spec = try #require(result.objects.first?.project)
        #expect(spec.destinations == [ProjectDestination(server: "prod", namespace: "team-a-*")], "the mapped server names the cluster")
        #expect(spec.roles.map(\.name) == ["deployer"])
        #expect(result.warnings.map { "\($0.line ?? 0) \($0.field ?? "")" } == ["14 spec.roles[0].jwtTokens", "9 spec.signatureKeys", "15 spec.sprinkles"])
    }

    @Test func argoCDsRBACConfigMapIsRead() throws {
        let result = read(["rbac.yaml": """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: argocd-rbac-cm, namespace: argocd}
            data:
              policy.default: role:readonly
              policy.csv: |
                g, platform, role:admin
              policy.team-a.csv: |
                p, role:team-a, applications, *, team-a/*, allow
              scopes: "[groups, email]"
            """])
        #expect(result.errors.isEmpty, "\(result.errors)")
        let policy = try #require(result.objects.first?.policy)
        #expect(policy.csv == "g, platform, role:admin\np, role:team-a, applications, *, team-a/*, allow\n")
        #expect(policy.place(ofLine: 2) == ("data.policy.team-a.csv", 1), "a line is placed in the key it came from")
        // The default role is the hub's: from Git it would hand a role to everyone.
        #expect(result.warnings.map(\.field) == ["data.policy.default", "data.scopes"])
        let other = read(["cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n"])
        #expect(other.errors.first?.description.contains("the only ConfigMap read here is Argo CD's RBAC policy") == true)
    }

    @Test func aBrokenFileIsAnErrorWithItsLine() {
        let result = read(["apps/bad.yaml": "apiVersion: hawser.io/v1\nkind: Application\nmetadata:\n  name: x\n spec: [\n"])
        #expect(result.errors.count == 1 && result.errors[0].file == "apps/bad.yaml" && result.errors[0].line != nil)
    }

    /// Property: any application or project written by `ConfigExport` reads back as the same
    /// spec, with no warning (2,000 generated specs, seeded).
    @Test func exportedDocumentsReadBackUnchanged() throws {
        var rng = SplitMix64(seed: 0x8A11)
        func word(_ n: Int = 6) -> String { String((0..<Int.random(in: 1...n, using: &rng)).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789-"[Int.random(in: 0..<36, using: &rng)].self }) }
        func text() -> String {
            // Strings YAML would otherwise read as something else, and multi-line ones.
            ["true", "0123", "null", "1.5", "~", "a: b", "#x", "", " lead", "two\nlines\n", "key: 'v'\nlist: [1, 2]\n", "ü", word(12)][Int.random(in: 0..<13, using: &rng)]
        }
        func maybe<T>(_ v: @autoclosure () -> T) -> T? { Bool.random(using: &rng) ? v() : nil }
        for i in 0..<1000 {
            var spec = AppSpec(name: "app-\(i)", project: ["default", "team-" + word()][Int.random(in: 0...1, using: &rng)], repoURL: "https://git.example.com/\(word()).git",
                               path: [".", "apps/" + word(), "a b"][Int.random(in: 0...2, using: &rng)], targetRevision: ["HEAD", "main", "v1.2.3", "0123"][Int.random(in: 0...3, using: &rng)],
                               cluster: "c-" + word(), namespace: "ns-" + word())
            spec.syncPolicy = SyncPolicy(automated: Bool.random(using: &rng), selfHeal: Bool.random(using: &rng), prune: Bool.random(using: &rng),
                                         syncOptions: Array(SyncOption.known.sorted().prefix(Int.random(in: 0...2, using: &rng))),
                                         retry: maybe(RetryPolicy(limit: Int.random(in: 0...9, using: &rng), backoffSeconds: [1, 2.5, 5, 90, 5400][Int.random(in: 0...4, using: &rng)],
                                                                  factor: [1, 1.5, 2][Int.random(in: 0...2, using: &rng)], maxBackoffSeconds: [60, 180, 3601][Int.random(in: 0...2, using: &rng)])))
            spec.labels = Bool.random(using: &rng) ? [:] : ["team": word(), "tier": text()]
            spec.revisionHistoryLimit = [10, 0, 3][Int.random(in: 0...2, using: &rng)]
            if Bool.random(using: &rng) { spec.ignoreDifferences = [IgnoreDifference(group: ["", "apps"][Int.random(in: 0...1, using: &rng)], kind: "Deployment", name: maybe(word()), namespace: maybe(word()), jsonPointers: ["/spec/replicas"])] }
            spec.directory = maybe(DirectoryOptions(recurse: maybe(Bool.random(using: &rng)), include: maybe("*.yaml"), exclude: maybe("{a,b}/*")))
            spec.helm = maybe(HelmOptions(releaseName: maybe(word()), valueFiles: maybe([word() + ".yaml"]), values: maybe(text()),
                                          parameters: maybe([HelmParameter(name: "image.tag", value: text(), forceString: maybe(true))])))
            if i % 3 == 0 {
                spec.cluster = ""
                spec.clusterSelector = "env=prod,region in (eu,us)"
                spec.rollout = maybe(RolloutStrategy(maxUnavailable: ["1", "25%"][Int.random(in: 0...1, using: &rng)]))
            }
            let yaml = ConfigExport.application(spec)
            let back = read(["a.yaml": yaml])
            #expect(back.errors.isEmpty && back.warnings.isEmpty, "\(back.errors + back.warnings)\n\(yaml)")
            #expect(back.objects.first?.application?.spec == spec, "\(yaml)")
            if back.objects.first?.application?.spec != spec { return }
        }
        for i in 0..<1000 {
            var spec = ProjectSpec(description: maybe(text()), sourceRepos: ["https://git.example.com/\(word())/*"],
                                   destinations: [Bool.random(using: &rng) ? ProjectDestination(name: "c-*", namespace: "team-\(word())-*") : ProjectDestination(name: maybe("c-*"), server: "prod", namespace: "*")])
            if Bool.random(using: &rng) { spec.clusterResourceWhitelist = [GroupKind(group: "", kind: "Namespace")] }
            if Bool.random(using: &rng) { spec.namespaceResourceBlacklist = [GroupKind(group: "", kind: "ResourceQuota")] }
            if Bool.random(using: &rng) { spec.roles = [ProjectRole(name: "ci", description: maybe(text()), policies: ["p, proj:p-\(i):ci, applications, sync, p-\(i)/*, allow"], groups: maybe(["ci-bots"]) ?? [])] }
            if Bool.random(using: &rng) { spec.syncWindows = [SyncWindow(kind: .deny, schedule: "0 22 * * *", duration: "1h", applications: ["*"], manualSync: Bool.random(using: &rng), timeZone: maybe("Europe/Berlin"))] }
            let yaml = ConfigExport.project("p-\(i)", spec)
            let back = read(["p.yaml": yaml])
            #expect(back.errors.isEmpty && back.warnings.isEmpty, "\(back.errors + back.warnings)\n\(yaml)")
            #expect(back.objects.first?.project == spec, "\(yaml)")
            if back.objects.first?.project != spec { return }
        }
    }
}

extension String {
    fileprivate subscript(_ i: Int) -> Character { self[index(startIndex, offsetBy: i)] }
}
