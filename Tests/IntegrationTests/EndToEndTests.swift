import Foundation
import HawserProtocol
import KubeSim
import Logging
import Testing

/// The whole slice as a user drives it: the `hawser` CLI against an in-process hub, an agent
/// joined with the printed command, a real Git repository, and `kubectl` as an independent
/// second client of the cluster. Runs against KubeSim, and against a real cluster too when
/// HAWSER_E2E_KUBECONFIG is set.
@Suite(.serialized) struct EndToEndTests {
    static let realKubeconfig = ProcessInfo.processInfo.environment["HAWSER_E2E_KUBECONFIG"]

    @Test func endToEndOnKubeSim() async throws {
        var logger = Logger(label: "test.kubesim")
        logger.logLevel = .warning
        var config = KubeSimConfiguration()
        config.deploymentReadyDelay = .milliseconds(500)
        let sim = try await KubeSim.start(config, logger: logger)
        let kubeconfig = tempDirectory("kubesim") + "/kubeconfig"
        try sim.writeKubeconfig(to: kubeconfig)
        do {
            try await scenario(kubeconfig: kubeconfig, timeout: .seconds(20))
        } catch {
            await sim.shutdown()
            throw error
        }
        await sim.shutdown()
    }

    @Test(.enabled(if: realKubeconfig != nil, "skipped: set HAWSER_E2E_KUBECONFIG to also run the end-to-end scenario against a real cluster"))
    func endToEndOnRealCluster() async throws {
        try await scenario(kubeconfig: Self.realKubeconfig!, timeout: .seconds(180))
    }

    func scenario(kubeconfig: String, timeout: Duration) async throws {
        let kubectl = try Proc.kubectl()
        func k(_ args: String...) async throws -> Proc.Output {
            try await Proc.run(kubectl, ["--kubeconfig", kubeconfig] + args)
        }
        let ns = "hawser-e2e-\(UUID().uuidString.prefix(6).lowercased())"
        #expect(try await Proc.createNamespace(ns, kubeconfig: kubeconfig).ok)

        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }

        // Register with the CLI and join with the exact command it printed.
        let add = try await h.cli("cluster", "add", "e2e", "--label", "env=test", "-o", "json")
        #expect(add.ok, "cluster add failed: \(add.stderr)")
        let added = try WireJSON.decoder().decode(ClusterCreateResponse.self, from: Data(add.stdout.utf8))
        #expect(added.joinCommand.contains("--ca-sha256 \(added.caFingerprint)"))
        let stateDir = tempDirectory("agent-state")
        var joinArgs = added.joinCommand.split(separator: " ").dropFirst().map(String.init)
        joinArgs[joinArgs.count - 1] = stateDir
        let join = try await Proc.run(try Proc.binary("hawser-agent"), joinArgs)
        #expect(join.ok, "join failed: \(join.stderr)")
        let agent = try AgentHarness.start(state: .init(path: stateDir), kubeconfig: kubeconfig)
        defer { Task { await agent.stop() } }
        try await eventually("cluster e2e connected", timeout: timeout) {
            let out = try await h.cli("cluster", "list")
            return out.stdout.contains("Connected") && out.stdout.contains("e2e")
        }
        // The list shows what the agent reported about its cluster.
        let listed = try WireJSON.decoder().decode([ClusterView].self, from: Data(try await h.cli("cluster", "list", "-o", "json").stdout.utf8))
        #expect(listed.first?.kubernetesVersion?.hasPrefix("v1.") == true)
        #expect(listed.first?.agentVersion == "0.1.0")
        #expect(listed.first?.lastHeartbeat != nil)

