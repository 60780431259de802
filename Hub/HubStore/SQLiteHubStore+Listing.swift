import Foundation
import GRDB
import HawserProtocol

/// What an application list row needs, read in one query without the rendered manifests or the
/// per-resource rows (the heavy columns): lists of thousands of apps stay cheap.
public struct AppListing: Sendable {
    public var app: AppRecord
    public var renderRevision: String?
    public var commit: RenderedCommit?
    public var renderConditions: [AppCondition]
    public var generation: Int?
    public var statusRevision: String?
    public var observedGeneration: Int?
    public var sync: String?
    public var health: String?
    public var statusConditions: [AppCondition]
    public var message: String?
    public var operationPhase: String?
    public var reportedAt: Date?
}

/// One app's status as counted by summaries and metrics.
public struct AppStatusRow: Sendable {
    public var name: String
    /// Set on a fleet's per-cluster deployment.
    public var parent: String?
    /// A fleet application (its status is its deployments').
    public var fleet: Bool
    public var project: String
    public var cluster: String
    public var sync: String?
    public var health: String?
    public var observedGeneration: Int?
    public var generation: Int?
    public var rendered: Bool
}

/// The hub's rule for an effective status (`Hub.effectiveStatus`) as a SQL condition, for
/// filters that must not read every row into Swift: no report or no render is Unknown; a
/// report about an older render generation is OutOfSync; otherwise what the agent reported.
enum EffectiveStatusSQL {
    static let reported = "s.sync IS NOT NULL AND r.revision IS NOT NULL"
}

/// Filters a store can apply in SQL.
public struct AppListQuery: Sendable, Hashable {
    public var project: String?
    public var cluster: String?
    public var namePrefix: String?
    /// Only apps whose effective sync is `Synced` or `OutOfSync` (the hub's rule: a report about
    /// an older render generation is OutOfSync). Other values are not filtered here.
    public var sync: String?
    /// Only apps with this reported health (not `Unknown`, which is not filtered here).
    public var health: String?
    public init(project: String? = nil, cluster: String? = nil, namePrefix: String? = nil, sync: String? = nil, health: String? = nil) {
        self.project = project
        self.cluster = cluster
        self.namePrefix = namePrefix
        self.sync = sync
        self.health = health
    }
}

