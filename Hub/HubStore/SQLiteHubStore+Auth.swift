import Crypto
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

    /// Ends every live session of `subject`; returns how many.
    public func revokeSessions(subject: String, at: Date) async throws -> Int {
        try await write { db in
            try db.execute(sql: "UPDATE session SET revoked_at = ? WHERE subject = ? AND revoked_at IS NULL AND expires_at > ?",
                           arguments: [at.unixSeconds, subject, at.unixSeconds])
            return db.changesCount
        }
    }

    // MARK: Audit

    /// Appends in one transaction with the read of the previous entry's hash, so concurrent
    /// writers cannot fork the chain.
    public func appendAudit(_ e: AuditRecord) async throws {
        try await write { db in try Self.appendAudit(db, e) }
    }

    /// Appends to the hash chain inside the caller's transaction.
    static func appendAudit(_ db: Database, _ e: AuditRecord) throws {
        let groups = try JSONColumn.encode(e.groups)
        let previous = try String.fetchOne(db, sql: "SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1")
        try db.execute(sql: """
            INSERT INTO audit_event (at, actor, actor_groups, action, resource, object, outcome, detail, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [e.at.unixSeconds, e.actor, groups, e.action, e.resource, e.object, e.outcome, e.detail, previous])
        let id = db.lastInsertedRowID
        let row = try Row.fetchOne(db, sql: "SELECT * FROM audit_event WHERE id = ?", arguments: [id])!
        try db.execute(sql: "UPDATE audit_event SET hash = ? WHERE id = ?", arguments: [AuditChain.hash(row), id])
    }

    public func auditEvents(limit: Int, beforeID: Int64?) async throws -> [AuditRecord] {
        try await auditEvents(limit: limit, beforeID: beforeID, filter: AuditFilter())
    }

    public func auditEvents(limit: Int, beforeID: Int64?, filter f: AuditFilter) async throws -> [AuditRecord] {
        var clauses = ["id < ?"]
        var args: [(any DatabaseValueConvertible)?] = [beforeID ?? Int64.max]
        if let actor = f.actor { clauses.append("actor = ?"); args.append(actor) }
        if let app = f.app { clauses.append("resource = 'applications' AND object LIKE ?"); args.append("%/" + app) }
        if let project = f.project {
            clauses.append("((resource = 'applications' AND object LIKE ?) OR (resource = 'projects' AND object = ?))")
            args += [project + "/%", project]
        }
        if let cluster = f.cluster {
            clauses.append("((resource = 'clusters' AND object = ?) OR detail LIKE ?)")
            args += [cluster, "cluster " + cluster + ",%"]
        }
        if let since = f.since { clauses.append("at >= ?"); args.append(since.unixSeconds) }
        if let until = f.until { clauses.append("at < ?"); args.append(until.unixSeconds) }
        args.append(limit)
        let sql = "SELECT * FROM audit_event WHERE " + clauses.joined(separator: " AND ") + " ORDER BY id DESC LIMIT ?"
        let arguments = StatementArguments(args.map { $0?.databaseValue ?? .null })
        return try await read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(AuditChain.record) }
    }

    /// Walks the whole chain in id order and names the first entry that does not fit.
    public func verifyAudit() async throws -> AuditVerification {
        try await read { db in
            var count = 0
            var previous: String?
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM audit_event ORDER BY id")
            while let row = try rows.next() {
                count += 1
                let id: Int64 = row["id"]
                let stored: String? = row["hash"]
                let prev: String? = row["prev_hash"]
                if prev != previous {
                    return AuditVerification(entries: count, firstBrokenID: id,
                                             problem: "its link to the previous entry does not match: an entry before it was removed, inserted or changed")
                }
                if stored != AuditChain.hash(row) {
                    return AuditVerification(entries: count, firstBrokenID: id, problem: "its content does not match its hash: the entry was changed")
                }
                previous = stored
            }
            return AuditVerification(entries: count, firstBrokenID: nil, problem: nil)
        }
    }
}

/// The audit trail's hash chain: each entry's SHA-256 covers its own fields (as stored) and the
/// previous entry's hash, so editing, removing or inserting an entry breaks every later link.
enum AuditChain {
    static func hash(_ row: Row) -> String {
        let at: Double = row["at"]
        let id: Int64 = row["id"]
        let fields: [String] = [
            String(id), String(describing: at), row["actor"], row["actor_groups"], row["action"], row["resource"], row["object"],
            row["outcome"], (row["detail"] as String?) ?? "", (row["prev_hash"] as String?) ?? "",
        ]
        let digest = SHA256.hash(data: Array(fields.joined(separator: "\u{1F}").utf8))
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    static func record(_ row: Row) -> AuditRecord {
        AuditRecord(id: row["id"], at: Date(timeIntervalSince1970: row["at"]), actor: row["actor"],
                    groups: (try? JSONColumn.decode([String].self, from: row["actor_groups"], column: "audit_event.actor_groups")) ?? [],
                    action: row["action"], resource: row["resource"], object: row["object"], outcome: row["outcome"], detail: row["detail"],
                    previousHash: row["prev_hash"], hash: row["hash"])
    }
}
