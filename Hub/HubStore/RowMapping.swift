import Foundation
import GRDB
import HawserProtocol

/// Explicit column-by-column mapping between records and rows. Written by hand rather than via
/// GRDB's Codable records so the public records stay free of GRDB conformances and the column
/// names match the PostgreSQL schema exactly.

private func date(_ row: Row, _ column: String) -> Date {
    Date(timeIntervalSince1970: row[column] as Double)
}

private func optionalDate(_ row: Row, _ column: String) -> Date? {
    (row[column] as Double?).map(Date.init(timeIntervalSince1970:))
}

extension ClusterRecord {
    static let insertSQL = """
        INSERT INTO cluster (id, name, labels, state, created_at, certificate_serial, previous_certificate_serial,
            certificate_not_after, agent_version, kubernetes_version, connected, last_heartbeat, last_seen_address)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    static let updateSQL = """
        UPDATE cluster SET name = ?, labels = ?, state = ?, created_at = ?, certificate_serial = ?,
            previous_certificate_serial = ?, certificate_not_after = ?, agent_version = ?, kubernetes_version = ?, connected = ?,
            last_heartbeat = ?, last_seen_address = ?
        WHERE id = ?
        """

    init(row: Row) throws {
        let stateText: String = row["state"]
        guard let state = State(rawValue: stateText) else {
            throw StoreCorruption(column: "cluster.state", reason: "holds unknown state \"\(stateText)\"")
        }
        self.init(
            id: row["id"], name: row["name"],
            labels: try JSONColumn.decode([String: String].self, from: row["labels"], column: "cluster.labels"),
            state: state, createdAt: date(row, "created_at"),
            certificateSerial: row["certificate_serial"], previousCertificateSerial: row["previous_certificate_serial"],
            certificateNotAfter: optionalDate(row, "certificate_not_after"),
            agentVersion: row["agent_version"], kubernetesVersion: row["kubernetes_version"],
            connected: row["connected"], lastHeartbeat: optionalDate(row, "last_heartbeat"),
            lastSeenAddress: row["last_seen_address"])
    }

    /// Every column but `id`, in `updateSQL` order.
    func valueArguments() throws -> StatementArguments {
        [name, try JSONColumn.encode(labels), state.rawValue, createdAt.unixSeconds, certificateSerial,
         previousCertificateSerial, certificateNotAfter?.unixSeconds, agentVersion, kubernetesVersion, connected,
         lastHeartbeat?.unixSeconds, lastSeenAddress]
    }

    func insertArguments() throws -> StatementArguments {
        var arguments: StatementArguments = [id]
        arguments += try valueArguments()
        return arguments
    }
}

extension BootstrapTokenRecord {
    init(row: Row) {
        self.init(tokenHash: row["token_hash"], clusterId: row["cluster_id"], createdAt: date(row, "created_at"),
                  expiresAt: date(row, "expires_at"), usedAt: optionalDate(row, "used_at"))
    }
}

extension AppRecord {
    static let insertSQL = """
        INSERT INTO app (project, repo_url, path, target_revision, cluster, namespace, auto_sync, self_heal, prune,
            sync_settings, labels, created_at, updated_at, refresh_requested_at, parent, cluster_selector, managed_by, name)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    static let updateSQL = """
        UPDATE app SET project = ?, repo_url = ?, path = ?, target_revision = ?, cluster = ?, namespace = ?,
            auto_sync = ?, self_heal = ?, prune = ?, sync_settings = ?, labels = ?, created_at = ?, updated_at = ?, refresh_requested_at = ?,
            parent = ?, cluster_selector = ?, managed_by = ?
        WHERE name = ?
        """

    /// Sync options, retry and ignored differences share one JSON column: they are read and
    /// written together, and new settings do not need a migration each.
    struct SyncSettings: Codable {
        var syncOptions: [String]?
        var retry: RetryPolicy?
        var ignoreDifferences: [IgnoreDifference]?
        var revisionHistoryLimit: Int?
        var rollback: RollbackPin?
        var source: SourceOptions?
        var rollout: RolloutStrategy?
    }

