// The cross-check: one set of scenarios, driven only through the real kubectl and asserting only
// what a user relies on (exit codes, the words kubectl prints, the fields jsonpath reads). It runs
// against KubeSim, and against a real cluster when HAWSER_E2E_KUBECONFIG names one: where the two
// disagree, KubeSim is wrong. Everything happens in a fresh namespace that is deleted afterwards.
//
// Images are chosen so a real cluster behaves the same: `pause` runs for ever, busybox `true`
// completes, and a tag `fail` does not exist, so its pods never become ready (KubeSim's convention).

import Foundation
import HawserProtocol
import Testing

@Suite("kubectl cross-check")
struct CrossCheckTests {
    @Test func scenariosAgainstKubeSim() async throws {
        try await withCluster(readyDelay: .milliseconds(300), failureDelay: .milliseconds(600)) { c in
            try await CrossCheck.run(kubeconfig: c.kubeconfig, timing: .simulated)
        }
    }

    @Test(.enabled(
        if: ProcessInfo.processInfo.environment["HAWSER_E2E_KUBECONFIG"].map { !$0.isEmpty } ?? false,
        "skipped: set HAWSER_E2E_KUBECONFIG to a real cluster's kubeconfig to cross-check KubeSim against it"))
    func scenariosAgainstRealCluster() async throws {
        let kubeconfig = try #require(ProcessInfo.processInfo.environment["HAWSER_E2E_KUBECONFIG"])
        try await CrossCheck.run(kubeconfig: kubeconfig, timing: .realCluster)
    }
}

enum CrossCheck {
    struct Timing: Sendable {
        /// How long a rollout, a Job or garbage collection may take.
        var ready: Duration
        /// How long a `:fail` Deployment may take to exceed its progress deadline (10 s in the manifest).
        var failure: Duration

        static let simulated = Timing(ready: .seconds(15), failure: .seconds(15))
        static let realCluster = Timing(ready: .seconds(240), failure: .seconds(180))
    }

    /// Every scenario, in its own namespace, against the cluster `kubeconfig` points at.
    static func run(kubeconfig: String, timing: Timing) async throws {
        let path = try #require(KubectlLocator.locate(), "kubectl not found: set HAWSER_KUBECTL or run `make test`")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crosscheck-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let namespace = "hawser-crosscheck-\(UUID().uuidString.prefix(8).lowercased())"
        let k = Session(
            kubectl: Kubectl(path: path, kubeconfig: kubeconfig, cacheDirectory: dir.appendingPathComponent("cache").path),
            namespace: namespace, directory: dir, timing: timing)

        try await k.ok(["create", "namespace", namespace], namespaced: false)
        do {
            try await applyMultiObjectFile(k)
            try await diffShowsExactlyTheChange(k)
            try await yamlRoundTrip(k)
            try await deleteCascades(k)
            try await rolloutStatusFinishes(k)
            try await waitForJobCompletion(k)
            try await failingDeploymentExceedsDeadline(k)
        } catch {
            _ = try? await k.kubectl.run(["delete", "namespace", namespace, "--wait=false"])
            throw error
        }
        try await k.ok(["delete", "namespace", namespace, "--wait=false"], namespaced: false)
    }

    /// kubectl bound to the scenario namespace.
    struct Session: Sendable {
        let kubectl: Kubectl
        let namespace: String
        let directory: URL
        let timing: Timing

        func run(_ args: [String], stdin: String? = nil, namespaced: Bool = true) async throws -> KubectlResult {
            try await kubectl.run((namespaced ? ["-n", namespace] : []) + args, stdin: stdin)
        }

        @discardableResult
        func ok(_ args: [String], stdin: String? = nil, namespaced: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
            let result = try await run(args, stdin: stdin, namespaced: namespaced)
            try #require(result.succeeded, "kubectl \(args.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
            return result.stdout
        }

        func file(_ name: String, _ content: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            try content.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }

        func jsonpath(_ resource: String, _ expression: String) async throws -> String? {
            let result = try await run(["get", resource, "-o", "jsonpath=\(expression)"])
            return result.succeeded ? result.stdout : nil
        }

