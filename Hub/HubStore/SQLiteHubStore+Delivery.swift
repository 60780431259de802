import Foundation
import GRDB
import HawserProtocol

extension SQLiteHubStore {
    // MARK: Agent status streams

    public func statusStreamPosition(clusterId: String, stream: String) async throws -> UInt64 {
        try await read { db in
            let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM status_stream WHERE cluster_id = ? AND stream = ?", arguments: [clusterId, stream])
            return UInt64(seq ?? 0)
        }
    }

    /// One write for the whole batch, which `GroupCommit` commits together with the statuses
    /// other agents report meanwhile (thousands a second cost a few fsyncs, not thousands).
    /// Each position is checked against the stream's stored one inside that transaction, so two
    /// connections of one agent racing cannot apply a status twice.
    public func saveStatuses(_ items: [StatusDelivery]) async throws -> [StatusDeliveryOutcome] {
        guard !items.isEmpty else { return [] }
        return try await write { db in
            var positions: [String: (stream: String, seq: UInt64)] = [:]
            var outcomes: [StatusDeliveryOutcome] = []
            outcomes.reserveCapacity(items.count)
            for item in items {
                let current: UInt64
                if let known = positions[item.clusterId], known.stream == item.stream {
                    current = known.seq
                } else {
                    let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT stream, seq FROM status_stream WHERE cluster_id = ?"), arguments: [item.clusterId])
                    current = row.flatMap { ($0["stream"] as String) == item.stream ? UInt64($0["seq"] as Int64) : nil } ?? 0
                }
                guard item.seq > current else {
                    outcomes.append(.duplicate)
                    continue
                }
                positions[item.clusterId] = (item.stream, item.seq)
                guard let status = item.status else {
                    outcomes.append(.skipped("no application"))
                    continue
                }
                do {
                    let previous = try Row.fetchOne(try db.cachedStatement(sql: "SELECT health, observed_generation, operation FROM app_status WHERE app_name = ? AND cluster_id = ?"),
                                                    arguments: [status.appName, status.clusterId]).map { row in
                        PreviousStatus(health: row["health"], observedGeneration: row["observed_generation"],
                                       operation: (row["operation"] as String?).flatMap { try? JSONColumn.decode(OperationState.self, from: $0, column: "app_status.operation") })
                    }
                    try db.cachedStatement(sql: AppStatusRecord.upsertSQL).execute(arguments: try status.arguments())
                    var recorded = false
                    if let records = item.operationRecords, let op = status.operation, !op.isSameRun(as: previous?.operation) {
                        try Self.addHistory(db, records.history, keep: records.keep)
                        try Self.appendAudit(db, records.audit)
                        recorded = true
                    }
                    outcomes.append(.stored(previous: previous, recordedOperation: recorded))
                } catch let error as DatabaseError where error.isForeignKeyViolation {
                    outcomes.append(.skipped("application \(status.appName) or its cluster is gone"))
                }
            }
            for (cluster, p) in positions {
                do {
                    try db.cachedStatement(sql: """
                        INSERT INTO status_stream (cluster_id, stream, seq) VALUES (?, ?, ?)
                        ON CONFLICT(cluster_id) DO UPDATE SET stream = excluded.stream, seq = excluded.seq
                        """).execute(arguments: [cluster, p.stream, Int64(clamping: p.seq)])
                } catch let error as DatabaseError where error.isForeignKeyViolation {
                    continue  // the cluster was deleted meanwhile
                }
            }
            return outcomes
        }
    }

    public func recordHeartbeats(_ beats: [String: Date]) async throws {
        try await write { db in
            for (id, at) in beats {
                try db.cachedStatement(sql: "UPDATE cluster SET last_heartbeat = ? WHERE id = ?").execute(arguments: [at.unixSeconds, id])
            }
        }
    }

    // MARK: Commands

    public func commandStreamID() async throws -> String {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT value FROM hub_meta WHERE key = 'command_stream'") ?? ""
        }
    }

    public func addCommand(_ c: CommandRecord) async throws -> CommandRecord {
        try await write { db in
            // The position: the microsecond it was issued, or one past the last position, if
            // that is higher. Never the next of a counter: a store restored from a backup
            // would hand out again positions that agents remember having handled (and skip
            // those commands); the clock has moved on since the backup was taken.
            let last = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'agent_command'") ?? 0
            let id = max(Int64(c.issuedAt.timeIntervalSince1970 * 1_000_000), last + 1)
            do {
                try db.execute(sql: """
                    INSERT INTO agent_command (id, cluster_id, app_name, wire_id, action, initiated_by, issued_at, expires_at, state, settled_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [id, c.clusterId, c.appName, c.wireID, c.action, c.initiatedBy, c.issuedAt.unixSeconds, c.expiresAt.unixSeconds,
                                     c.state.rawValue, c.settledAt?.unixSeconds])
            } catch let error as DatabaseError where error.isForeignKeyViolation {
                throw StoreError.notFound("application \"\(c.appName)\" or cluster \(c.clusterId) not found")
            }
            var saved = c
            saved.id = db.lastInsertedRowID
            return saved
        }
    }

    public func pendingCommands(clusterId: String) async throws -> [CommandRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM agent_command WHERE cluster_id = ? AND state = 'pending' ORDER BY id", arguments: [clusterId])
                .map(Self.commandRecord)
        }
    }

    public func settleCommand(clusterId: String, id: Int64, at: Date) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE agent_command SET state = 'delivered', settled_at = ? WHERE cluster_id = ? AND state = 'pending' AND id = ?",
                           arguments: [at.unixSeconds, clusterId, id])
        }
    }

    public func expireCommands(now: Date, forgetSettledBefore: Date) async throws -> [CommandRecord] {
        try await write { db in
            let due = try Row.fetchAll(db, sql: "SELECT * FROM agent_command WHERE state = 'pending' AND expires_at <= ? ORDER BY id", arguments: [now.unixSeconds])
                .map(Self.commandRecord)
            if !due.isEmpty {
                try db.execute(sql: "UPDATE agent_command SET state = 'expired', settled_at = ? WHERE state = 'pending' AND expires_at <= ?",
                               arguments: [now.unixSeconds, now.unixSeconds])
            }
            try db.execute(sql: "DELETE FROM agent_command WHERE state != 'pending' AND settled_at < ?", arguments: [forgetSettledBefore.unixSeconds])
            return due.map {
                var c = $0
                c.state = .expired
                c.settledAt = now
                return c
            }
        }
    }

    public func commands(app: String, limit: Int) async throws -> [CommandRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM agent_command WHERE app_name = ? ORDER BY id DESC LIMIT ?", arguments: [app, limit])
                .map(Self.commandRecord)
        }
    }

    static func commandRecord(_ row: Row) -> CommandRecord {
        CommandRecord(id: row["id"], clusterId: row["cluster_id"], appName: row["app_name"], wireID: row["wire_id"], action: row["action"],
                      initiatedBy: row["initiated_by"], issuedAt: Date(timeIntervalSince1970: row["issued_at"]),
                      expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
                      state: CommandRecord.State(rawValue: row["state"]) ?? .pending,
                      settledAt: (row["settled_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}
