import Foundation
import GRDB

extension SQLiteHubStore {
    // MARK: Accounts

    public func account(named name: String) async throws -> AccountRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM account WHERE name = ?", arguments: [name]).map { row in
                AccountRecord(name: row["name"], passwordHash: row["password_hash"], enabled: row["enabled"],
                              createdAt: Date(timeIntervalSince1970: row["created_at"]), updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
            }
        }
    }

    public func saveAccount(_ a: AccountRecord) async throws {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO account (name, password_hash, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET password_hash = excluded.password_hash, enabled = excluded.enabled, updated_at = excluded.updated_at
                """, arguments: [a.name, a.passwordHash, a.enabled, a.createdAt.unixSeconds, a.updatedAt.unixSeconds])
        }
    }

    // MARK: API tokens

    public func addAPIToken(_ t: APITokenRecord) async throws {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO api_token (id, token_hash, subject, project, role, description, created_by, created_at, expires_at, revoked_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [t.id, t.tokenHash, t.subject, t.project, t.role, t.description, t.createdBy, t.createdAt.unixSeconds,
                                 t.expiresAt?.unixSeconds, t.revokedAt?.unixSeconds])
        }
    }

    public func apiToken(hash: String) async throws -> APITokenRecord? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM api_token WHERE token_hash = ?", arguments: [hash]).map(Self.apiToken) }
    }

    public func apiTokens() async throws -> [APITokenRecord] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_token ORDER BY created_at, id").map(Self.apiToken) }
    }

    public func revokeAPIToken(id: String, at: Date) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE api_token SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", arguments: [at.unixSeconds, id])
            if db.changesCount == 0 { throw StoreError.notFound("API token \(id) not found") }
        }
    }

    private static func apiToken(_ row: Row) -> APITokenRecord {
        APITokenRecord(id: row["id"], tokenHash: row["token_hash"], subject: row["subject"], project: row["project"], role: row["role"],
                       description: row["description"], createdBy: row["created_by"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
                       expiresAt: (row["expires_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                       revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    // MARK: Sessions

    public func addSession(_ s: SessionRecord) async throws {
        let groups = try JSONColumn.encode(s.groups)
        try await write { db in
            try db.execute(sql: "INSERT INTO session (id, subject, groups, method, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           arguments: [s.id, s.subject, groups, s.method, s.createdAt.unixSeconds, s.expiresAt.unixSeconds, s.revokedAt?.unixSeconds])
        }
    }

    public func session(id: String) async throws -> SessionRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM session WHERE id = ?", arguments: [id]).map { row in
                SessionRecord(id: row["id"], subject: row["subject"], groups: try JSONColumn.decode([String].self, from: row["groups"], column: "session.groups"),
                              method: row["method"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
                              expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
                              revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
            }
        }
    }

    public func revokeSession(id: String, at: Date) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE session SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", arguments: [at.unixSeconds, id])
            // Expired sessions are of no use to anyone: drop them while we are here.
            try db.execute(sql: "DELETE FROM session WHERE expires_at < ?", arguments: [at.unixSeconds - 86400])
        }
    }

    // MARK: Audit

    public func appendAudit(_ e: AuditRecord) async throws {
        let groups = try JSONColumn.encode(e.groups)
        try await write { db in
            try db.execute(sql: """
                INSERT INTO audit_event (at, actor, actor_groups, action, resource, object, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [e.at.unixSeconds, e.actor, groups, e.action, e.resource, e.object, e.outcome, e.detail])
        }
    }

    public func auditEvents(limit: Int, beforeID: Int64?) async throws -> [AuditRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_event WHERE id < ? ORDER BY id DESC LIMIT ?",
                             arguments: [beforeID ?? Int64.max, limit]).map { row in
                AuditRecord(id: row["id"], at: Date(timeIntervalSince1970: row["at"]), actor: row["actor"],
                            groups: (try? JSONColumn.decode([String].self, from: row["actor_groups"], column: "audit_event.actor_groups")) ?? [],
                            action: row["action"], resource: row["resource"], object: row["object"], outcome: row["outcome"], detail: row["detail"])
            }
        }
    }
}
