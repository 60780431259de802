import Foundation

/// The hub's state. One protocol so the SQLite store (single hub) and a PostgreSQL store
/// (several hubs) are interchangeable; nothing here names a database type.
///
/// Implementations never read the clock: every timestamp comes from the caller, so tests pin
/// time. All methods are safe to call from any task; writes are atomic.
public protocol HubStore: Sendable {
    // MARK: Clusters

    /// Throws `StoreError.conflict` when the name (or id) is taken.
    func createCluster(_ c: ClusterRecord) async throws
    func cluster(named: String) async throws -> ClusterRecord?
    func cluster(id: String) async throws -> ClusterRecord?
    /// Ordered by name.
    func clusters() async throws -> [ClusterRecord]
    /// Reads, changes and writes back in one transaction; `id` cannot change. Throws `notFound`,
    /// or `conflict` when renamed onto a taken name.
    @discardableResult
    func updateCluster(id: String, _ change: @escaping @Sendable (inout ClusterRecord) -> Void) async throws -> ClusterRecord
    /// Also deletes the cluster's bootstrap tokens and application statuses. Throws `notFound`.
    func deleteCluster(id: String) async throws

    // MARK: Bootstrap tokens

    /// Throws `notFound` for an unknown cluster, `conflict` for a hash already stored.
    func addBootstrapToken(_ t: BootstrapTokenRecord) async throws
    /// Atomically checks and marks the token used, so two agents racing with one token cannot
    /// both join. A used token reports `.alreadyUsed` even after it has expired.
    func consumeBootstrapToken(hash: String, now: Date) async throws -> Result<BootstrapTokenRecord, TokenRejection>

    // MARK: Applications

    /// Throws `conflict` when the name is taken.
    func createApp(_ a: AppRecord) async throws
    func app(named: String) async throws -> AppRecord?
    /// Ordered by name.
    func apps() async throws -> [AppRecord]
    /// Applications whose destination is the cluster with this name, ordered by name.
    func apps(cluster: String) async throws -> [AppRecord]
    /// Reads, changes and writes back in one transaction; `name` cannot change. Throws `notFound`.
    @discardableResult
    func updateApp(named: String, _ change: @escaping @Sendable (inout AppRecord) -> Void) async throws -> AppRecord
    /// Also deletes the app's render and statuses. Throws `notFound`.
    func deleteApp(named: String) async throws

    /// Replaces the app's latest render, as given (the caller owns `generation`). Throws
    /// `notFound` for an unknown app.
    func saveRender(_ r: AppRenderRecord) async throws
    func render(app: String) async throws -> AppRenderRecord?
    /// Upserts by (appName, clusterId). Throws `notFound` for an unknown app or cluster.
    func saveStatus(_ s: AppStatusRecord) async throws
    /// Ordered by cluster id.
    func statuses(app: String) async throws -> [AppStatusRecord]

    /// Apps with their latest render and status summary (no manifests, no resource rows), in
    /// name order after `afterName`. Fleet deployments are left out; fleet applications pass
    /// the sync and health filters (their status is their deployments').
    func appListings(_ q: AppListQuery, afterName: String?, limit: Int) async throws -> [AppListing]
    /// Every app's name, project, cluster and raw status, and nothing else: what counts by
    /// sync and health need, in one pass over covering indexes (no JSON column is read).
    func appStatusRows() async throws -> [AppStatusRow]
    /// The per-cluster deployments of these fleet applications, like `appStatusRows`.
    func deploymentStatusRows(parents: [String]) async throws -> [AppStatusRow]
    /// A fleet application's per-cluster deployments, by name.
    func children(of parent: String) async throws -> [AppRecord]
    /// How many applications each project has (fleet deployments not counted).
    func appCountsByProject() async throws -> [String: Int]

    // MARK: History

    /// Appends a deployment and keeps the app's newest `keep`.
    func addHistory(_ h: HistoryRecord, keep: Int) async throws
    /// Newest first.
    func history(app: String) async throws -> [HistoryRecord]
    /// The newest deployments of every app, newest first, with each app's project.
    func recentHistory(limit: Int, beforeID: Int64?) async throws -> [(record: HistoryRecord, project: String)]

    // MARK: Projects

    /// Throws `conflict` when the name is taken.
    func createProject(_ p: ProjectRecord) async throws
    func project(named: String) async throws -> ProjectRecord?
    /// Ordered by name.
    func projects() async throws -> [ProjectRecord]
    /// Reads, changes and writes back in one transaction; `name` cannot change. Throws `notFound`.
    @discardableResult
    func updateProject(named: String, _ change: @escaping @Sendable (inout ProjectRecord) -> Void) async throws -> ProjectRecord
    /// Throws `notFound`, or `conflict` while applications still belong to the project.
    func deleteProject(named: String) async throws

