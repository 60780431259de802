import Foundation
import GRDB
import HawserProtocol
import Testing
@testable import HubStore

/// A fresh directory per test, removed afterwards.
private final class ScratchDir {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("hawser-store-\(UUID().uuidString)")
    init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: url) }
    var dbPath: String { url.appendingPathComponent("hawser.db").path }
}

/// Whole seconds, so values survive the REAL column exactly.
private let t0 = Date(timeIntervalSince1970: 1_750_000_000)

private func cluster(_ name: String, labels: [String: String] = [:]) -> ClusterRecord {
    ClusterRecord(name: name, labels: labels, createdAt: t0)
}

private func app(_ name: String, cluster: String = "prod") -> AppRecord {
    AppRecord(name: name, repoURL: "https://git.example.com/apps.git", path: "guestbook", targetRevision: "main",
              cluster: cluster, namespace: "default", autoSync: true, createdAt: t0)
}

private func status(_ appName: String, _ clusterId: String, sync: SyncStatusCode, at: Date) -> AppStatusRecord {
    AppStatusRecord(
        appName: appName, clusterId: clusterId, revision: "abc", observedGeneration: 2, sync: sync.rawValue, health: HealthStatusCode.healthy.rawValue,
        resources: [ResourceStatus(key: ResourceKey(group: "apps", version: "v1", kind: "Deployment", namespace: "default", name: "web"),
                                   status: sync, health: .healthy)],
        conditions: [], message: nil, operationPhase: "Succeeded", reportedAt: at)
}

@Suite struct StoreTests {
    @Test func migratesFreshFileWithPrivateModeAndSurvivesReopen() async throws {
        let dir = try ScratchDir()
        var labelled = cluster("prod", labels: ["env": "production", "region": "eu-west-1"])
        labelled.certificateNotAfter = t0.addingTimeInterval(86_400)
        labelled.lastHeartbeat = t0.addingTimeInterval(0.25)
        do {
            let store = try SQLiteHubStore(path: dir.dbPath)
            try await store.createCluster(labelled)
            try await store.addAdminTokenHash("feed", createdAt: t0)
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.dbPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let reopened = try SQLiteHubStore(path: dir.dbPath) // migrations run again: a no-op
        let back = try #require(try await reopened.cluster(named: "prod"))
        #expect(back == labelled)
        #expect(back.labels == ["env": "production", "region": "eu-west-1"])
        #expect(try await reopened.cluster(id: labelled.id) == labelled)
        #expect(try await reopened.adminTokenHashes() == ["feed"])
    }

    @Test func clusterNamesAreUniqueAndUpdatesApply() async throws {
        let dir = try ScratchDir()
        let store = try SQLiteHubStore(path: dir.dbPath)
        let prod = cluster("prod")
        try await store.createCluster(prod)
        try await store.createCluster(cluster("dev"))

        await #expect(throws: StoreError.conflict("cluster \"prod\" already exists")) {
            try await store.createCluster(cluster("prod"))
        }
        #expect(try await store.clusters().map(\.name) == ["dev", "prod"])

        let updated = try await store.updateCluster(id: prod.id) {
            $0.state = .registered
            $0.connected = true
            $0.agentVersion = "0.1.0"
            $0.certificateSerial = "0a1b"
            $0.id = "ignored"
        }
        #expect(updated.id == prod.id)
        #expect(try await store.cluster(id: prod.id) == updated)
        #expect(try await store.cluster(id: prod.id)?.state == .registered)

        await #expect(throws: StoreError.conflict("cluster \"dev\" already exists")) {
            try await store.updateCluster(id: prod.id) { $0.name = "dev" }
        }
        await #expect(throws: StoreError.self) { try await store.updateCluster(id: "missing") { _ in } }

