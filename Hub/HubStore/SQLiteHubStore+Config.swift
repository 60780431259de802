import Foundation
import GRDB
import HawserProtocol

extension SQLiteHubStore {
    // MARK: Config repositories

    public func saveConfigRepo(_ r: ConfigRepoRecord, replace: Bool) async throws {
        try await write { db in
            if replace { try Self.updateConfigRepo(db, r) } else {
                do {
                    try db.execute(sql: """
                        INSERT INTO config_repo (name, url, path, revision, prune, server_clusters, created_at, created_by, state)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [r.name, r.url, r.path, r.revision, r.prune, try JSONColumn.encode(r.serverClusters), r.createdAt.unixSeconds, r.createdBy,
                                         try JSONColumn.encode(r.state)])
                } catch let error as DatabaseError where error.isUniqueViolation {
                    throw StoreError.conflict("config repository \"\(r.name)\" already exists")
                }
            }
        }
    }

    /// An update, never an insert: a repository removed meanwhile stays removed.
    static func updateConfigRepo(_ db: Database, _ r: ConfigRepoRecord) throws {
        try db.execute(sql: "UPDATE config_repo SET url = ?, path = ?, revision = ?, prune = ?, server_clusters = ?, state = ? WHERE name = ?",
                       arguments: [r.url, r.path, r.revision, r.prune, try JSONColumn.encode(r.serverClusters), try JSONColumn.encode(r.state), r.name])
        if db.changesCount == 0 { throw StoreError.notFound("config repository \"\(r.name)\" was removed meanwhile") }
    }

    /// Throws `conflict` unless the stored `managed_by` of the row is `expected`: ownership is
    /// decided on what is stored when the change is written, not on what was read before.
    static func requireOwner(_ db: Database, table: String, name: String, expected: ManagedBy?) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT managed_by FROM \(table) WHERE name = ?", arguments: [name]) else {
            throw StoreError.notFound("\(table == "app" ? "application" : "project") \"\(name)\" was deleted meanwhile")
        }
        let stored = try (row["managed_by"] as String?).map { try JSONColumn.decode(ManagedBy.self, from: $0, column: "\(table).managed_by") }
        guard stored?.configRepo == expected?.configRepo else {
            throw StoreError.conflict("\(table == "app" ? "application" : "project") \"\(name)\" changed hands meanwhile (now \(stored.map { "managed by config repository \($0.configRepo)" } ?? "unmanaged"))")
        }
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
            for (p, owner) in c.updateProjects {
                try Self.requireOwner(db, table: "project", name: p.name, expected: owner)
                try db.execute(sql: "UPDATE project SET spec = ?, updated_at = ?, managed_by = ? WHERE name = ?",
                               arguments: [try JSONColumn.encode(p.spec), p.updatedAt.unixSeconds, try p.managedBy.map(JSONColumn.encode), p.name])
                if db.changesCount == 0 { throw StoreError.notFound("project \"\(p.name)\" was deleted meanwhile") }
            }
            for a in c.createApps {
                do { try db.execute(sql: AppRecord.insertSQL, arguments: try a.arguments()) } catch let error as DatabaseError where error.isUniqueViolation {
                    throw StoreError.conflict("application \"\(a.name)\" was created meanwhile")
                }
            }
            for (name, owner, change) in c.updateApps {
                try Self.requireOwner(db, table: "app", name: name, expected: owner)
                guard var record = try Row.fetchOne(db, sql: "SELECT * FROM app WHERE name = ?", arguments: [name]).map(AppRecord.init(row:)) else {
                    throw StoreError.notFound("application \"\(name)\" was deleted meanwhile")
                }
                change(&record)
                record.name = name
                try db.execute(sql: AppRecord.updateSQL, arguments: try record.arguments())
            }
            for (name, owner) in c.deleteApps {
                try Self.requireOwner(db, table: "app", name: name, expected: owner)
                try db.execute(sql: "DELETE FROM app WHERE name = ?", arguments: [name])
            }
            for (name, owner) in c.deleteProjects {
                try Self.requireOwner(db, table: "project", name: name, expected: owner)
                let apps = try String.fetchAll(db, sql: "SELECT name FROM app WHERE project = ? AND parent IS NULL ORDER BY name LIMIT 6", arguments: [name])
                guard apps.isEmpty else {
                    throw StoreError.conflict("project \"\(name)\" still has applications (\(apps.prefix(5).joined(separator: ", "))\(apps.count > 5 ? ", …" : "")); remove them in the same commit or move them to another project")
                }
                try db.execute(sql: "DELETE FROM project WHERE name = ?", arguments: [name])
            }
            if let r = c.configRepo { try Self.updateConfigRepo(db, r) }
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
