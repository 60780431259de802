import Foundation
import HawserProtocol
import HubCore
import Testing

/// "Who deployed what where, and when": the audit trail records deployments with who triggered
/// them and what was applied, filters by user, app, cluster and time, exports JSON Lines, and its
/// hash chain catches a row edited or removed directly in the SQLite file.
@Suite(.serialized) struct AuditTrailTests {
    @Test func deploymentsAreAttributedFilterableAndTheChainCatchesTampering() async throws {
        let s = try await ClusterSetup.start("audited")
        let repo = try await TestRepo.create(files: ["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: audited\ndata:\n  k: v\n"])
        var r = try await s.hub.cli("app", "create", "ledger", "--repo", repo.path, "--path", "app", "--cluster", "audited", "--namespace", "default")
        #expect(r.ok, "\(r.stderr)")
        r = try await s.hub.cli("app", "sync", "ledger")
        #expect(r.ok, "\(r.stderr)")
        try await eventually("deployment audited") {
            try await s.hub.hub.auditEvents(limit: 20, filter: .init(app: "ledger")).contains { $0.action == "sync" && $0.actor == "admin" && $0.detail?.contains("revision") == true }
        }
        let deployment = try #require(try await s.hub.hub.auditEvents(limit: 20, filter: .init(app: "ledger")).first { $0.action == "sync" && $0.actor == "admin" && $0.detail?.contains("revision") == true })
        let head = try await repo.git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(deployment.object == "default/ledger" && deployment.outcome == "succeeded")
        #expect(deployment.detail!.contains("cluster audited, namespace default, revision \(head), manifests sha256:"), "\(deployment.detail!)")

        // Filters, as the CLI offers them.
        r = try await s.hub.cli("audit", "list", "--app", "ledger", "--user", "admin", "--since", "1h", "-o", "json")
        #expect(r.ok, "\(r.stderr)")
        let listed = try WireJSON.decoder().decode([AuditEventView].self, from: Data(r.stdout.utf8))
        #expect(!listed.isEmpty && listed.allSatisfy { $0.actor == "admin" && $0.object.hasSuffix("/ledger") }, "\(listed)")
        r = try await s.hub.cli("audit", "list", "--cluster", "audited", "-o", "json")
        let byCluster = try WireJSON.decoder().decode([AuditEventView].self, from: Data(r.stdout.utf8))
        #expect(byCluster.contains { $0.action == "connect" && $0.actor == "agent:audited" } && byCluster.contains { $0.action == "sync" }, "\(byCluster.map(\.action))")
        r = try await s.hub.cli("audit", "list", "--until", "2000-01-01T00:00:00Z", "-o", "json")
        #expect(try WireJSON.decoder().decode([AuditEventView].self, from: Data(r.stdout.utf8)).isEmpty)

        // JSON Lines export, oldest first, one entry per line.
        r = try await s.hub.cli("audit", "export")
        let lines = r.stdout.split(separator: "\n")
        let exported = try lines.map { try WireJSON.decoder().decode(AuditEventView.self, from: Data($0.utf8)) }
        #expect(exported.count >= 5 && exported.map(\.id) == exported.map(\.id).sorted(), "\(exported.map(\.id))")

        r = try await s.hub.cli("audit", "verify")
        #expect(r.ok && r.stdout.contains("intact"), "\(r.stdout) \(r.stderr)")

        // Someone with access to the database file rewrites history.
        let target = exported[2].id
        let db = s.hub.dataDirectory + "/hawser.db"
        let edit = try await Proc.run("python3", ["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE audit_event SET actor='nobody' WHERE id=?\", (int(sys.argv[2]),)); c.commit()", db, "\(target)"])
        #expect(edit.ok, "\(edit.stderr)")
        r = try await s.hub.cli("audit", "verify")
        #expect(!r.ok && r.stdout.contains("broken at entry \(target)") && r.stdout.contains("changed"), "\(r.stdout)")

        // Putting the row back repairs it; removing a row is caught at the entry after it.
        let restore = try await Proc.run("python3", ["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE audit_event SET actor=? WHERE id=?\", (sys.argv[3], int(sys.argv[2]))); c.execute('DELETE FROM audit_event WHERE id=?', (int(sys.argv[2])+1,)); c.commit()", db, "\(target)", exported[2].actor])
        #expect(restore.ok, "\(restore.stderr)")
        r = try await s.hub.cli("audit", "verify", "-o", "json")
        let verdict = try WireJSON.decoder().decode(AuditVerifyResponse.self, from: Data(r.stdout.utf8))
        #expect(!verdict.intact && verdict.firstBrokenID == exported[4].id && (verdict.problem ?? "").contains("removed"), "\(verdict)")
        await s.stop()
    }
}
