import Foundation
import HawserProtocol
import HubCore
import Testing

/// Deployment history and rollback as an Argo CD user expects them: every finished sync is
/// recorded (revision, when, by whom, result), a rollback re-applies a past revision with
/// auto-sync turned off, and the next manual sync returns to Git's target revision.
@Suite(.serialized) struct HistoryTests {
    static func configMap(_ value: String) -> String {
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: versioned\ndata:\n  v: \"\(value)\"\n"
    }

    @Test func historyRecordsDeploymentsAndRollbackReappliesAPastRevision() async throws {
        let s = try await ClusterSetup.start("history")
        let repo = try await TestRepo.create(files: ["app/cm.yaml": Self.configMap("one")])
        let first = try await repo.git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        var spec = AppSpec(name: "versioned", repoURL: repo.path, path: "app", cluster: "history", namespace: "default",
                           syncPolicy: SyncPolicy(automated: true))
        spec.revisionHistoryLimit = 3
        _ = try await s.hub.hub.createApp(spec)
        func value() async -> String? { await s.configMap("versioned")?[path: ["data", "v"]]?.stringValue }
        try await eventually("first revision deployed") { await value() == "one" }
        let second = try await repo.commit(["app/cm.yaml": Self.configMap("two")], message: "two")
        _ = try await s.hub.hub.refresh(appNamed: "versioned")
        try await eventually("second revision deployed") { await value() == "two" }
        try await eventually("both deployments in the history") { try await s.hub.hub.history(appNamed: "versioned").count == 2 }

        var r = try await s.hub.cli("app", "history", "versioned", "-o", "json")
        let history = try WireJSON.decoder().decode([HistoryEntry].self, from: Data(r.stdout.utf8))
        #expect(history.map(\.revision) == [second, first], "newest first: \(history)")
        #expect(history.allSatisfy { $0.result == "Succeeded" && $0.initiatedBy == "automated" && $0.cluster == "history" && $0.manifestsDigest != nil })

        r = try await s.hub.cli("app", "rollback", "versioned", "\(history[1].id)")
        #expect(r.ok && r.stdout.contains("Auto-sync of versioned is now off"), "\(r.stdout) \(r.stderr)")
        try await eventually("rolled back") { await value() == "one" }
        var app = try await s.app("versioned")
        #expect(!app.spec.syncPolicy.automated)
        #expect(app.conditions.contains { $0.type == "RolledBack" && $0.message.contains("by admin") }, "\(app.conditions)")
        try await eventually("the rollback is in the history, by admin") {
            try await s.hub.hub.history(appNamed: "versioned").first.map { $0.revision == first && $0.initiatedBy == "admin" } ?? false
        }
        // Git polling does not roll it forward again.
        await s.hub.hub.refreshAll()
        try await Task.sleep(for: .seconds(2))
        #expect(await value() == "one")

        // A manual sync returns to the target revision; the history keeps the newest three.
        r = try await s.hub.cli("app", "sync", "versioned")
        #expect(r.ok, "\(r.stderr)")
        try await eventually("back to the target revision") { await value() == "two" }
        try await eventually("history trimmed to the limit") {
            let h = try await s.hub.hub.history(appNamed: "versioned")
            return h.count == 3 && h.first?.revision == second
        }
        app = try await s.app("versioned")
        #expect(!app.conditions.contains { $0.type == "RolledBack" })

        r = try await s.hub.cli("app", "rollback", "versioned", "999999")
        #expect(!r.ok && r.stderr.contains("no history entry 999999"), "\(r.stderr)")
        await s.stop()
    }

    /// One sync is one deployment: later status reports about the same operation (after the
    /// app changes, or on every resync) add nothing to the history or the audit trail.
    @Test func oneSyncIsRecordedOnce() async throws {
        let s = try await ClusterSetup.start("once")
        let repo = try await TestRepo.create(files: ["a/cm.yaml": Self.configMap("a"), "b/cm.yaml": Self.configMap("b")])
        let hub = s.hub.hub
        _ = try await hub.createApp(AppSpec(name: "versioned", repoURL: repo.path, path: "a", cluster: "once", namespace: "default"))
        try await eventually("reported") { try await s.app("versioned").reportedAt != nil }
        _ = try await hub.syncApp(named: "versioned", initiatedBy: Principal(name: "admin"))
        try await eventually("synced") { try await s.app("versioned").sync == .synced }
        try await eventually("recorded") { try await hub.history(appNamed: "versioned").count == 1 }
        var spec = try await s.app("versioned").spec
        spec.path = "b"
        _ = try await hub.updateApp(spec)
        try await eventually("out of sync with the new path") { try await s.app("versioned").sync == .outOfSync }
        try await Task.sleep(for: .seconds(3))   // several resyncs (every second here)
        #expect(try await hub.history(appNamed: "versioned").count == 1)
        let deployments = try await hub.auditEvents(limit: 100, filter: .init(app: "versioned")).filter { $0.action == "sync" && $0.actor == "admin" && $0.detail?.contains("revision") == true }
        #expect(deployments.count == 1, "\(deployments.map { $0.detail ?? "" })")
        await s.stop()
    }
}
