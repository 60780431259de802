// Field ownership through server-side apply, as two controllers (or a human and a GitOps agent)
// experience it: conflicts, forcing, and removal of fields dropped from a configuration.

import Foundation
import HawserProtocol
import KubeSim
import Testing

@Suite("Server-side apply")
struct ServerSideApplyTests {
    private func configMap(_ data: [String: String]) -> String {
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n"
            + data.sorted { $0.key < $1.key }.map { "  \($0.key): \"\($0.value)\"\n" }.joined()
    }

    private func data(_ c: TestCluster) async -> JSONValue? {
        await c.sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "demo")?["data"]
    }

    @Test func conflictingManagerIsRejectedUnlessForced() async throws {
        try await withCluster { c in
            try await c.kubectlOK("apply", "--server-side", "--field-manager=alpha", "-f", "-", stdin: configMap(["a": "1", "b": "2"]))
            let rejected = try await c.kubectl("apply", "--server-side", "--field-manager=beta", "-f", "-", stdin: configMap(["a": "changed"]))
            #expect(!rejected.succeeded)
            #expect(rejected.stderr.contains("conflict with \"alpha\""))
            #expect(rejected.stderr.contains(".data.a"))
            #expect(await data(c) == ["a": "1", "b": "2"])

            try await c.kubectlOK("apply", "--server-side", "--field-manager=beta", "--force-conflicts", "-f", "-", stdin: configMap(["a": "changed"]))
            #expect(await data(c) == ["a": "changed", "b": "2"])
            let obj = try await c.getJSON("configmap", "demo", "--show-managed-fields")
            let entries = obj[path: ["metadata", "managedFields"]]?.arrayValue ?? []
            let alpha = entries.first { $0["manager"] == "alpha" }?["fieldsV1"]
            let beta = entries.first { $0["manager"] == "beta" }?["fieldsV1"]
            #expect(alpha == ["f:data": ["f:b": [:]]], "forcing moves ownership of .data.a to beta")
            #expect(beta == ["f:data": ["f:a": [:]]])
        }
    }

    @Test func sameValueIsSharedWithoutConflict() async throws {
        try await withCluster { c in
            try await c.kubectlOK("apply", "--server-side", "--field-manager=alpha", "-f", "-", stdin: configMap(["a": "1"]))
            try await c.kubectlOK("apply", "--server-side", "--field-manager=beta", "-f", "-", stdin: configMap(["a": "1"]))
            // alpha stops managing a; beta still does, so the field stays.
            try await c.kubectlOK("apply", "--server-side", "--field-manager=alpha", "-f", "-", stdin: configMap(["z": "9"]))
            #expect(await data(c) == ["a": "1", "z": "9"])
        }
    }

    @Test func fieldDroppedFromConfigurationIsRemoved() async throws {
        try await withCluster { c in
            try await c.kubectlOK("apply", "--server-side", "--field-manager=alpha", "-f", "-", stdin: configMap(["a": "1", "b": "2"]))
            try await c.kubectlOK("apply", "--server-side", "--field-manager=alpha", "-f", "-", stdin: configMap(["a": "1"]))
            #expect(await data(c) == ["a": "1"])
        }
    }

    @Test func keyedListsMergeByNameAcrossManagers() async throws {
        try await withCluster { c in
            try await c.kubectlOK("apply", "--server-side", "-f", guestbook)
            let sidecar = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: guestbook-ui}
                spec:
                  template:
                    spec:
                      containers:
                      - name: proxy
                        image: envoy:v1
                """
            try await c.kubectlOK("apply", "--server-side", "--field-manager=injector", "-f", "-", stdin: sidecar)
            var deploy = try #require(await c.sim.object(apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "guestbook-ui"))
            var names = deploy[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(names == ["guestbook-ui", "proxy"])

            try await c.kubectlOK("apply", "--server-side", "--field-manager=injector", "-f", "-",
                                  stdin: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: guestbook-ui}\n")
            deploy = try #require(await c.sim.object(apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "guestbook-ui"))
            names = deploy[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(names == ["guestbook-ui"], "the injector's container goes when it stops applying it")
        }
    }
}
