import Foundation
import Crypto
import GRDB
import HawserProtocol

/// `HubStore` in one SQLite file (the hub's `<data-dir>/hawser.db`), for a single hub.
///
/// A GRDB `DatabasePool` in WAL mode: reads run concurrently with the one writer, and GRDB runs
/// every access on its own dispatch queues, so the async methods never block Swift
/// concurrency's cooperative threads. Each write is one transaction.
public final class SQLiteHubStore: HubStore {
    let pool: DatabasePool
    public let path: String
    let commits: GroupCommit

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    ///
    /// A new file is created with mode 0600 before SQLite opens it (SQLite gives its `-wal` and
    /// `-shm` files the same mode): it holds token hashes and cluster identities. An existing
    /// file's mode is left as the operator set it.
    public init(path: String) throws {
        self.path = path
        try Self.createPrivateFile(at: path)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        try Migrations.migrator.migrate(pool)
        commits = GroupCommit(pool: pool)
    }

    private static func createPrivateFile(at path: String) throws {
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if fd >= 0 {
            close(fd)
            return
        }
        guard errno == EEXIST else {
            throw StoreOpenError(path: path, reason: String(cString: strerror(errno)))
        }
    }

    // MARK: Clusters

    public func createCluster(_ c: ClusterRecord) async throws {
        try await write { db in
            do {
                try db.execute(sql: ClusterRecord.insertSQL, arguments: try c.insertArguments())
            } catch let error as DatabaseError where error.isUniqueViolation {
                throw StoreError.conflict(Self.clusterConflict(db, c))
            }
        }
    }

    private static func clusterConflict(_ db: Database, _ c: ClusterRecord) -> String {
        if (try? Row.fetchOne(db, sql: "SELECT 1 FROM cluster WHERE name = ?", arguments: [c.name])) != nil {
            return "cluster \"\(c.name)\" already exists"
        }
        return "a cluster with id \(c.id) already exists"
    }

