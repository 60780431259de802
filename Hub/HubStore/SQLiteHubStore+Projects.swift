import Foundation
import GRDB
import HawserProtocol

extension SQLiteHubStore {
    public func createProject(_ p: ProjectRecord) async throws {
        let spec = try JSONColumn.encode(p.spec)
        try await write { db in
            do {
                try db.execute(sql: "INSERT INTO project (name, spec, created_at, updated_at, managed_by) VALUES (?, ?, ?, ?, ?)",
                               arguments: [p.name, spec, p.createdAt.unixSeconds, p.updatedAt.unixSeconds, try p.managedBy.map(JSONColumn.encode)])
            } catch let error as DatabaseError where error.isUniqueViolation {
                throw StoreError.conflict("project \"\(p.name)\" already exists")
            }
        }
    }

    public func project(named name: String) async throws -> ProjectRecord? {
        try await read { db in try Self.project(db, named: name) }
    }

    static func project(_ db: Database, named name: String) throws -> ProjectRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM project WHERE name = ?", arguments: [name]).map(ProjectRecord.init(row:))
    }

    public func projects() async throws -> [ProjectRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM project ORDER BY name").map(ProjectRecord.init(row:))
        }
    }

    @discardableResult
    public func updateProject(named name: String, _ change: @escaping @Sendable (inout ProjectRecord) -> Void) async throws -> ProjectRecord {
        try await write { db in
            guard var p = try Self.project(db, named: name) else { throw StoreError.notFound("project \"\(name)\" not found") }
            change(&p)
            p.name = name
            try db.execute(sql: "UPDATE project SET spec = ?, updated_at = ?, managed_by = ? WHERE name = ?",
                           arguments: [try JSONColumn.encode(p.spec), p.updatedAt.unixSeconds, try p.managedBy.map(JSONColumn.encode), name])
            return p
        }
    }

    public func deleteProject(named name: String) async throws {
        try await write { db in
            let apps = try String.fetchAll(db, sql: "SELECT name FROM app WHERE project = ? ORDER BY name LIMIT 6", arguments: [name])
            guard apps.isEmpty else {
                let shown = apps.prefix(5).joined(separator: ", ") + (apps.count > 5 ? ", …" : "")
                throw StoreError.conflict("project \"\(name)\" still has applications (\(shown)); delete them or move them to another project first")
            }
            try db.execute(sql: "DELETE FROM project WHERE name = ?", arguments: [name])
            if db.changesCount == 0 { throw StoreError.notFound("project \"\(name)\" not found") }
        }
    }
}

extension ProjectRecord {
    init(row: Row) throws {
        self.init(
            name: row["name"],
            spec: try JSONColumn.decode(ProjectSpec.self, from: row["spec"], column: "project.spec"),
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]),
            managedBy: try (row["managed_by"] as String?).map { try JSONColumn.decode(ManagedBy.self, from: $0, column: "project.managed_by") })
    }
}