        // A repository with Argo CD's guestbook, a ConfigMap app, and a broken app.
        let guestbookDir = Proc.fixtures + "/argocd-example-apps/guestbook"
        var files: [String: String] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: guestbookDir) {
            files["guestbook/" + f] = try String(contentsOfFile: guestbookDir + "/" + f, encoding: .utf8)
        }
        files["config/settings.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: blue\n"
        files["broken/good.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken-good\ndata:\n  a: b\n"
        files["broken/bad.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken: bad\ndata: {}\n"
        let repo = try await TestRepo.create(files: files)

        // Automated app with self-heal: deployed, Synced and Healthy.
        let create = try await h.cli("app", "create", "guestbook", "--repo", repo.path, "--path", "guestbook", "--cluster", "e2e",
                                     "--namespace", ns, "--auto-sync", "--self-heal")
        #expect(create.ok, "app create failed: \(create.stderr)")
        let first = try await repo.git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        try await eventually("guestbook Synced and Healthy", timeout: timeout) {
            let v = try await h.appView("guestbook")
            return v.sync == .synced && v.health == .healthy && v.syncedRevision == first
        }
        let view = try await h.appView("guestbook")
        #expect(Set(view.resources.map(\.key.kind)) == ["Deployment", "Service"])
        let live = try JSONValue.parse(Data(try await k("get", "deployment", "guestbook-ui", "-n", ns, "-o", "json").stdout.utf8))
        #expect(live[path: ["metadata", "labels", "app.hawser.io/instance"]] == "guestbook")
        #expect(live[path: ["spec", "replicas"]] == .int(1))
        #expect(try await h.cli("app", "list").stdout.contains("Healthy"))

        // Drift: someone scales by hand; self-heal undoes it.
        #expect(try await k("scale", "deployment", "guestbook-ui", "-n", ns, "--replicas=3").ok)
        try await eventually("self-heal restores replicas", timeout: timeout) {
            let d = try JSONValue.parse(Data(try await k("get", "deployment", "guestbook-ui", "-n", ns, "-o", "json").stdout.utf8))
            return d[path: ["spec", "replicas"]] == .int(1)
        }

        // Manual app: reported OutOfSync, applied only by `app sync`, drift reported not undone.
        #expect(try await h.cli("app", "create", "settings", "--repo", repo.path, "--path", "config", "--cluster", "e2e", "--namespace", ns).ok)
        try await eventually("settings OutOfSync before sync", timeout: timeout) { try await h.appView("settings").sync == .outOfSync }
        #expect(try await k("get", "configmap", "settings", "-n", ns).ok == false, "a manual app must not be applied before sync")
        let sync = try await h.cli("app", "sync", "settings")
        #expect(sync.ok, "sync failed: \(sync.stderr)")
        try await eventually("settings Synced after sync", timeout: timeout) { try await h.appView("settings").sync == .synced }
        #expect(try await k("patch", "configmap", "settings", "-n", ns, "--type=merge", "-p", #"{"data":{"mode":"green"}}"#).ok)
        try await eventually("drift on settings reported", timeout: timeout) {
            let v = try await h.appView("settings")
            return v.sync == .outOfSync && v.resources.contains { ($0.message ?? "").contains("data.mode") }
        }
        #expect(try await k("get", "configmap", "settings", "-n", ns, "-o", "jsonpath={.data.mode}").stdout == "green")

        // Invalid YAML: the app gets a ComparisonError naming file and line; nothing is applied.
        #expect(try await h.cli("app", "create", "broken", "--repo", repo.path, "--path", "broken", "--cluster", "e2e", "--namespace", ns, "--auto-sync").ok)
        let broken = try await h.appView("broken")
        let condition = try #require(broken.conditions.first { $0.type == "ComparisonError" })
        #expect(condition.message.contains("broken/bad.yaml:4"), "condition was: \(condition.message)")

        // A new commit reaches the cluster after a refresh, while the broken app stays broken.
        let manifest = files["guestbook/guestbook-ui-deployment.yaml"]!.replacingOccurrences(of: "replicas: 1", with: "replicas: 2")
        let second = try await repo.commit(["guestbook/guestbook-ui-deployment.yaml": manifest], message: "two replicas")
        #expect(try await h.cli("app", "refresh", "guestbook").ok)
        try await eventually("new revision applied", timeout: timeout) {
            let v = try await h.appView("guestbook")
            return v.syncedRevision == second && v.sync == .synced && v.health == .healthy
        }
        let scaled = try JSONValue.parse(Data(try await k("get", "deployment", "guestbook-ui", "-n", ns, "-o", "json").stdout.utf8))
        #expect(scaled[path: ["spec", "replicas"]] == .int(2))
        #expect(try await h.appView("broken").conditions.contains { $0.type == "ComparisonError" })
        // By now the agent has had every chance to apply the broken app: nothing of it exists.
        #expect(try await k("get", "configmap", "broken-good", "-n", ns).ok == false)

        // Deleting the app deletes what it deployed.
        #expect(try await h.cli("app", "delete", "guestbook").ok)
        try await eventually("guestbook resources deleted", timeout: timeout) {
            try await k("get", "deployment", "guestbook-ui", "-n", ns).ok == false
        }
        _ = try await k("delete", "namespace", ns, "--wait=false")
    }
}
