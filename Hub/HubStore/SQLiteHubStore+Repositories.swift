import Foundation
import GRDB

extension SQLiteHubStore {
    public func saveRepository(_ r: RepositoryRecord, replace: Bool) async throws {
        let hosts = try JSONColumn.encode(r.sshKnownHosts)
        try await write { db in
            let verb = replace ? "INSERT OR REPLACE" : "INSERT"
            do {
                try db.execute(sql: """
                    \(verb) INTO repository (normalized_url, url, username, sealed_secret, has_password, has_ssh_key, insecure, ssh_known_hosts, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [r.normalizedURL, r.url, r.username, r.sealedSecret, r.hasPassword, r.hasSSHKey, r.insecure, hosts,
                                     r.createdAt.unixSeconds, r.updatedAt.unixSeconds])
            } catch let error as DatabaseError where error.isUniqueViolation {
                throw StoreError.conflict("repository \(r.url) is already registered")
            }
        }
    }

    public func repository(normalizedURL: String) async throws -> RepositoryRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM repository WHERE normalized_url = ?", arguments: [normalizedURL]).map(RepositoryRecord.init(row:))
        }
    }

    public func repositories() async throws -> [RepositoryRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM repository ORDER BY normalized_url").map(RepositoryRecord.init(row:))
        }
    }

    public func deleteRepository(normalizedURL: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM repository WHERE normalized_url = ?", arguments: [normalizedURL])
            if db.changesCount == 0 { throw StoreError.notFound("repository \(normalizedURL) is not registered") }
        }
    }

    public func appRepoURLs() async throws -> [String: Int] {
        try await read { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT repo_url, COUNT(*) AS n FROM app GROUP BY repo_url") { out[row["repo_url"]] = row["n"] }
            return out
        }
    }

    public func apps(repoURLs: [String]) async throws -> [AppRecord] {
        guard !repoURLs.isEmpty else { return [] }
        return try await read { db in
            let marks = Array(repeating: "?", count: repoURLs.count).joined(separator: ", ")
            return try Row.fetchAll(db, sql: "SELECT * FROM app WHERE repo_url IN (\(marks)) ORDER BY name", arguments: StatementArguments(repoURLs))
                .map(AppRecord.init(row:))
        }
    }
}

extension RepositoryRecord {
    init(row: Row) throws {
        self.init(
            url: row["url"], normalizedURL: row["normalized_url"], username: row["username"], sealedSecret: row["sealed_secret"],
            hasPassword: row["has_password"], hasSSHKey: row["has_ssh_key"], insecure: row["insecure"],
            sshKnownHosts: try JSONColumn.decode([String].self, from: row["ssh_known_hosts"], column: "repository.ssh_known_hosts"),
            createdAt: Date(timeIntervalSince1970: row["created_at"]), updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }
}
