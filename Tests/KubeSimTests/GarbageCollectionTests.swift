// Owner references: what deleting an owner does to its dependents under each propagationPolicy.

import AsyncHTTPClient
import Foundation
import HawserProtocol
import KubeSim
import Testing

@Suite("Garbage collection")
struct GarbageCollectionTests {
    /// Creates a ConfigMap owned by the named ones (by uid) and returns its uid.
    @discardableResult
    static func configMap(_ c: TestCluster, _ name: String, ownedBy owners: [String] = [], namespace: String = "default") async throws -> String {
        var refs: [JSONValue] = []
        for owner in owners {
            let uid = try #require(await c.sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: namespace, name: owner)?[path: ["metadata", "uid"]])
            refs.append(["apiVersion": "v1", "kind": "ConfigMap", "name": .string(owner), "uid": uid])
        }
        var metadata: JSONValue = ["name": .string(name)]
        if !refs.isEmpty { metadata["ownerReferences"] = .array(refs) }
        let body: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": ["k": "v"]]
        try await c.kubectlOK("create", "-n", namespace, "-f", "-", stdin: body.jsonString())
        return try #require(await c.sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: namespace, name: name)?[path: ["metadata", "uid"]]?.stringValue)
    }

    static func exists(_ c: TestCluster, _ name: String) async -> Bool {
        await c.sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: name) != nil
    }

    @Test func backgroundDeletionIsRecursive() async throws {
        try await withCluster { c in
            try await Self.configMap(c, "root")
            try await Self.configMap(c, "child", ownedBy: ["root"])
            try await Self.configMap(c, "grandchild", ownedBy: ["child"])
            try await Self.configMap(c, "unrelated")
            try await c.kubectlOK("delete", "configmap", "root")
            #expect(await !Self.exists(c, "child"))
            #expect(await !Self.exists(c, "grandchild"))
            #expect(await Self.exists(c, "unrelated"))
        }
    }

    @Test func aDependentWithAnotherLiveOwnerOnlyLosesTheDanglingReference() async throws {
        try await withCluster { c in
            try await Self.configMap(c, "a")
            let bUID = try await Self.configMap(c, "b")
            try await Self.configMap(c, "shared", ownedBy: ["a", "b"])
            try await c.kubectlOK("delete", "configmap", "a")
            let shared = try #require(await c.sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "shared"))
            #expect(shared[path: ["metadata", "ownerReferences"]]?.arrayValue?.compactMap { $0["uid"]?.stringValue } == [bUID])
            try await c.kubectlOK("delete", "configmap", "b")
            #expect(await !Self.exists(c, "shared"))
        }
    }

    @Test func orphanKeepsDependentsAndDropsTheirReference() async throws {
        try await withCluster { c in
            try await Self.configMap(c, "owner")
            try await Self.configMap(c, "dependent", ownedBy: ["owner"])
            try await c.kubectlOK("delete", "configmap", "owner", "--cascade=orphan")
            let dependent = try #require(await c.sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "dependent"))
            #expect(dependent[path: ["metadata", "ownerReferences"]] == nil)
        }
    }

    @Test func foregroundDeletesDependentsAndAnswersWithTheTerminatingOwner() async throws {
        try await withCluster { c in
            try await Self.configMap(c, "owner")
            try await Self.configMap(c, "dependent", ownedBy: ["owner"])
            try await c.withHTTP { http in
                var req = c.request("/api/v1/namespaces/default/configmaps/owner",
                                    body: ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground"])
                req.method = .DELETE
                let response = try await http.execute(req, timeout: .seconds(10))
                #expect(response.status.code == 200)
                let body = try await response.json()
                #expect(body[path: ["metadata", "finalizers"]] == ["foregroundDeletion"])
                #expect(body[path: ["metadata", "deletionTimestamp"]] != nil)

                var bad = c.request("/api/v1/namespaces/default/configmaps/dependent", body: ["propagationPolicy": "Sideways"])
                bad.method = .DELETE
                #expect(try await http.execute(bad, timeout: .seconds(10)).status.code == 422)
            }
            #expect(await !Self.exists(c, "owner"))
            #expect(await !Self.exists(c, "dependent"))
            // kubectl's own foreground cascade waits for the owner to go, and returns.
            try await Self.configMap(c, "owner2")
            try await Self.configMap(c, "dependent2", ownedBy: ["owner2"])
            try await c.kubectlOK("delete", "configmap", "owner2", "--cascade=foreground", "--timeout=10s")
            #expect(await !Self.exists(c, "dependent2"))
        }
    }

    @Test func dependentsWithFinalizersWaitForThem() async throws {
        try await withCluster { c in
            try await Self.configMap(c, "owner")
            try await Self.configMap(c, "guarded", ownedBy: ["owner"])
            try await c.kubectlOK("patch", "configmap", "guarded", "--type=merge", "-p", #"{"metadata":{"finalizers":["example.com/hold"]}}"#)
            try await c.kubectlOK("delete", "configmap", "owner")
            let guarded = try #require(await c.sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "guarded"))
            #expect(guarded[path: ["metadata", "deletionTimestamp"]] != nil, "terminating, held by its finalizer")
            try await c.kubectlOK("patch", "configmap", "guarded", "--type=merge", "-p", #"{"metadata":{"finalizers":null}}"#)
            #expect(await !Self.exists(c, "guarded"))
        }
    }
}