    init(row: Row) throws {
        let settings = try JSONColumn.decode(SyncSettings.self, from: row["sync_settings"], column: "app.sync_settings")
        self.init(
            name: row["name"], project: row["project"], repoURL: row["repo_url"], path: row["path"],
            targetRevision: row["target_revision"], cluster: row["cluster"], namespace: row["namespace"],
            autoSync: row["auto_sync"], selfHeal: row["self_heal"], prune: row["prune"],
            syncOptions: settings.syncOptions ?? [], retry: settings.retry, ignoreDifferences: settings.ignoreDifferences ?? [],
            revisionHistoryLimit: settings.revisionHistoryLimit ?? 10, rollback: settings.rollback,
            labels: try JSONColumn.decode([String: String].self, from: row["labels"], column: "app.labels"),
            source: settings.source ?? SourceOptions(), rollout: settings.rollout,
            createdAt: date(row, "created_at"), updatedAt: date(row, "updated_at"),
            refreshRequestedAt: optionalDate(row, "refresh_requested_at"),
            parent: row["parent"], clusterSelector: row["cluster_selector"],
            managedBy: try (row["managed_by"] as String?).map { try JSONColumn.decode(ManagedBy.self, from: $0, column: "app.managed_by") })
    }

    /// Shared by `insertSQL` and `updateSQL`: every column, `name` last.
    func arguments() throws -> StatementArguments {
        let settings = try JSONColumn.encode(SyncSettings(syncOptions: syncOptions, retry: retry, ignoreDifferences: ignoreDifferences,
                                                          revisionHistoryLimit: revisionHistoryLimit, rollback: rollback,
                                                          source: source.isEmpty ? nil : source, rollout: rollout))
        return [project, repoURL, path, targetRevision, cluster, namespace, autoSync, selfHeal, prune, settings, try JSONColumn.encode(labels),
                createdAt.unixSeconds, updatedAt.unixSeconds, refreshRequestedAt?.unixSeconds, parent, clusterSelector,
                try managedBy.map(JSONColumn.encode), name]
    }
}

extension AppRenderRecord {
    static let upsertSQL = """
        INSERT OR REPLACE INTO app_render (app_name, revision, commit_info, manifests, bundle, manifests_digest, conditions,
            rendered_at, generation)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    init(row: Row) throws {
        let commitText: String? = row["commit_info"]
        self.init(
            appName: row["app_name"], revision: row["revision"],
            commit: try commitText.map { try JSONColumn.decode(RenderedCommit.self, from: $0, column: "app_render.commit_info") },
            // Rows written since bundles existed name one; older rows hold their manifests inline.
            manifests: try JSONColumn.decode([Manifest].self, from: (row["bundle_manifests"] as String?) ?? row["manifests"], column: "app_render.manifests"),
            manifestsDigest: row["manifests_digest"],
            conditions: try JSONColumn.decode([AppCondition].self, from: row["conditions"], column: "app_render.conditions"),
            renderedAt: date(row, "rendered_at"), generation: row["generation"])
    }
}

extension AppStatusRecord {
    static let upsertSQL = """
        INSERT INTO app_status (app_name, cluster_id, revision, observed_generation, sync, health, resources, conditions,
            message, operation_phase, operation, reported_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (app_name, cluster_id) DO UPDATE SET
            revision = excluded.revision, observed_generation = excluded.observed_generation, sync = excluded.sync, health = excluded.health,
            resources = excluded.resources, conditions = excluded.conditions, message = excluded.message,
            operation_phase = excluded.operation_phase, operation = excluded.operation, reported_at = excluded.reported_at
        """

    init(row: Row) throws {
        self.init(
            appName: row["app_name"], clusterId: row["cluster_id"], revision: row["revision"],
            observedGeneration: row["observed_generation"], sync: row["sync"], health: row["health"],
            resources: try JSONColumn.decode([ResourceStatus].self, from: row["resources"], column: "app_status.resources"),
            conditions: try JSONColumn.decode([AppCondition].self, from: row["conditions"], column: "app_status.conditions"),
            message: row["message"], operationPhase: row["operation_phase"],
            operation: try (row["operation"] as String?).map { try JSONColumn.decode(OperationState.self, from: $0, column: "app_status.operation") },
            reportedAt: date(row, "reported_at"))
    }

    func arguments() throws -> StatementArguments {
        [appName, clusterId, revision, observedGeneration, sync, health, try JSONColumn.encode(resources), try JSONColumn.encode(conditions),
         message, operationPhase, try operation.map { try JSONColumn.encode($0) }, reportedAt.unixSeconds]
    }
}
