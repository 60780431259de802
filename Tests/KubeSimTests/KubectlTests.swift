// What a user of kubectl relies on, checked with the real kubectl against KubeSim.

import Foundation
import HawserProtocol
import KubeSim
import Testing

let guestbook = fixtures.appendingPathComponent("argocd-example-apps/guestbook").path

@Suite("kubectl against KubeSim")
struct KubectlTests {
    @Test func serverSideApplyOfGuestbookIsStoredWithManagedFields() async throws {
        try await withCluster { c in
            let out = try await c.kubectlOK("apply", "--server-side", "-f", guestbook)
            #expect(out.contains("deployment.apps/guestbook-ui serverside-applied"))
            #expect(out.contains("service/guestbook-ui serverside-applied"))

            let deploy = try await c.getJSON("deployment", "guestbook-ui", "--show-managed-fields")
            let managers = deploy[path: ["metadata", "managedFields"]]?.arrayValue ?? []
            #expect(managers.contains { $0["manager"] == "kubectl" && $0["operation"] == "Apply" })
            let kubectlFields = managers.first { $0["manager"] == "kubectl" }?["fieldsV1"]
            #expect(kubectlFields?[path: ["f:spec", "f:replicas"]] == [:])
            #expect(deploy[path: ["spec", "revisionHistoryLimit"]] == 3)
            #expect(deploy[path: ["spec", "strategy", "type"]] == "RollingUpdate", "defaults applied like the real server")
            #expect(deploy[path: ["metadata", "uid"]]?.stringValue?.isEmpty == false)

            let svc = try await c.getJSON("service", "guestbook-ui")
            let ip = try #require(svc[path: ["spec", "clusterIP"]]?.stringValue)
            #expect(ip.hasPrefix("10."))
            #expect(svc[path: ["spec", "ports"]]?.arrayValue?.first?["protocol"] == "TCP")

            // Re-applying the same configuration is a no-op: same resourceVersion.
            try await c.kubectlOK("apply", "--server-side", "-f", guestbook)
            let again = try await c.getJSON("deployment", "guestbook-ui")
            #expect(again[path: ["metadata", "resourceVersion"]] == deploy[path: ["metadata", "resourceVersion"]])
        }
    }

    @Test func deploymentBecomesAvailableAfterSimulatedRollout() async throws {
        // 3 s: the in-between state must outlast kubectl's own run time on a busy machine.
        try await withCluster(readyDelay: .seconds(3)) { c in
            try await c.kubectlOK("apply", "--server-side", "-f", guestbook)
            let early = try #require(await c.sim.object(apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "guestbook-ui"))
            #expect(early[path: ["status", "observedGeneration"]] == early[path: ["metadata", "generation"]])
            #expect(early[path: ["status", "availableReplicas"]] == nil, "zero counters are omitted, as Go's omitempty does")
            #expect(condition(early, "Progressing")?["reason"] == "ReplicaSetUpdated")

            let rollout = try await c.kubectlOK("rollout", "status", "deployment/guestbook-ui", "--timeout=40s")
            #expect(rollout.contains("successfully rolled out"))
            let ready = try await c.getJSON("deployment", "guestbook-ui")
            #expect(ready[path: ["status", "availableReplicas"]] == 1)
            #expect(ready[path: ["status", "readyReplicas"]] == 1)
            #expect(condition(ready, "Available")?["status"] == "True")
            #expect(condition(ready, "Progressing")?["reason"] == "NewReplicaSetAvailable")
        }
    }

    @Test func labelSelectorsFilterLists() async throws {
        try await withCluster { c in
            let manifests = ["web", "db", "cache", ""].map { tier in
                """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: cm-\(tier.isEmpty ? "none" : tier)
                \(tier.isEmpty ? "" : "  labels:\n    tier: \(tier)")
                data: {k: v}
                """
            }.joined(separator: "\n---\n")
            try await c.kubectlOK("apply", "--server-side", "-f", "-", stdin: manifests)

            func names(_ selector: String) async throws -> [String] {
                try await c.kubectlOK("get", "configmaps", "-l", selector, "-o", "name")
                    .split(separator: "\n").map(String.init).sorted()
            }
            #expect(try await names("tier=web") == ["configmap/cm-web"])
            #expect(try await names("tier in (web,db)") == ["configmap/cm-db", "configmap/cm-web"])
            #expect(try await names("tier notin (web,db),tier") == ["configmap/cm-cache"])
            #expect(try await names("!tier") == ["configmap/cm-none"])
            #expect(try await names("tier!=web,tier") == ["configmap/cm-cache", "configmap/cm-db"])
            let table = try await c.kubectlOK("get", "configmaps", "-l", "tier=nothing")
            #expect(table.isEmpty, "no rows for an unmatched selector")
        }
    }

    @Test func deleteRemovesObjects() async throws {
        try await withCluster { c in
            try await c.kubectlOK("apply", "--server-side", "-f", guestbook)
            let out = try await c.kubectlOK("delete", "-f", guestbook)
            #expect(out.contains("deployment.apps \"guestbook-ui\" deleted"))
            #expect(await c.sim.object(apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "guestbook-ui") == nil)
            let get = try await c.kubectl("get", "service", "guestbook-ui")
            #expect(!get.succeeded)
            #expect(get.stderr.contains("services \"guestbook-ui\" not found"))
        }
    }

