// The HTTP contract clients (the agent's Kubernetes client, client-go) rely on beyond kubectl:
// authentication, optimistic concurrency, and watch streams.

import AsyncHTTPClient
import Foundation
import HawserProtocol
import KubeSim
import Testing

@Suite("KubeSim HTTP API")
struct APITests {
    @Test func requestsWithoutTheTokenAreUnauthorized() async throws {
        try await withCluster { c in
            try await c.withHTTP { http in
                let anonymous = try await http.execute(c.request("/api/v1/namespaces", authenticated: false), timeout: .seconds(10))
                #expect(anonymous.status.code == 401)
                let status = try await anonymous.json()
                #expect(status["kind"] == "Status")
                #expect(status["reason"] == "Unauthorized")

                var wrong = c.request("/api/v1/namespaces", authenticated: false)
                wrong.headers.add(name: "Authorization", value: "Bearer not-the-token")
                #expect(try await http.execute(wrong, timeout: .seconds(10)).status.code == 401)

                let ok = try await http.execute(c.request("/api/v1/namespaces"), timeout: .seconds(10))
                #expect(ok.status.code == 200)
                let names = try await ok.json()["items"]?.arrayValue?.compactMap { $0[path: ["metadata", "name"]]?.stringValue }
                #expect(names == ["default", "kube-node-lease", "kube-public", "kube-system"])
            }
        }
    }

    @Test func putWithStaleResourceVersionConflicts() async throws {
        try await withCluster { c in
            try await c.withHTTP { http in
                let path = "/api/v1/namespaces/default/configmaps"
                var create = c.request(path, body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "cfg"], "data": ["a": "1"]])
                create.method = .POST
                let created = try await http.execute(create, timeout: .seconds(10))
                #expect(created.status.code == 201)
                var obj = try await created.json()
                let rv = try #require(obj[path: ["metadata", "resourceVersion"]]?.stringValue)

                var again = c.request(path, body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "cfg"]])
                again.method = .POST
                let duplicate = try await http.execute(again, timeout: .seconds(10))
                #expect(duplicate.status.code == 409)
                #expect(try await duplicate.json()["reason"] == "AlreadyExists")

                obj["data"] = ["a": "2"]
                var put = c.request(path + "/cfg", body: obj)
                put.method = .PUT
                let updated = try await http.execute(put, timeout: .seconds(10))
                #expect(updated.status.code == 200)
                let newRV = try await updated.json()[path: ["metadata", "resourceVersion"]]?.stringValue
                #expect(newRV != rv)

                obj["data"] = ["a": "3"]   // still carries the old resourceVersion
                var stale = c.request(path + "/cfg", body: obj)
                stale.method = .PUT
                let conflict = try await http.execute(stale, timeout: .seconds(10))
                #expect(conflict.status.code == 409)
                let status = try await conflict.json()
                #expect(status["reason"] == "Conflict")
                #expect(status["message"]?.stringValue?.contains("the object has been modified") == true)
                #expect(await c.sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "cfg")?["data"] == ["a": "2"])
            }
        }
    }

    @Test func watchStreamsAddedModifiedDeleted() async throws {
        try await withCluster { c in
            try await c.withHTTP { http in
                let path = "/api/v1/namespaces/default/configmaps"
                let list = try await http.execute(c.request(path), timeout: .seconds(10)).json()
                let rv = try #require(list[path: ["metadata", "resourceVersion"]]?.stringValue)
                // The server ends the watch after timeoutSeconds, as client-go expects; we read until then
                // (5 s: the three writes below must land inside it even on a loaded CI machine).
                let watch = try await http.execute(c.request("\(path)?watch=true&resourceVersion=\(rv)&timeoutSeconds=5"), timeout: .seconds(30))
                #expect(watch.status.code == 200)

                var create = c.request(path, body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "watched"], "data": ["a": "1"]])
                create.method = .POST
                _ = try await http.execute(create, timeout: .seconds(10))
                try await c.sim.mutate(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "watched") { $0["data"] = ["a": "drifted"] }
                var delete = c.request(path + "/watched")
                delete.method = .DELETE
                _ = try await http.execute(delete, timeout: .seconds(10))

                var events: [JSONValue] = []
                var pending = Data()
                for try await chunk in watch.body {
                    pending.append(contentsOf: chunk.readableBytesView)
                    while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        events.append(try JSONValue.parse(pending[pending.startIndex..<newline]))
                        pending = Data(pending[(newline + 1)...])
                    }
                }
                #expect(events.compactMap { $0["type"]?.stringValue } == ["ADDED", "MODIFIED", "DELETED"])
                #expect(events.allSatisfy { $0[path: ["object", "metadata", "name"]] == "watched" })
                #expect(events[1][path: ["object", "data", "a"]] == "drifted")
            }
        }
    }

    @Test func discoveryDescribesBuiltins() async throws {
        try await withCluster { c in
            let resources = try await c.kubectlOK("api-resources", "--no-headers")
            for (name, short) in [("deployments", "deploy"), ("services", "svc"), ("namespaces", "ns"), ("configmaps", "cm"), ("pods", "po")] {
                #expect(resources.split(separator: "\n").contains { $0.hasPrefix(name) && $0.contains(" \(short) ") }, "\(name) with short name \(short)")
            }
            let version = try await c.kubectlOK("version", "-o", "json")
            #expect(version.contains("\"gitVersion\": \"v1.31.0\""))
        }
    }
}