        func exists(_ resource: String) async throws -> Bool {
            let result = try await run(["get", resource, "-o", "name"])
            if !result.succeeded, !result.stderr.contains("NotFound"), !result.stderr.contains("not found") {
                Issue.record("kubectl get \(resource) failed unexpectedly: \(result.stderr)")
            }
            return result.succeeded
        }
    }

    // MARK: Scenarios

    static func settings(mode: String) -> String {
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          labels: {app: web}
        data:
          mode: \(mode)
          region: eu
        """
    }

    static let web = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels: {app: web}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: pause
                image: registry.k8s.io/pause:3.10
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          selector: {app: web}
          ports:
          - port: 80
            targetPort: 8080
        """

    /// One file, several kinds: each object reported as server-side applied, all stored.
    static func applyMultiObjectFile(_ k: Session) async throws {
        let path = try k.file("app.yaml", settings(mode: "fast") + "\n---\n" + web)
        let out = try await k.ok(["apply", "--server-side", "-f", path])
        for line in ["configmap/settings serverside-applied", "deployment.apps/web serverside-applied", "service/web serverside-applied"] {
            #expect(out.contains(line), "apply output lacks \(line): \(out)")
        }
        let names = try await k.ok(["get", "configmap,deployment,service", "-l", "app=web", "-o", "name"])
        #expect(names.contains("configmap/settings") && names.contains("deployment.apps/web"))
        #expect(try await k.jsonpath("service/web", "{.spec.ports[0].protocol}") == "TCP", "defaulted like the real server")
        #expect(try await k.jsonpath("service/web", "{.spec.clusterIP}")?.isEmpty == false)
    }

    /// `kubectl diff --server-side`: exit 0 and no output when nothing changes; exit 1 and exactly
    /// the changed line when something does (no generation or managedFields noise).
    static func diffShowsExactlyTheChange(_ k: Session) async throws {
        let same = try k.file("settings-same.yaml", settings(mode: "fast"))
        let unchanged = try await k.run(["diff", "--server-side", "-f", same])
        #expect(unchanged.exitCode == 0, "diff of an unchanged object: \(unchanged.output)")
        #expect(unchanged.stdout.isEmpty)

        let changed = try k.file("settings-changed.yaml", settings(mode: "slow"))
        let different = try await k.run(["diff", "--server-side", "-f", changed])
        #expect(different.exitCode == 1, "diff exits 1 when there are differences: \(different.output)")
        let lines = different.stdout.split(separator: "\n").map(String.init)
            .filter { ($0.hasPrefix("+") || $0.hasPrefix("-")) && !$0.hasPrefix("+++") && !$0.hasPrefix("---") }
        #expect(lines == ["-  mode: fast", "+  mode: slow"], "diff output: \(different.stdout)")
        #expect(try await k.jsonpath("configmap/settings", "{.data.mode}") == "fast", "diff changes nothing")
    }

    /// `get -o yaml` gives back a document that can be edited and replaced; replacing with the
    /// stale copy afterwards is refused (optimistic concurrency on resourceVersion).
    static func yamlRoundTrip(_ k: Session) async throws {
        let exported = try await k.ok(["get", "configmap", "settings", "-o", "yaml"])
        #expect(exported.contains("resourceVersion:") && exported.contains("mode: fast"))
        let edited = try k.file("settings-edited.yaml", exported.replacingOccurrences(of: "mode: fast", with: "mode: edited"))
        try await k.ok(["replace", "-f", edited])
        #expect(try await k.jsonpath("configmap/settings", "{.data.mode}") == "edited")
        #expect(try await k.jsonpath("configmap/settings", "{.data.region}") == "eu")

        let stale = try await k.run(["replace", "-f", edited])
        #expect(!stale.succeeded)
        #expect(stale.stderr.contains("the object has been modified"), "stale replace: \(stale.stderr)")
    }

    /// Deleting an owner deletes what its ownerReferences chain holds (background, the default);
    /// `--cascade=orphan` keeps the dependent and drops its reference.
    static func deleteCascades(_ k: Session) async throws {
        @discardableResult
        func configMap(_ name: String, ownedBy owner: String?) async throws -> String {
            var refs = ""
            if let owner {
                let uid = try #require(try await k.jsonpath("configmap/\(owner)", "{.metadata.uid}"))
                refs = "\n  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: \(owner), uid: \(uid)}]"
            }
            return try await k.ok(["apply", "--server-side", "-f", "-"],
                                  stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(name)\(refs)\ndata: {k: v}\n")
        }
        try await configMap("parent", ownedBy: nil)
        try await configMap("child", ownedBy: "parent")
        try await configMap("grandchild", ownedBy: "child")
        try await k.ok(["delete", "configmap", "parent"])
        #expect(try await eventually(timeout: k.timing.ready) { try await !k.exists("configmap/child") }, "child deleted with its owner")
        #expect(try await eventually(timeout: k.timing.ready) { try await !k.exists("configmap/grandchild") }, "and its own dependent")

        try await configMap("keeper", ownedBy: nil)
        try await configMap("kept", ownedBy: "keeper")
        try await k.ok(["delete", "configmap", "keeper", "--cascade=orphan"])
        #expect(try await !k.exists("configmap/keeper"))
        #expect(try await eventually(timeout: k.timing.ready) {
            try await k.jsonpath("configmap/kept", "{.metadata.ownerReferences}") == ""
        }, "an orphan loses its ownerReference")
        #expect(try await k.exists("configmap/kept"), "an orphan survives its owner")
    }

