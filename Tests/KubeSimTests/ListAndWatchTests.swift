// Paginated lists and resumable, filtered watches: what informers (client-go, the agent) rely on.

import AsyncHTTPClient
import Foundation
import HawserProtocol
import KubeSim
import Testing

@Suite("Lists and watches")
struct ListAndWatchTests {
    static func create(_ c: TestCluster, _ http: HTTPClient, _ name: String, labels: JSONValue = [:], data: String = "1") async throws {
        var req = c.request("/api/v1/namespaces/default/configmaps",
                            body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "labels": labels], "data": ["v": .string(data)]])
        req.method = .POST
        let response = try await http.execute(req, timeout: .seconds(10))
        try #require(response.status.code == 201)
    }

    @Test func paginationNeitherSkipsNorRepeatsWhenItemsChangeBetweenPages() async throws {
        try await withCluster { c in
            try await c.withHTTP { http in
                for i in 0..<7 { try await Self.create(c, http, "cm-\(i)") }
                let path = "/api/v1/namespaces/default/configmaps"
                let first = try await http.execute(c.request("\(path)?limit=3"), timeout: .seconds(10)).json()
                let rv = first[path: ["metadata", "resourceVersion"]]
                var names = first["items"]?.arrayValue?.compactMap { $0[path: ["metadata", "name"]]?.stringValue } ?? []
                #expect(names == ["cm-0", "cm-1", "cm-2"])
                #expect(first[path: ["metadata", "remainingItemCount"]] == 4)
                var token = first[path: ["metadata", "continue"]]?.stringValue

                // A new item before the cursor and one after it: only the latter may show up.
                try await Self.create(c, http, "cm-00")
                try await Self.create(c, http, "cm-9")
                while let next = token {
                    let encoded = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? next
                    let page = try await http.execute(c.request("\(path)?limit=3&continue=\(encoded)"), timeout: .seconds(10)).json()
                    #expect(page[path: ["metadata", "resourceVersion"]] == rv, "every page reports the first page's resourceVersion")
                    names += page["items"]?.arrayValue?.compactMap { $0[path: ["metadata", "name"]]?.stringValue } ?? []
                    token = page[path: ["metadata", "continue"]]?.stringValue
                }
                #expect(names == ["cm-0", "cm-1", "cm-2", "cm-3", "cm-4", "cm-5", "cm-6", "cm-9"])

                let garbage = try await http.execute(c.request("\(path)?limit=3&continue=bm9wZQ=="), timeout: .seconds(10))
                #expect(garbage.status.code == 400)
            }
            // kubectl pages with --chunk-size and shows every item once.
            let all = try await c.kubectlOK("get", "configmaps", "--chunk-size=2", "-o", "name").split(separator: "\n")
            #expect(all.count == 9)
        }
    }

    @Test func watchResumesFromAResourceVersionWithALabelSelector() async throws {
        try await withCluster { c in
            try await c.withHTTP { http in
                let path = "/api/v1/namespaces/default/configmaps"
                try await Self.create(c, http, "before", labels: ["team": "a"])
                let rv = try #require(try await http.execute(c.request(path), timeout: .seconds(10)).json()[path: ["metadata", "resourceVersion"]]?.stringValue)

                // Changes after rv, some matching team=a, some not, one moving out of the selector.
                try await Self.create(c, http, "mine", labels: ["team": "a"])
                try await Self.create(c, http, "theirs", labels: ["team": "b"])
                try await c.sim.mutate(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "before") { $0["data"] = ["v": "2"] }
                try await c.sim.mutate(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "mine") {
                    $0.set("b", at: ["metadata", "labels", "team"])
                }
                try await c.sim.mutate(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "theirs") {
                    $0.set("a", at: ["metadata", "labels", "team"])
                }

                let watch = try await http.execute(
                    c.request("\(path)?watch=true&resourceVersion=\(rv)&labelSelector=team%3Da&timeoutSeconds=1"), timeout: .seconds(30))
                var events: [String] = []
                var pending = Data()
                for try await chunk in watch.body {
                    pending.append(contentsOf: chunk.readableBytesView)
                    while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        let event = try JSONValue.parse(pending[pending.startIndex..<newline])
                        pending = Data(pending[(newline + 1)...])
                        events.append("\(event["type"]?.stringValue ?? "") \(event[path: ["object", "metadata", "name"]]?.stringValue ?? "")")
                    }
                }
                #expect(events == ["ADDED mine", "MODIFIED before", "DELETED mine", "ADDED theirs"])
            }
        }
    }
}
