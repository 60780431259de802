import Foundation
import HawserProtocol
import Testing
@testable import HubStore

/// A declarative set is one transaction: all of it or none, and ownership is checked on what is
/// stored when it is written, not on what was read while planning.
@Suite struct ConfigStoreTests {
    let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    func store() async throws -> SQLiteHubStore {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hawser-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let s = try SQLiteHubStore(path: dir + "/hawser.db")
        try await s.createCluster(ClusterRecord(name: "prod", createdAt: t0))
        return s
    }

    func app(_ name: String, managedBy: ManagedBy? = nil) -> AppRecord {
        AppRecord(name: name, repoURL: "https://git.example.com/a.git", path: "a", cluster: "prod", namespace: "default", createdAt: t0, managedBy: managedBy)
    }

    @Test func aSetWhoseObjectChangedHandsIsRefusedWhole() async throws {
        let s = try await store()
        let git = ManagedBy(configRepo: "platform", repoURL: "https://git.example.com/config.git", file: "apps/web.yaml")
        try await s.createApp(app("web", managedBy: git))
        let audit = AuditRecord(at: t0, actor: "alice", action: "update", resource: "applications", object: "default/web", outcome: "succeeded")
        var changes = ConfigChanges()
        changes.createApps = [app("api")]
        // Planned while web was unmanaged; a config repository took it meanwhile.
        changes.updateApps = [("web", nil, { $0.namespace = "changed" })]
        changes.audit = [audit]
        await #expect(throws: StoreError.self) { try await s.applyConfig(changes) }
        #expect(try await s.app(named: "api") == nil, "nothing of the set was written")
        #expect(try await s.app(named: "web")?.namespace == "default")
        #expect(try await s.auditEvents(limit: 10, beforeID: nil).isEmpty, "nor its audit entries")
        // Planned with the right owner, the same set applies.
        changes.updateApps = [("web", git, { $0.namespace = "changed" })]
        try await s.applyConfig(changes)
        #expect(try await s.app(named: "api") != nil)
        #expect(try await s.app(named: "web")?.namespace == "changed")
        #expect(try await s.auditEvents(limit: 10, beforeID: nil).count == 1)
    }

    @Test func aRemovedConfigRepositoryIsNotWrittenBack() async throws {
        let s = try await store()
        let r = ConfigRepoRecord(name: "platform", url: "https://git.example.com/config.git", path: ".", revision: "HEAD", prune: true,
                                 serverClusters: [:], createdAt: t0, createdBy: "admin")
        try await s.saveConfigRepo(r, replace: false)
        await #expect(throws: StoreError.self) { try await s.saveConfigRepo(r, replace: false) }
        try await s.deleteConfigRepo(named: "platform")
        // A reconcile that read it before the removal saves its state: refused, not re-created.
        await #expect(throws: StoreError.self) { try await s.saveConfigRepo(r, replace: true) }
        var changes = ConfigChanges()
        changes.createApps = [app("late")]
        changes.configRepo = r
        await #expect(throws: StoreError.self) { try await s.applyConfig(changes) }
        #expect(try await s.configRepo(named: "platform") == nil)
        #expect(try await s.app(named: "late") == nil)
    }
}