    @Test func serverDryRunStoresNothing() async throws {
        try await withCluster { c in
            let out = try await c.kubectlOK("apply", "--server-side", "--dry-run=server", "-f", guestbook)
            #expect(out.contains("(server dry run)"))
            #expect(await c.sim.object(apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "guestbook-ui") == nil)
            #expect(await c.sim.object(apiVersion: "v1", kind: "Service", namespace: "default", name: "guestbook-ui") == nil)

            try await c.kubectlOK("apply", "--server-side", "-f", guestbook)
            try await c.kubectlOK("delete", "--dry-run=server", "-f", guestbook)
            #expect(await c.sim.object(apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "guestbook-ui") != nil)
        }
    }

    @Test func missingNamespaceIsNotFound() async throws {
        try await withCluster { c in
            let result = try await c.kubectl("apply", "--server-side", "-n", "nowhere", "-f", guestbook)
            #expect(!result.succeeded)
            #expect(result.stderr.contains("namespaces \"nowhere\" not found"))

            try await c.kubectlOK("create", "namespace", "nowhere")   // protobuf body from kubectl >= 1.32
            try await c.kubectlOK("apply", "--server-side", "-n", "nowhere", "-f", guestbook)
            // Deleting the namespace deletes what is in it.
            try await c.kubectlOK("delete", "namespace", "nowhere")
            #expect(await c.sim.object(apiVersion: "apps/v1", kind: "Deployment", namespace: "nowhere", name: "guestbook-ui") == nil)
        }
    }

    @Test func scalePatchAndLabel() async throws {
        try await withCluster { c in
            try await c.kubectlOK("apply", "--server-side", "-f", guestbook)
            try await c.kubectlOK("scale", "deployment/guestbook-ui", "--replicas=3")
            var deploy = try await c.getJSON("deployment", "guestbook-ui")
            #expect(deploy[path: ["spec", "replicas"]] == 3)
            #expect(deploy[path: ["status", "readyReplicas"]] == 3)
            #expect(deploy[path: ["metadata", "generation"]] == 2)

            try await c.kubectlOK("patch", "deployment", "guestbook-ui", "-p",
                                  #"{"spec":{"template":{"spec":{"containers":[{"name":"guestbook-ui","image":"nginx:1.27"}]}}}}"#)
            deploy = try await c.getJSON("deployment", "guestbook-ui")
            let containers = deploy[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
            #expect(containers.count == 1, "strategic merge patch merges containers by name")
            #expect(containers.first?["image"] == "nginx:1.27")
            #expect(containers.first?["ports"] != nil)
            #expect(deploy[path: ["metadata", "generation"]] == 3)

            try await c.kubectlOK("label", "deployment", "guestbook-ui", "tier=frontend")
            deploy = try await c.getJSON("deployment", "guestbook-ui")
            #expect(deploy[path: ["metadata", "labels", "tier"]] == "frontend")
            #expect(deploy[path: ["metadata", "generation"]] == 3, "metadata changes do not bump generation")
            let selected = try await c.kubectlOK("get", "deploy", "-l", "tier=frontend", "-o", "name")
            #expect(selected.contains("deployment.apps/guestbook-ui"))
        }
    }

    @Test func imperativeCreateOfSimpleKinds() async throws {
        try await withCluster { c in
            try await c.kubectlOK("create", "namespace", "team-a")
            try await c.kubectlOK("create", "configmap", "settings", "-n", "team-a", "--from-literal=mode=fast")
            try await c.kubectlOK("create", "secret", "generic", "creds", "-n", "team-a", "--from-literal=password=hunter2")
            let cm = try await c.getJSON("configmap", "settings", "-n", "team-a")
            #expect(cm["data"] == ["mode": "fast"])
            let secret = try await c.getJSON("secret", "creds", "-n", "team-a")
            #expect(secret["type"] == "Opaque")
            #expect(secret[path: ["data", "password"]] == .string(Data("hunter2".utf8).base64EncodedString()))
        }
    }

    @Test func customResourceDefinitionsServeTheirResources() async throws {
        try await withCluster { c in
            let crd = """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: widgets.example.com}
                spec:
                  group: example.com
                  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
                  scope: Namespaced
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
                """
            try await c.kubectlOK("apply", "--server-side", "-f", "-", stdin: crd)
            try await c.kubectlOK("wait", "--for", "condition=established", "crd/widgets.example.com", "--timeout=5s")
            try await c.kubectlOK("apply", "--server-side", "-f", "-", stdin: "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n")
            let names = try await c.kubectlOK("get", "wd", "-o", "name")
            #expect(names.contains("widget.example.com/w1"))
        }
    }
}

func condition(_ obj: JSONValue, _ type: String) -> JSONValue? {
    obj[path: ["status", "conditions"]]?.arrayValue?.first { $0["type"]?.stringValue == type }
}