    /// `kubectl rollout status` returns once the Deployment is rolled out, with the words users expect.
    static func rolloutStatusFinishes(_ k: Session) async throws {
        let out = try await k.ok(["rollout", "status", "deployment/web", "--timeout=\(seconds(k.timing.ready))s"])
        #expect(out.contains("deployment \"web\" successfully rolled out"), "rollout status: \(out)")
        #expect(try await k.jsonpath("deployment/web", "{.status.availableReplicas}") == "2")
        #expect(try await k.jsonpath("deployment/web", #"{.status.conditions[?(@.type=="Available")].status}"#) == "True")
    }

    /// `kubectl wait --for=condition=complete` on a Job that succeeds.
    static func waitForJobCompletion(_ k: Session) async throws {
        try await k.ok(["apply", "--server-side", "-f", "-"], stdin: """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: once}
            spec:
              backoffLimit: 0
              template:
                spec:
                  restartPolicy: Never
                  containers:
                  - name: main
                    image: busybox:1.36
                    command: ["true"]
            """)
        let out = try await k.ok(["wait", "--for=condition=complete", "job/once", "--timeout=\(seconds(k.timing.ready))s"])
        #expect(out.contains("job.batch/once condition met"), "wait: \(out)")
        #expect(try await k.jsonpath("job/once", "{.status.succeeded}") == "1")
        #expect(try await k.jsonpath("job/once", "{.status.completionTime}")?.isEmpty == false)
    }

    /// A Deployment whose image never runs is never available and ends ProgressDeadlineExceeded,
    /// which `rollout status` reports as an error.
    static func failingDeploymentExceedsDeadline(_ k: Session) async throws {
        try await k.ok(["apply", "--server-side", "-f", "-"], stdin: """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: broken}
            spec:
              progressDeadlineSeconds: 10
              selector: {matchLabels: {app: broken}}
              template:
                metadata: {labels: {app: broken}}
                spec:
                  containers:
                  - name: pause
                    image: registry.k8s.io/pause:fail
            """)
        let progressing = #"{.status.conditions[?(@.type=="Progressing")].reason}"#
        let exceeded = try await eventually(timeout: k.timing.failure) {
            try await k.jsonpath("deployment/broken", progressing) == "ProgressDeadlineExceeded"
        }
        let reason = try await k.jsonpath("deployment/broken", progressing) ?? "none"
        #expect(exceeded, "Progressing reason: \(reason)")
        #expect(try await k.jsonpath("deployment/broken", #"{.status.conditions[?(@.type=="Progressing")].status}"#) == "False")
        #expect(try await k.jsonpath("deployment/broken", #"{.status.conditions[?(@.type=="Available")].status}"#) == "False")
        #expect(try await k.jsonpath("deployment/broken", "{.status.availableReplicas}") == "", "absent, not 0")
        let status = try await k.run(["rollout", "status", "deployment/broken", "--timeout=5s"])
        #expect(!status.succeeded)
        #expect(status.stderr.contains("exceeded its progress deadline"), "rollout status: \(status.output)")
    }

    private static func seconds(_ d: Duration) -> Int64 { d.components.seconds }
}