    // MARK: Accounts, API tokens, sessions, audit

    func account(named: String) async throws -> AccountRecord?
    /// Creates or replaces (by name).
    func saveAccount(_ a: AccountRecord) async throws
    func addAPIToken(_ t: APITokenRecord) async throws
    func apiToken(hash: String) async throws -> APITokenRecord?
    /// Oldest first, revoked ones included.
    func apiTokens() async throws -> [APITokenRecord]
    /// Throws `notFound`; revoking twice keeps the first time.
    func revokeAPIToken(id: String, at: Date) async throws
    func addSession(_ s: SessionRecord) async throws
    func session(id: String) async throws -> SessionRecord?
    func revokeSession(id: String, at: Date) async throws
    /// Ends every live session of `subject`; returns how many.
    func revokeSessions(subject: String, at: Date) async throws -> Int
    func appendAudit(_ e: AuditRecord) async throws
    /// Newest first, `limit` entries with ids below `beforeID` (paging backwards).
    func auditEvents(limit: Int, beforeID: Int64?) async throws -> [AuditRecord]
    func auditEvents(limit: Int, beforeID: Int64?, filter: AuditFilter) async throws -> [AuditRecord]
    /// Walks the hash chain from the first entry.
    func verifyAudit() async throws -> AuditVerification

    // MARK: Repositories

    /// Throws `conflict` when the repository is registered and `replace` is false.
    func saveRepository(_ r: RepositoryRecord, replace: Bool) async throws
    func repository(normalizedURL: String) async throws -> RepositoryRecord?
    /// Ordered by normalized URL.
    func repositories() async throws -> [RepositoryRecord]
    /// Throws `notFound`.
    func deleteRepository(normalizedURL: String) async throws
    /// Every distinct `repoURL` applications use, registered or not, with how many apps use
    /// it: what the poller fetches.
    func appRepoURLs() async throws -> [String: Int]
    /// Applications whose `repoURL` is one of these spellings, ordered by name.
    func apps(repoURLs: [String]) async throws -> [AppRecord]

    // MARK: Config repositories

    /// Throws `conflict` when the name is taken, unless `replace`.
    func saveConfigRepo(_ r: ConfigRepoRecord, replace: Bool) async throws
    func configRepo(named: String) async throws -> ConfigRepoRecord?
    func configRepos() async throws -> [ConfigRepoRecord]
    /// Removes the repository; the apps and projects it defined stay, no longer managed.
    func deleteConfigRepo(named: String) async throws
    /// Applies a whole set of changes and its audit entries in one transaction, or nothing.
    func applyConfig(_ changes: ConfigChanges) async throws

    // MARK: Delivery (PROTOCOL.md, Delivery)

    /// The highest `streamSeq` stored from the cluster's agent stream `stream`; 0 for a stream
    /// not seen (a new agent state directory starts a new stream).
    func statusStreamPosition(clusterId: String, stream: String) async throws -> UInt64
    /// Stores statuses delivered on agent streams, each position once: an item at or below its
    /// stream's stored position is a resend and is not applied again. One transaction for the
    /// batch; the outcomes are in the items' order.
    func saveStatuses(_ items: [StatusDelivery]) async throws -> [StatusDeliveryOutcome]
    /// Sets `lastHeartbeat` of these clusters (by id), in one transaction; unknown ids are skipped.
    func recordHeartbeats(_ beats: [String: Date]) async throws
    /// This store's command stream id, made once with the store.
    func commandStreamID() async throws -> String
    /// Returns the record with its id, its position in the command stream: increasing, and
    /// at least the microseconds of `issuedAt` since 1970, so positions handed out after a
    /// restore from a backup are still new to every agent. Throws `notFound` for an unknown
    /// app or cluster.
    func addCommand(_ c: CommandRecord) async throws -> CommandRecord
    /// The cluster's unacknowledged commands, oldest first.
    func pendingCommands(clusterId: String) async throws -> [CommandRecord]
    /// The agent acknowledged the command `id` (a pending one becomes delivered).
    func settleCommand(clusterId: String, id: Int64, at: Date) async throws
    /// Marks pending commands past their expiry as expired and returns them; forgets settled
    /// commands older than `forgetSettledBefore`.
    func expireCommands(now: Date, forgetSettledBefore: Date) async throws -> [CommandRecord]
    /// The app's commands, newest first.
    func commands(app: String, limit: Int) async throws -> [CommandRecord]

    // MARK: Admin tokens

    /// Hex SHA-256 hashes of the admin API tokens, oldest first.
    func adminTokenHashes() async throws -> [String]
    /// Adding a hash already stored is a no-op.
    func addAdminTokenHash(_ hash: String, createdAt: Date) async throws
}
