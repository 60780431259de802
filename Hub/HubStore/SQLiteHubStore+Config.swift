import Foundation
import GRDB
import HawserProtocol

extension SQLiteHubStore {
    // MARK: Config repositories

    public func saveConfigRepo(_ r: ConfigRepoRecord, replace: Bool) async throws {
        try await write { db in
            if !replace, try Row.fetchOne(db, sql: "SELECT 1 FROM config_repo WHERE name = ?", arguments: [r.name]) != nil {
                throw StoreError.conflict("config repository \"\(r.name)\" already exists")
            }
            try Self.saveConfigRepo(db, r)
        }
    }

    static func saveConfigRepo(_ db: Database, _ r: ConfigRepoRecord) throws {
        try db.execute(sql: """
            INSERT INTO config_repo (name, url, path, revision, prune, server_clusters, created_at, created_by, state)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(name) DO UPDATE SET url = excluded.url, path = excluded.path, revision = excluded.revision, prune = excluded.prune,
                server_clusters = excluded.server_clusters, state = excluded.state
            """, arguments: [r.name, r.url, r.path, r.revision, r.prune, try JSONColumn.encode(r.serverClusters), r.createdAt.unixSeconds, r.createdBy,
                             try JSONColumn.encode(r.state)])
    }

    public func configRepo(named name: String) async throws -> ConfigRepoRecord? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM config_repo WHERE name = ?", arguments: [name]).map(ConfigRepoRecord.init(row:)) }
    }

    public func configRepos() async throws -> [ConfigRepoRecord] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM config_repo ORDER BY name").map(ConfigRepoRecord.init(row:)) }
    }

    /// Removes the repository and releases what it defined (the objects stay, unmanaged).
    public func deleteConfigRepo(named name: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM config_repo WHERE name = ?", arguments: [name])
            if db.changesCount == 0 { throw StoreError.notFound("config repository \"\(name)\" not found") }
            try db.execute(sql: "UPDATE app SET managed_by = NULL WHERE json_extract(managed_by, '$.configRepo') = ?", arguments: [name])
            try db.execute(sql: "UPDATE project SET managed_by = NULL WHERE json_extract(managed_by, '$.configRepo') = ?", arguments: [name])
        }
    }

    /// One transaction: projects first (apps may name new ones), apps, then deletions (a project
    /// can only go once its apps have). Any failure rolls all of it back.
    public func applyConfig(_ c: ConfigChanges) async throws {
        try await write { db in
            for p in c.createProjects {
                do {
                    try db.execute(sql: "INSERT INTO project (name, spec, created_at, updated_at, managed_by) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [p.name, try JSONColumn.encode(p.spec), p.createdAt.unixSeconds, p.updatedAt.unixSeconds, try p.managedBy.map(JSONColumn.encode)])
                } catch let error as DatabaseError where error.isUniqueViolation {
                    throw StoreError.conflict("project \"\(p.name)\" was created meanwhile")
                }
            }
            for p in c.updateProjects {
                try db.execute(sql: "UPDATE project SET spec = ?, updated_at = ?, managed_by = ? WHERE name = ?",
                               arguments: [try JSONColumn.encode(p.spec), p.updatedAt.unixSeconds, try p.managedBy.map(JSONColumn.encode), p.name])
                if db.changesCount == 0 { throw StoreError.notFound("project \"\(p.name)\" was deleted meanwhile") }
            }
            for a in c.createApps {
                do { try db.execute(sql: AppRecord.insertSQL, arguments: try a.arguments()) } catch let error as DatabaseError where error.isUniqueViolation {
                    throw StoreError.conflict("application \"\(a.name)\" was created meanwhile")
                }
            }
            for (name, change) in c.updateApps {
                guard var record = try Row.fetchOne(db, sql: "SELECT * FROM app WHERE name = ?", arguments: [name]).map(AppRecord.init(row:)) else {
                    throw StoreError.notFound("application \"\(name)\" was deleted meanwhile")
                }
                change(&record)
                record.name = name
                try db.execute(sql: AppRecord.updateSQL, arguments: try record.arguments())
            }
            for name in c.deleteApps {
                try db.execute(sql: "DELETE FROM app WHERE name = ?", arguments: [name])
            }
            for name in c.deleteProjects {
                let apps = try String.fetchAll(db, sql: "SELECT name FROM app WHERE project = ? AND parent IS NULL ORDER BY name LIMIT 6", arguments: [name])
                guard apps.isEmpty else {
                    throw StoreError.conflict("project \"\(name)\" still has applications (\(apps.prefix(5).joined(separator: ", "))\(apps.count > 5 ? ", …" : "")); remove them in the same commit or move them to another project")
                }
                try db.execute(sql: "DELETE FROM project WHERE name = ?", arguments: [name])
            }
            if let r = c.configRepo { try Self.saveConfigRepo(db, r) }
            for e in c.audit { try Self.appendAudit(db, e) }
        }
    }
}

extension ConfigRepoRecord {
    init(row: Row) throws {
        self.init(name: row["name"], url: row["url"], path: row["path"], revision: row["revision"], prune: row["prune"],
                  serverClusters: try JSONColumn.decode([String: String].self, from: row["server_clusters"], column: "config_repo.server_clusters"),
                  createdAt: Date(timeIntervalSince1970: row["created_at"]), createdBy: row["created_by"],
                  state: try JSONColumn.decode(ConfigRepoState.self, from: row["state"], column: "config_repo.state"))
    }
}