        try await store.deleteCluster(id: prod.id)
        #expect(try await store.cluster(named: "prod") == nil)
        await #expect(throws: StoreError.self) { try await store.deleteCluster(id: prod.id) }
    }

    @Test func bootstrapTokensAreConsumedOnce() async throws {
        let dir = try ScratchDir()
        let store = try SQLiteHubStore(path: dir.dbPath)
        let prod = cluster("prod")
        try await store.createCluster(prod)
        let expiresAt = t0.addingTimeInterval(3600)
        try await store.addBootstrapToken(BootstrapTokenRecord(tokenHash: "aa", clusterId: prod.id, createdAt: t0, expiresAt: expiresAt))
        try await store.addBootstrapToken(BootstrapTokenRecord(tokenHash: "bb", clusterId: prod.id, createdAt: t0, expiresAt: t0.addingTimeInterval(60)))

        let usedAt = t0.addingTimeInterval(10)
        let first = try await store.consumeBootstrapToken(hash: "aa", now: usedAt)
        #expect(try first.get() == BootstrapTokenRecord(tokenHash: "aa", clusterId: prod.id, createdAt: t0, expiresAt: expiresAt, usedAt: usedAt))
        #expect(try await store.consumeBootstrapToken(hash: "aa", now: usedAt.addingTimeInterval(1)) == .failure(.alreadyUsed(at: usedAt)))
        #expect(try await store.consumeBootstrapToken(hash: "bb", now: t0.addingTimeInterval(61)) == .failure(.expired(at: t0.addingTimeInterval(60))))
        #expect(try await store.consumeBootstrapToken(hash: "cc", now: t0) == .failure(.unknown))

        await #expect(throws: StoreError.self) {
            try await store.addBootstrapToken(BootstrapTokenRecord(tokenHash: "dd", clusterId: "no-such-cluster", createdAt: t0, expiresAt: expiresAt))
        }
        // Deleting the cluster removes its tokens.
        try await store.deleteCluster(id: prod.id)
        #expect(try await store.consumeBootstrapToken(hash: "bb", now: t0) == .failure(.unknown))
    }

    @Test func appCRUDWithRenderAndStatusCascade() async throws {
        let dir = try ScratchDir()
        let store = try SQLiteHubStore(path: dir.dbPath)
        let prod = cluster("prod")
        try await store.createCluster(prod)
        try await store.createApp(app("web"))
        try await store.createApp(app("api", cluster: "staging"))
        await #expect(throws: StoreError.conflict("application \"web\" already exists")) { try await store.createApp(app("web")) }

        #expect(try await store.apps().map(\.name) == ["api", "web"])
        #expect(try await store.apps(cluster: "prod").map(\.name) == ["web"])
        #expect(try await store.app(named: "web") == app("web"))

        let later = t0.addingTimeInterval(30)
        let updated = try await store.updateApp(named: "web") {
            $0.targetRevision = "v2"
            $0.prune = true
            $0.updatedAt = later
            $0.refreshRequestedAt = later
        }
        #expect(try await store.app(named: "web") == updated)
        #expect(updated.targetRevision == "v2" && updated.prune && updated.refreshRequestedAt == later)
        await #expect(throws: StoreError.self) { try await store.updateApp(named: "nope") { _ in } }

        let manifests = [Manifest(source: "guestbook/cm.yaml", line: 1, object: ["apiVersion": "v1", "kind": "ConfigMap", "data": ["n": 1]])]
        let commit = RenderedCommit(sha: "abc", author: "Ada <ada@example.com>", date: t0, message: "first")
        let render = AppRenderRecord(appName: "web", revision: "abc", commit: commit, manifests: manifests, manifestsDigest: "d1",
                                     conditions: [], renderedAt: t0, generation: 1)
        try await store.saveRender(render)
        #expect(try await store.render(app: "web") == render)
        var changed = render
        changed.manifests[0].object["data"] = ["n": 2]
        changed.manifestsDigest = "d2"
        changed.conditions = [AppCondition(type: "ComparisonError", message: "x")]
        changed.generation = 2
        try await store.saveRender(changed)
        #expect(try await store.render(app: "web") == changed, "the latest render replaces the previous one")
        #expect(try await store.render(app: "web")?.manifests[0].object[path: ["data", "n"]] == .int(2))
        await #expect(throws: StoreError.self) { try await store.saveRender(AppRenderRecord(appName: "ghost", revision: nil, commit: nil, manifests: [], manifestsDigest: "", renderedAt: t0)) }

        try await store.saveStatus(status("web", prod.id, sync: .outOfSync, at: t0))
        let newer = status("web", prod.id, sync: .synced, at: later)
        try await store.saveStatus(newer)
        #expect(try await store.statuses(app: "web") == [newer], "upsert by (app, cluster)")
        await #expect(throws: StoreError.self) { try await store.saveStatus(status("web", "no-such-cluster", sync: .synced, at: t0)) }

        try await store.deleteApp(named: "web")
        #expect(try await store.app(named: "web") == nil)
        #expect(try await store.render(app: "web") == nil)
        #expect(try await store.statuses(app: "web") == [])
        await #expect(throws: StoreError.self) { try await store.deleteApp(named: "web") }

        // Recreating the app starts from a clean slate.
        try await store.createApp(app("web"))
        #expect(try await store.render(app: "web") == nil)
    }

    @Test func identicalManifestsAreStoredOnceAndCollectedWithTheirLastRender() async throws {
        let dir = try ScratchDir()
        let store = try SQLiteHubStore(path: dir.dbPath)
        try await store.createCluster(cluster("prod"))
        let big = [Manifest(source: "app/cm.yaml", line: 1, object: ["apiVersion": "v1", "kind": "ConfigMap", "data": ["x": .string(String(repeating: "y", count: 10_000))]])]
        for name in ["a", "b", "c"] {
            try await store.createApp(app(name))
            try await store.saveRender(AppRenderRecord(appName: name, revision: "abc", commit: nil, manifests: big, manifestsDigest: "same", renderedAt: t0, generation: 1))
        }
        #expect(try await store.bundleCount() == 1)
        #expect(try await store.render(app: "c")?.manifests == big)
        // Same digest claimed, other manifests: the store keys bundles by their content, not by the caller's word.
        let other = [Manifest(source: "app/cm.yaml", line: 1, object: ["apiVersion": "v1", "kind": "ConfigMap"])]
        try await store.saveRender(AppRenderRecord(appName: "c", revision: "def", commit: nil, manifests: other, manifestsDigest: "same", renderedAt: t0, generation: 2))
        #expect(try await store.bundleCount() == 2)
        #expect(try await store.render(app: "c")?.manifests == other)
        #expect(try await store.render(app: "a")?.manifests == big)
        // The last render naming a bundle takes it along, by replacement or deletion.
        try await store.deleteApp(named: "a")
        #expect(try await store.bundleCount() == 2)
        try await store.saveRender(AppRenderRecord(appName: "b", revision: "def", commit: nil, manifests: other, manifestsDigest: "x", renderedAt: t0, generation: 2))
        #expect(try await store.bundleCount() == 1)
        try await store.deleteApp(named: "b")
        try await store.deleteApp(named: "c")
        #expect(try await store.bundleCount() == 0)
    }

    @Test func upgradingMovesInlineManifestsIntoBundles() async throws {
        let dir = try ScratchDir()
        do {
            // A store as the previous release left it: manifests inline in the render row.
            let queue = try DatabaseQueue(path: dir.dbPath)
            try Migrations.migrator.migrate(queue, upTo: "v9-fleet")
            try await queue.write { db in
                try db.execute(sql: "INSERT INTO app (name, repo_url, path, target_revision, cluster, namespace, created_at, updated_at) VALUES ('old', '/r', '.', 'HEAD', 'prod', 'default', 0, 0)")
                try db.execute(sql: """
                    INSERT INTO app_render (app_name, revision, commit_info, manifests, manifests_digest, conditions, rendered_at, generation)
                    VALUES ('old', 'abc', NULL, '[{"line":1,"object":{"kind":"ConfigMap"},"source":"cm.yaml"}]', 'd', '[]', 0, 3)
                    """)
            }
        }
        let store = try SQLiteHubStore(path: dir.dbPath)
        let render = try #require(try await store.render(app: "old"))
        #expect(render.generation == 3 && render.manifests.first?.object[path: ["kind"]] == .string("ConfigMap"))
        #expect(try await store.bundleCount() == 1)
    }

    @Test func adminTokenHashes() async throws {
        let dir = try ScratchDir()
        let store = try SQLiteHubStore(path: dir.dbPath)
        #expect(try await store.adminTokenHashes() == [])
        try await store.addAdminTokenHash("b2", createdAt: t0.addingTimeInterval(1))
        try await store.addAdminTokenHash("a1", createdAt: t0)
        try await store.addAdminTokenHash("a1", createdAt: t0)
        #expect(try await store.adminTokenHashes() == ["a1", "b2"])
    }
}
