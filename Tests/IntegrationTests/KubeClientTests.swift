import AgentKube
import Foundation
import HawserProtocol
import KubeSim
import Logging
import Testing

/// The agent's Kubernetes client against a live API server: KubeSim always, and a real cluster
/// too when HAWSER_E2E_KUBECONFIG is set.
@Suite struct KubeClientTests {
    func withKubeSim(_ body: (String) async throws -> Void) async throws {
        var logger = Logger(label: "test.kubesim")
        logger.logLevel = .warning
        let sim = try await KubeSim.start(logger: logger)
        let kubeconfig = tempDirectory("kubesim") + "/kubeconfig"
        try sim.writeKubeconfig(to: kubeconfig)
        do { try await body(kubeconfig) } catch {
            await sim.shutdown()
            throw error
        }
        await sim.shutdown()
    }

    @Test func clientOnKubeSim() async throws {
        try await withKubeSim { try await exercise(kubeconfig: $0) }
    }

    @Test(.enabled(if: EndToEndTests.realKubeconfig != nil, "skipped: set HAWSER_E2E_KUBECONFIG to also run the Kubernetes client against a real cluster"))
    func clientOnRealCluster() async throws {
        try await exercise(kubeconfig: EndToEndTests.realKubeconfig!)
    }

    func exercise(kubeconfig: String) async throws {
        let kube = try KubeClient(config: try KubeConfig.load(path: kubeconfig))
        defer { Task { try? await kube.shutdown() } }
        #expect(try await kube.serverVersion().hasPrefix("v1."))

        let ns = "hawser-kc-\(UUID().uuidString.prefix(6).lowercased())"
        // A cluster-scoped object: a namespace in the manifest must not end up in its path.
        let namespace: JSONValue = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns), "namespace": "ignored"]]
        let info = try await kube.resourceInfo(apiVersion: "v1", kind: "Namespace")
        #expect(info.namespaced == false && info.name == "namespaces")
        _ = try await kube.apply(namespace)

        func configMap(_ name: String, _ value: String, label: String) -> JSONValue {
            ["apiVersion": "v1", "kind": "ConfigMap",
             "metadata": ["name": .string(name), "namespace": .string(ns), "labels": ["app.hawser.io/instance": .string(label)]],
             "data": ["value": .string(value)]]
        }
        // Dry run: returned, not stored.
        let dry = try await kube.apply(configMap("one", "a", label: "x"), dryRun: true)
        #expect(dry[path: ["data", "value"]] == "a")
        let key = ResourceKey(group: "", version: "v1", kind: "ConfigMap", namespace: ns, name: "one")
        #expect(try await kube.get(key) == nil)

        let applied = try await kube.apply(configMap("one", "a", label: "x"))
        #expect(applied[path: ["metadata", "managedFields"]]?.arrayValue?.contains { $0["manager"] == "hawser" } == true)
        _ = try await kube.apply(configMap("two", "b", label: "y"))
        let live = try #require(try await kube.get(key))
        #expect(live[path: ["data", "value"]] == "a")

        let selected = try await kube.list(apiVersion: "v1", kind: "ConfigMap", namespace: ns, labelSelector: "app.hawser.io/instance=x")
        #expect(selected.map { $0[path: ["metadata", "name"]] } == ["one"])
        #expect(selected.first?["kind"] == "ConfigMap", "list items get their kind back")

        // Unknown kinds are a clear error naming the kind.
        do {
            _ = try await kube.resourceInfo(apiVersion: "example.com/v1", kind: "Nope")
            Issue.record("an unknown kind must be an error")
        } catch {
            #expect("\(error)".contains("Nope"))
        }

        #expect(try await kube.delete(key) == true)
        #expect(try await kube.delete(key) == false, "deleting twice is not an error")
        #expect(try await kube.get(key) == nil)
        _ = try await kube.delete(ResourceKey(group: "", version: "v1", kind: "Namespace", namespace: "", name: ns))
    }
}
