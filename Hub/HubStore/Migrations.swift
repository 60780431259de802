import Foundation
import GRDB
import HawserProtocol

/// The SQLite schema, as an ordered list of named migrations. A migration, once released, is
/// never edited: add a new one. GRDB records applied names in `grdb_migrations`, so reopening a
/// database runs only what is new.
///
/// Conventions (shared with the PostgreSQL schema): snake_case names; timestamps are REAL Unix
/// seconds; lists and maps are JSON text; booleans are 0/1 integers.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", migrate: v1)
        migrator.registerMigration("v2-projects", migrate: v2Projects)
        migrator.registerMigration("v3-auth", migrate: v3Auth)
        migrator.registerMigration("v4-audit-chain", migrate: v4AuditChain)
        migrator.registerMigration("v5-history", migrate: v5History)
        migrator.registerMigration("v6-app-labels", migrate: v6AppLabels)
        migrator.registerMigration("v7-status-indexes", migrate: v7StatusIndexes)
        migrator.registerMigration("v8-repositories", migrate: v8Repositories)
        migrator.registerMigration("v9-fleet", migrate: v9Fleet)
        migrator.registerMigration("v10-bundles", migrate: v10Bundles)
        migrator.registerMigration("v11-delivery", migrate: v11Delivery)
        migrator.registerMigration("v12-config-repos", migrate: v12ConfigRepos)
        return migrator
    }

    static func v1(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE cluster (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL UNIQUE,
                labels TEXT NOT NULL DEFAULT '{}',
                state TEXT NOT NULL,
                created_at REAL NOT NULL,
                certificate_serial TEXT,
                previous_certificate_serial TEXT,
                certificate_not_after REAL,
                agent_version TEXT,
                kubernetes_version TEXT,
                connected INTEGER NOT NULL DEFAULT 0,
                last_heartbeat REAL,
                last_seen_address TEXT
            );
            CREATE TABLE bootstrap_token (
                token_hash TEXT PRIMARY KEY NOT NULL,
                cluster_id TEXT NOT NULL REFERENCES cluster(id) ON DELETE CASCADE,
                created_at REAL NOT NULL,
                expires_at REAL NOT NULL,
                used_at REAL
            );
            CREATE INDEX bootstrap_token_cluster ON bootstrap_token(cluster_id);
            CREATE TABLE app (
                name TEXT PRIMARY KEY NOT NULL,
                project TEXT NOT NULL DEFAULT 'default',
                repo_url TEXT NOT NULL,
                path TEXT NOT NULL,
                target_revision TEXT NOT NULL,
                cluster TEXT NOT NULL,
                namespace TEXT NOT NULL,
                auto_sync INTEGER NOT NULL DEFAULT 0,
                self_heal INTEGER NOT NULL DEFAULT 0,
                prune INTEGER NOT NULL DEFAULT 0,
                sync_settings TEXT NOT NULL DEFAULT '{}',
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                refresh_requested_at REAL
            );
            CREATE INDEX app_cluster ON app(cluster);
            CREATE TABLE app_render (
                app_name TEXT PRIMARY KEY NOT NULL REFERENCES app(name) ON DELETE CASCADE,
                revision TEXT,
                commit_info TEXT,
                manifests TEXT NOT NULL,
                manifests_digest TEXT NOT NULL,
                conditions TEXT NOT NULL DEFAULT '[]',
                rendered_at REAL NOT NULL,
                generation INTEGER NOT NULL
            );
            CREATE TABLE app_status (
                app_name TEXT NOT NULL REFERENCES app(name) ON DELETE CASCADE,
                cluster_id TEXT NOT NULL REFERENCES cluster(id) ON DELETE CASCADE,
                revision TEXT,
                observed_generation INTEGER,
                sync TEXT NOT NULL,
                health TEXT NOT NULL,
                resources TEXT NOT NULL DEFAULT '[]',
                conditions TEXT NOT NULL DEFAULT '[]',
                message TEXT,
                operation_phase TEXT,
                operation TEXT,
                reported_at REAL NOT NULL,
                PRIMARY KEY (app_name, cluster_id)
            );
            CREATE INDEX app_status_cluster ON app_status(cluster_id);
            CREATE TABLE admin_token (
                hash TEXT PRIMARY KEY NOT NULL,
                created_at REAL NOT NULL
            );
            """)
    }

    /// Projects (tenants), with the `default` project every hub has: as permissive as Argo
    /// CD's, so apps created before projects existed keep working.
    static func v2Projects(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE project (
                name TEXT PRIMARY KEY NOT NULL,
                spec TEXT NOT NULL,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE INDEX app_project ON app(project);
            """)
        let now = Date().timeIntervalSince1970
        try db.execute(sql: "INSERT INTO project (name, spec, created_at, updated_at) VALUES ('default', ?, ?, ?)",
                       arguments: [try JSONColumn.encode(ProjectSpec.permissive), now, now])
    }

    /// Local accounts, API tokens, login sessions and the audit trail.
    static func v3Auth(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE account (
                name TEXT PRIMARY KEY NOT NULL,
                password_hash TEXT,
                enabled INTEGER NOT NULL DEFAULT 1,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE TABLE api_token (
                id TEXT PRIMARY KEY NOT NULL,
                token_hash TEXT NOT NULL UNIQUE,
                subject TEXT NOT NULL,
                project TEXT,
                role TEXT,
                description TEXT,
                created_by TEXT NOT NULL,
                created_at REAL NOT NULL,
                expires_at REAL,
                revoked_at REAL
            );
            CREATE TABLE session (
                id TEXT PRIMARY KEY NOT NULL,
                subject TEXT NOT NULL,
                groups TEXT NOT NULL DEFAULT '[]',
                method TEXT NOT NULL,
                created_at REAL NOT NULL,
                expires_at REAL NOT NULL,
                revoked_at REAL
            );
            CREATE TABLE audit_event (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                at REAL NOT NULL,
                actor TEXT NOT NULL,
                actor_groups TEXT NOT NULL DEFAULT '[]',
                action TEXT NOT NULL,
                resource TEXT NOT NULL,
                object TEXT NOT NULL,
                outcome TEXT NOT NULL,
                detail TEXT
            );
            CREATE INDEX audit_event_at ON audit_event(at);
            """)
    }

    /// The audit trail becomes a hash chain; entries written before are chained in id order.
    static func v4AuditChain(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE audit_event ADD COLUMN prev_hash TEXT; ALTER TABLE audit_event ADD COLUMN hash TEXT;")
        var previous: String?
        for id in try Int64.fetchAll(db, sql: "SELECT id FROM audit_event ORDER BY id") {
            try db.execute(sql: "UPDATE audit_event SET prev_hash = ? WHERE id = ?", arguments: [previous, id])
            let row = try Row.fetchOne(db, sql: "SELECT * FROM audit_event WHERE id = ?", arguments: [id])!
            let hash = AuditChain.hash(row)
            try db.execute(sql: "UPDATE audit_event SET hash = ? WHERE id = ?", arguments: [hash, id])
            previous = hash
        }
    }

    /// Past deployments per app, for `hawser app history` and rollback.
    static func v5History(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE app_history (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                app_name TEXT NOT NULL REFERENCES app(name) ON DELETE CASCADE,
                cluster TEXT NOT NULL,
                revision TEXT NOT NULL,
                manifests_digest TEXT,
                initiated_by TEXT NOT NULL,
                started_at REAL NOT NULL,
                deployed_at REAL NOT NULL,
                result TEXT NOT NULL,
                message TEXT
            );
            CREATE INDEX app_history_app ON app_history(app_name, id);
            """)
    }

    static func v6AppLabels(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE app ADD COLUMN labels TEXT NOT NULL DEFAULT '{}'")
    }

    /// Covering indexes for counts and filters by status: SQLite answers them from the indexes
    /// without reading the rows' large JSON columns (manifests, resources). The render index is
    /// named in the query (`INDEXED BY`): the planner prefers the primary key's otherwise.
    static func v7StatusIndexes(_ db: Database) throws {
        try db.execute(sql: """
            CREATE INDEX app_render_status ON app_render(app_name, revision, generation);
            CREATE INDEX app_status_status ON app_status(app_name, sync, health, observed_generation);
            CREATE INDEX app_project_cluster ON app(name, project, cluster);
            """)
    }

    /// Registered Git repositories (`hawser repo add`); the secret column holds AES-GCM
    /// ciphertext only.
    static func v8Repositories(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE repository (
                normalized_url TEXT PRIMARY KEY NOT NULL,
                url TEXT NOT NULL,
                username TEXT,
                sealed_secret BLOB,
                has_password INTEGER NOT NULL DEFAULT 0,
                has_ssh_key INTEGER NOT NULL DEFAULT 0,
                insecure INTEGER NOT NULL DEFAULT 0,
                ssh_known_hosts TEXT NOT NULL DEFAULT '[]',
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE INDEX app_repo_url ON app(repo_url);
            """)
    }

    /// Fleet applications (a cluster selector instead of one cluster) and the per-cluster
    /// deployments they fan out to, which name their parent.
    static func v9Fleet(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE app ADD COLUMN parent TEXT REFERENCES app(name) ON DELETE CASCADE;
            ALTER TABLE app ADD COLUMN cluster_selector TEXT;
            CREATE INDEX app_parent ON app(parent);
            """)
    }

    /// Rendered manifests stored once per content (`bundle`, keyed by the SHA-256 of their
    /// JSON): a fleet app's thousands of deployments, or apps sharing a source, share one copy.
    /// A bundle no render refers to any more is deleted with the last render that did.
    static func v10Bundles(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE bundle (
                digest TEXT PRIMARY KEY NOT NULL,
                manifests TEXT NOT NULL
            );
            ALTER TABLE app_render ADD COLUMN bundle TEXT;
            CREATE INDEX app_render_bundle ON app_render(bundle);
            CREATE TRIGGER app_render_bundle_gc AFTER DELETE ON app_render WHEN OLD.bundle IS NOT NULL
            BEGIN
                DELETE FROM bundle WHERE digest = OLD.bundle AND NOT EXISTS (SELECT 1 FROM app_render WHERE bundle = OLD.bundle);
            END;
            """)
        for row in try Row.fetchAll(db, sql: "SELECT app_name, manifests FROM app_render") {
            let text: String = row["manifests"]
            let digest = SQLiteHubStore.bundleDigest(text)
            try db.execute(sql: "INSERT OR IGNORE INTO bundle (digest, manifests) VALUES (?, ?)", arguments: [digest, text])
            try db.execute(sql: "UPDATE app_render SET bundle = ?, manifests = '' WHERE app_name = ?", arguments: [digest, row["app_name"] as String])
        }
    }

    /// Delivery guarantees (PROTOCOL.md, Delivery): how far each agent's status stream is
    /// stored, commands kept until acknowledged or expired, and this store's command stream id
    /// (a new store is a new stream, so agents do not mistake its numbers for old ones).
    static func v11Delivery(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE status_stream (
                cluster_id TEXT PRIMARY KEY NOT NULL REFERENCES cluster(id) ON DELETE CASCADE,
                stream TEXT NOT NULL,
                seq INTEGER NOT NULL
            );
            CREATE TABLE agent_command (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                cluster_id TEXT NOT NULL REFERENCES cluster(id) ON DELETE CASCADE,
                app_name TEXT NOT NULL REFERENCES app(name) ON DELETE CASCADE,
                wire_id TEXT NOT NULL,
                action TEXT NOT NULL,
                initiated_by TEXT NOT NULL,
                issued_at REAL NOT NULL,
                expires_at REAL NOT NULL,
                state TEXT NOT NULL,
                settled_at REAL
            );
            CREATE INDEX agent_command_pending ON agent_command(cluster_id, state, id);
            CREATE INDEX agent_command_app ON agent_command(app_name, id);
            CREATE INDEX agent_command_expiry ON agent_command(state, expires_at);
            CREATE TABLE hub_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
            """)
        try db.execute(sql: "INSERT INTO hub_meta (key, value) VALUES ('command_stream', ?)", arguments: [UUID().uuidString.lowercased()])
    }

    /// Config repositories, and which of them defines each app and project.
    static func v12ConfigRepos(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE config_repo (
                name TEXT PRIMARY KEY NOT NULL,
                url TEXT NOT NULL,
                path TEXT NOT NULL,
                revision TEXT NOT NULL,
                prune INTEGER NOT NULL,
                server_clusters TEXT NOT NULL,
                created_at REAL NOT NULL,
                created_by TEXT NOT NULL,
                state TEXT NOT NULL
            );
            ALTER TABLE app ADD COLUMN managed_by TEXT;
            ALTER TABLE project ADD COLUMN managed_by TEXT;
            """)
    }
}