    public func cluster(named name: String) async throws -> ClusterRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM cluster WHERE name = ?", arguments: [name]).map(ClusterRecord.init(row:))
        }
    }

    public func cluster(id: String) async throws -> ClusterRecord? {
        try await read { db in try Self.cluster(db, id: id) }
    }

    private static func cluster(_ db: Database, id: String) throws -> ClusterRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM cluster WHERE id = ?", arguments: [id]).map(ClusterRecord.init(row:))
    }

    public func clusters() async throws -> [ClusterRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM cluster ORDER BY name").map(ClusterRecord.init(row:))
        }
    }

    @discardableResult
    public func updateCluster(id: String, _ change: @escaping @Sendable (inout ClusterRecord) -> Void) async throws -> ClusterRecord {
        try await write { db in
            guard var record = try Self.cluster(db, id: id) else {
                throw StoreError.notFound("cluster with id \(id) not found")
            }
            change(&record)
            record.id = id
            var arguments = try record.valueArguments()
            arguments += [id]
            do {
                try db.execute(sql: ClusterRecord.updateSQL, arguments: arguments)
            } catch let error as DatabaseError where error.isUniqueViolation {
                throw StoreError.conflict("cluster \"\(record.name)\" already exists")
            }
            return record
        }
    }

    public func deleteCluster(id: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM cluster WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw StoreError.notFound("cluster with id \(id) not found") }
        }
    }

    // MARK: Bootstrap tokens

    public func addBootstrapToken(_ t: BootstrapTokenRecord) async throws {
        try await write { db in
            do {
                try db.execute(
                    sql: "INSERT INTO bootstrap_token (token_hash, cluster_id, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [t.tokenHash, t.clusterId, t.createdAt.unixSeconds, t.expiresAt.unixSeconds, t.usedAt?.unixSeconds])
            } catch let error as DatabaseError where error.isUniqueViolation {
                throw StoreError.conflict("bootstrap token already stored")
            } catch let error as DatabaseError where error.isForeignKeyViolation {
                throw StoreError.notFound("cluster with id \(t.clusterId) not found")
            }
        }
    }

    public func consumeBootstrapToken(hash: String, now: Date) async throws -> Result<BootstrapTokenRecord, TokenRejection> {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM bootstrap_token WHERE token_hash = ?", arguments: [hash]) else {
                return .failure(.unknown)
            }
            var token = BootstrapTokenRecord(row: row)
            if let usedAt = token.usedAt { return .failure(.alreadyUsed(at: usedAt)) }
            if token.expiresAt <= now { return .failure(.expired(at: token.expiresAt)) }
            try db.execute(sql: "UPDATE bootstrap_token SET used_at = ? WHERE token_hash = ?", arguments: [now.unixSeconds, hash])
            token.usedAt = now
            return .success(token)
        }
    }

    // MARK: Applications

    public func createApp(_ a: AppRecord) async throws {
        try await write { db in
            do {
                try db.execute(sql: AppRecord.insertSQL, arguments: try a.arguments())
            } catch let error as DatabaseError where error.isUniqueViolation {
                throw StoreError.conflict("application \"\(a.name)\" already exists")
            }
        }
    }

    public func app(named name: String) async throws -> AppRecord? {
        try await read { db in try Self.app(db, named: name) }
    }

    private static func app(_ db: Database, named name: String) throws -> AppRecord? {
        try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM app WHERE name = ?"), arguments: [name]).map(AppRecord.init(row:))
    }

    public func apps() async throws -> [AppRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM app ORDER BY name").map(AppRecord.init(row:))
        }
    }

    public func apps(cluster: String) async throws -> [AppRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM app WHERE cluster = ? ORDER BY name", arguments: [cluster]).map(AppRecord.init(row:))
        }
    }

    @discardableResult
    public func updateApp(named name: String, _ change: @escaping @Sendable (inout AppRecord) -> Void) async throws -> AppRecord {
        try await write { db in
            guard var record = try Self.app(db, named: name) else {
                throw StoreError.notFound("application \"\(name)\" not found")
            }
            change(&record)
            record.name = name
            try db.execute(sql: AppRecord.updateSQL, arguments: try record.arguments())
            return record
        }
    }

    public func deleteApp(named name: String) async throws {
        try await write { db in
            // Render and statuses go by ON DELETE CASCADE.
            try db.execute(sql: "DELETE FROM app WHERE name = ?", arguments: [name])
            if db.changesCount == 0 { throw StoreError.notFound("application \"\(name)\" not found") }
        }
    }

    public func saveRender(_ r: AppRenderRecord) async throws {
        // The manifests go to the bundle table once per content; the render row names them.
        let manifests = try JSONColumn.encode(r.manifests)
        let bundle = Self.bundleDigest(manifests)
        try await write { db in
            let previous = try String.fetchOne(try db.cachedStatement(sql: "SELECT bundle FROM app_render WHERE app_name = ?"), arguments: [r.appName])
            do {
                if try Row.fetchOne(try db.cachedStatement(sql: "SELECT 1 FROM bundle WHERE digest = ?"), arguments: [bundle]) == nil {
                    try db.cachedStatement(sql: "INSERT INTO bundle (digest, manifests) VALUES (?, ?)").execute(arguments: [bundle, manifests])
                }
                try db.cachedStatement(sql: AppRenderRecord.upsertSQL).execute(arguments: [
                    r.appName, r.revision, try r.commit.map(JSONColumn.encode), "", bundle,
                    r.manifestsDigest, try JSONColumn.encode(r.conditions), r.renderedAt.unixSeconds, r.generation,
                ])
            } catch let error as DatabaseError where error.isForeignKeyViolation {
                throw StoreError.notFound("application \"\(r.appName)\" not found")
            }
            // REPLACE does not fire the delete trigger: collect the old bundle here.
            if let previous, previous != bundle {
                try db.execute(sql: "DELETE FROM bundle WHERE digest = ? AND NOT EXISTS (SELECT 1 FROM app_render WHERE bundle = ?)",
                               arguments: [previous, previous])
            }
        }
    }

    public func render(app: String) async throws -> AppRenderRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: """
                SELECT r.*, b.manifests AS bundle_manifests FROM app_render r LEFT JOIN bundle b ON b.digest = r.bundle WHERE r.app_name = ?
                """, arguments: [app]).map(AppRenderRecord.init(row:))
        }
    }

    /// How many distinct manifest bundles the store holds (tests, benchmarks).
    public func bundleCount() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM bundle") ?? 0 }
    }

    /// Lowercase hex SHA-256 of a bundle's JSON text: its key.
    static func bundleDigest(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public func saveStatus(_ s: AppStatusRecord) async throws {
        try await write { db in
            do {
                try db.execute(sql: AppStatusRecord.upsertSQL, arguments: try s.arguments())
            } catch let error as DatabaseError where error.isForeignKeyViolation {
                if try Self.app(db, named: s.appName) == nil {
                    throw StoreError.notFound("application \"\(s.appName)\" not found")
                }
                throw StoreError.notFound("cluster with id \(s.clusterId) not found")
            }
        }
    }

    public func statuses(app: String) async throws -> [AppStatusRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM app_status WHERE app_name = ? ORDER BY cluster_id", arguments: [app])
                .map(AppStatusRecord.init(row:))
        }
    }

    // MARK: Admin tokens

    public func adminTokenHashes() async throws -> [String] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT hash FROM admin_token ORDER BY created_at, hash")
        }
    }

    public func addAdminTokenHash(_ hash: String, createdAt: Date) async throws {
        try await write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO admin_token (hash, created_at) VALUES (?, ?)",
                           arguments: [hash, createdAt.unixSeconds])
        }
    }

    // MARK: Plumbing

    /// One read on GRDB's reader pool.
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.read(body) } catch let error as DatabaseError { throw storageFailure(error) ?? error }
    }

    /// One write, atomic on its own (a savepoint), committed together with the writes that
    /// arrive meanwhile (`GroupCommit`). A write that fails is rolled back whole: nothing of it is
    /// half-written.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await commits.write(body) } catch let error as DatabaseError { throw storageFailure(error) ?? error }
    }

    /// The database's own troubles (disk full, locked by another process, I/O errors) as an
    /// error an operator can act on; nil for errors about the data itself.
    func storageFailure(_ error: DatabaseError) -> StoreError? {
        switch error.resultCode {
        case .SQLITE_FULL:
            return .unavailable("the disk holding the hub's database \(path) is full: free space there; nothing of this change was written, and the hub carries on once there is room")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .unavailable("the hub's database \(path) is locked by another process (waited 5 s): is a second hub, a backup or an sqlite3 shell holding it? Nothing of this change was written")
        case .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY:
            return .unavailable("the hub cannot write its database \(path): \(error.message ?? "I/O error") (check the disk and the file's permissions); nothing of this change was written")
        default:
            return nil
        }
    }
}

/// The database file could not be created.
public struct StoreOpenError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "cannot create database \(path): \(reason)" }
}

extension DatabaseError {
    var isUniqueViolation: Bool {
        extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
    }

    var isForeignKeyViolation: Bool {
        extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY
    }
}
