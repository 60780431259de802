import Foundation
import GRDB

extension SQLiteHubStore {
    /// Appends a deployment and keeps only the newest `keep` of the app, in one transaction.
    public func addHistory(_ h: HistoryRecord, keep: Int) async throws {
        try await write { db in try Self.addHistory(db, h, keep: keep) }
    }

    static func addHistory(_ db: Database, _ h: HistoryRecord, keep: Int) throws {
        try db.execute(sql: """
            INSERT INTO app_history (app_name, cluster, revision, manifests_digest, initiated_by, started_at, deployed_at, result, message)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [h.appName, h.cluster, h.revision, h.manifestsDigest, h.initiatedBy, h.startedAt.unixSeconds,
                             h.deployedAt.unixSeconds, h.result, h.message])
        try db.execute(sql: """
            DELETE FROM app_history WHERE app_name = ? AND id NOT IN
                (SELECT id FROM app_history WHERE app_name = ? ORDER BY id DESC LIMIT ?)
            """, arguments: [h.appName, h.appName, max(1, keep)])
    }

    public func history(app: String) async throws -> [HistoryRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM app_history WHERE app_name = ? ORDER BY id DESC", arguments: [app]).map(Self.historyRecord)
        }
    }

    public func recentHistory(limit: Int, beforeID: Int64?) async throws -> [(record: HistoryRecord, project: String)] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT h.*, a.project AS project FROM app_history h JOIN app a ON a.name = h.app_name
                WHERE h.id < ? ORDER BY h.id DESC LIMIT ?
                """, arguments: [beforeID ?? Int64.max, limit]).map { (Self.historyRecord($0), $0["project"]) }
        }
    }

    static func historyRecord(_ row: Row) -> HistoryRecord {
        HistoryRecord(id: row["id"], appName: row["app_name"], cluster: row["cluster"], revision: row["revision"],
                      manifestsDigest: row["manifests_digest"], initiatedBy: row["initiated_by"],
                      startedAt: Date(timeIntervalSince1970: row["started_at"]), deployedAt: Date(timeIntervalSince1970: row["deployed_at"]),
                      result: row["result"], message: row["message"])
    }
}