extension SQLiteHubStore {
    /// Apps in name order after `afterName`, at most `limit`.
    public func appListings(_ q: AppListQuery, afterName: String?, limit: Int) async throws -> [AppListing] {
        // Fleet deployments are listed under their fleet application, not on their own.
        var clauses = ["a.name > ?", "a.parent IS NULL"]
        var args: [DatabaseValue] = [(afterName ?? "").databaseValue]
        if let p = q.project { clauses.append("a.project = ?"); args.append(p.databaseValue) }
        if let c = q.cluster {
            // A fleet app is on a cluster when it has a deployment there.
            clauses.append("(a.cluster = ? OR (a.cluster_selector IS NOT NULL AND EXISTS (SELECT 1 FROM app d WHERE d.parent = a.name AND d.cluster = ?)))")
            args += [c.databaseValue, c.databaseValue]
        }
        if let n = q.namePrefix, !n.isEmpty {
            clauses.append("substr(a.name, 1, ?) = ?")
            args += [n.count.databaseValue, n.databaseValue]
        }
        // The effective status in SQL, so a filter for a rare state reads one page, not the table.
        let reported = EffectiveStatusSQL.reported
        // A fleet application's status is its deployments': the caller filters those rows.
        let fleet = "a.cluster_selector IS NOT NULL"
        switch q.sync {
        case "Synced": clauses.append("(\(fleet) OR (\(reported) AND s.observed_generation IS r.generation AND s.sync = 'Synced'))")
        case "OutOfSync": clauses.append("(\(fleet) OR (\(reported) AND (s.observed_generation IS NOT r.generation OR s.sync = 'OutOfSync')))")
        default: break
        }
        if let h = q.health, h != "Unknown" {
            clauses.append("(\(fleet) OR (\(reported) AND s.health = ?))")
            args.append(h.databaseValue)
        }
        args.append(limit.databaseValue)
        let sql = """
            SELECT a.*, r.revision AS r_revision, r.commit_info AS r_commit, r.conditions AS r_conditions, r.generation AS r_generation,
                   s.revision AS s_revision, s.observed_generation AS s_generation, s.sync AS s_sync, s.health AS s_health,
                   s.conditions AS s_conditions, s.message AS s_message, s.operation_phase AS s_phase, s.reported_at AS s_reported
            FROM app a LEFT JOIN app_render r ON r.app_name = a.name LEFT JOIN app_status s ON s.app_name = a.name
            WHERE \(clauses.joined(separator: " AND ")) ORDER BY a.name LIMIT ?
            """
        let arguments = StatementArguments(args)
        return try await read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                AppListing(
                    app: try AppRecord(row: row),
                    renderRevision: row["r_revision"],
                    commit: try (row["r_commit"] as String?).map { try JSONColumn.decode(RenderedCommit.self, from: $0, column: "app_render.commit_info") },
                    renderConditions: try (row["r_conditions"] as String?).map { try JSONColumn.decode([AppCondition].self, from: $0, column: "app_render.conditions") } ?? [],
                    generation: row["r_generation"],
                    statusRevision: row["s_revision"], observedGeneration: row["s_generation"], sync: row["s_sync"], health: row["s_health"],
                    statusConditions: try (row["s_conditions"] as String?).map { try JSONColumn.decode([AppCondition].self, from: $0, column: "app_status.conditions") } ?? [],
                    message: row["s_message"], operationPhase: row["s_phase"],
                    reportedAt: (row["s_reported"] as Double?).map(Date.init(timeIntervalSince1970:)))
            }
        }
    }

    public func appStatusRows() async throws -> [AppStatusRow] {
        try await read { db in
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT a.name, a.project, a.cluster, s.sync, s.health, s.observed_generation, r.generation, r.revision IS NOT NULL,
                       a.parent, a.cluster_selector IS NOT NULL
                FROM app a LEFT JOIN app_render r INDEXED BY app_render_status ON r.app_name = a.name
                LEFT JOIN app_status s ON s.app_name = a.name
                """)
            var rows: [AppStatusRow] = []
            while let row = try cursor.next() { rows.append(Self.statusRow(row)) }
            return rows
        }
    }

    public func deploymentStatusRows(parents: [String]) async throws -> [AppStatusRow] {
        guard !parents.isEmpty else { return [] }
        return try await read { db in
            let marks = Array(repeating: "?", count: parents.count).joined(separator: ", ")
            return try Row.fetchAll(db, sql: """
                SELECT a.name, a.project, a.cluster, s.sync, s.health, s.observed_generation, r.generation, r.revision IS NOT NULL,
                       a.parent, 0
                FROM app a LEFT JOIN app_render r INDEXED BY app_render_status ON r.app_name = a.name
                LEFT JOIN app_status s ON s.app_name = a.name
                WHERE a.parent IN (\(marks)) ORDER BY a.name
                """, arguments: StatementArguments(parents)).map(Self.statusRow)
        }
    }

    public func children(of parent: String) async throws -> [AppRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM app WHERE parent = ? ORDER BY name", arguments: [parent]).map(AppRecord.init(row:))
        }
    }

    static func statusRow(_ row: Row) -> AppStatusRow {
        AppStatusRow(name: row[0], parent: row[8], fleet: row[9] ?? false, project: row[1], cluster: row[2], sync: row[3], health: row[4],
                     observedGeneration: row[5], generation: row[6], rendered: row[7] ?? false)
    }

    public func appCountsByProject() async throws -> [String: Int] {
        try await read { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT project, COUNT(*) FROM app WHERE parent IS NULL GROUP BY project") { out[row[0]] = row[1] }
            return out
        }
    }
}
