import Foundation
import HawserProtocol
import HubCore
import KubeSim
import Logging
import Testing

/// Bad manifests give a clear error naming file and line, only for the app (or resource) at
/// fault; the agent keeps serving everything else.
@Suite(.serialized) struct BadInputTests {
    @Test func badManifestsFailTheirAppOrResourceAndNothingElse() async throws {
        let s = try await SyncOptionsTests().start("bad")
        let hub = s.hub.hub
        let big = String(repeating: "x", count: 2 << 20)
        let repo = try await TestRepo.create(files: [
            "noname/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\ndata: {}\n",
            "noname/ok.yaml": SyncOptionsTests.configMap("noname-ok"),
            "unknown/widget.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec: {}\n",
            "unknown/ok.yaml": SyncOptionsTests.configMap("unknown-ok"),
            "big/huge.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n  blob: \(big)\n",
            "big/small.yaml": SyncOptionsTests.configMap("small"),
            "good/cm.yaml": SyncOptionsTests.configMap("good"),
        ])
        for name in ["noname", "unknown", "big", "good"] {
            _ = try await hub.createApp(AppSpec(name: name, repoURL: repo.path, path: name, cluster: "bad", namespace: "default",
                                                syncPolicy: SyncPolicy(automated: true)))
        }
        try await eventually("missing name reported with its location") {
            try await s.app("noname").conditions.contains { $0.type == "ComparisonError" && $0.message.contains("noname/cm.yaml:1") && $0.message.contains("metadata.name") }
        }
        #expect(await s.get("v1", "ConfigMap", "default", "noname-ok") == nil, "an invalid app applies nothing")
        try await eventually("unknown kind reported with its location") {
            try await s.app("unknown").conditions.contains { $0.message.contains("unknown/widget.yaml:1") && $0.message.contains("Widget") }
        }
        try await eventually("the 2 MiB ConfigMap fails alone") {
            let op = try await s.app("big").operation
            return op?.resources.contains { $0.key.name == "huge" && $0.status == .syncFailed } == true
        }
        #expect(try await s.app("big").conditions.contains { $0.type == "SyncError" && $0.message.contains("big/huge.yaml") })
        #expect(await s.get("v1", "ConfigMap", "default", "small") != nil, "the rest of the app is applied")
        #expect(await s.get("v1", "ConfigMap", "default", "unknown-ok") == nil, "an app with an unknown kind applies nothing")
        try await eventually("the good app syncs regardless") { try await s.app("good").sync == .synced }
        #expect(await s.get("v1", "ConfigMap", "default", "good") != nil)
        await s.stop()
    }
}
