import Foundation
import HawserProtocol
import HubStore

/// Delivery guarantees (PROTOCOL.md, Delivery): commands kept until the agent acknowledges
/// them or they expire, and statuses stored once per position of the agent's stream.
extension Hub {
    /// Whether a command reached a live connection or waits for the agent to return.
    public enum CommandDelivery: Sendable, Equatable {
        case sent
        case queued(expiresAt: Date)
    }

    /// Records a command for the app's agent and sends it if the agent is connected; otherwise
    /// it is delivered when the agent reconnects, unless it expires first (`--command-ttl`).
    /// A second identical command while one still waits is the same command (one sync is
    /// enough), so an impatient user does not queue a dozen.
    @discardableResult
    func issueCommand(_ action: Command.Action, app: AppRecord, by: String) async throws -> CommandDelivery {
        let cluster = try await requireCluster(app.cluster)
        guard cluster.state != .revoked else {
            throw HubError(.conflict, "cluster \"\(cluster.name)\" is revoked; its agent can no longer receive commands (register it again with `hawser cluster add`)")
        }
        if await sessions.session(for: cluster.id) == nil, let waiting = try await store.commands(app: app.name, limit: 20)
            .first(where: { $0.state == .pending && $0.action == action.rawValue && $0.clusterId == cluster.id }) {
            return .queued(expiresAt: waiting.expiresAt)
        }
        let issued = now()
        let record = try await store.addCommand(CommandRecord(
            clusterId: cluster.id, appName: app.name, wireID: app.wireID, action: action.rawValue, initiatedBy: by,
            issuedAt: issued, expiresAt: issued.addingTimeInterval(configuration.commandTTL.seconds)))
        // Looked up after the command is stored: an agent that connects meanwhile either is
        // seen here or reads the command with its catch-up (or both: it handles it once).
        guard let session = await sessions.session(for: cluster.id) else {
            logger.info("command queued for a disconnected agent", metadata: ["app": "\(app.name)", "cluster": "\(cluster.name)", "action": "\(action.rawValue)"])
            await publishApp(app.name)
            return .queued(expiresAt: record.expiresAt)
        }
        // Sent now; if the link drops before the agent acknowledges it, it is sent again on
        // reconnect (the agent ignores a command it already handled).
        await session.send(.command(Self.commandFrame(record)))
        return .sent
    }

    static func commandFrame(_ r: CommandRecord) -> Command {
        Command(action: Command.Action(rawValue: r.action) ?? .refresh, appId: r.wireID, initiatedBy: r.initiatedBy,
                streamSeq: r.id.map { UInt64($0) }, issuedAt: r.issuedAt, expiresAt: r.expiresAt)
    }

    /// Commands to send after `welcome`: every unacknowledged one that has not expired. The
    /// agent acknowledges again any it handled before (their acknowledgement was lost). An
    /// agent that does not acknowledge commands (older than streams) gets each once.
    func pendingCommandFrames(cluster: ClusterRecord, hello: Hello) async -> [Frame] {
        // Expired ones stay for the sweeper (`CommandExpiry`) to record; they are not sent.
        let at = now()
        let pending = ((try? await store.pendingCommands(clusterId: cluster.id)) ?? []).filter { $0.expiresAt > at }
        if hello.statusStream == nil {
            for c in pending { if let id = c.id { try? await store.settleCommand(clusterId: cluster.id, id: id, at: at) } }
        }
        return pending.map { .command(Self.commandFrame($0)) }
    }

    /// The agent handled the command at `streamSeq` (now, or before: a resend).
    public func commandAcknowledged(_ connection: Connection, streamSeq: UInt64) async {
        do {
            try await store.settleCommand(clusterId: connection.cluster.id, id: Int64(clamping: streamSeq), at: now())
        } catch {
            logger.error("cannot record command acknowledgements", metadata: ["cluster": "\(connection.cluster.name)", "error": "\(error)"])
        }
    }

    /// Marks commands whose agent did not return in time as expired, tells the audit trail and
    /// the app's watchers, and forgets settled commands after a week.
    public func expireCommands() async {
        let now = now()
        let expired: [CommandRecord]
        do {
            expired = try await store.expireCommands(now: now, forgetSettledBefore: now.addingTimeInterval(-7 * 86400))
        } catch {
            logger.error("cannot expire queued commands", metadata: ["error": "\(error)"])
            return
        }
        for c in expired {
            let app = try? await store.app(named: c.appName)
            let cluster = (try? await store.cluster(id: c.clusterId))?.name ?? c.clusterId
            logger.notice("queued command expired", metadata: ["app": "\(c.appName)", "cluster": "\(cluster)", "action": "\(c.action)", "by": "\(c.initiatedBy)"])
            await audit(Principal(name: c.initiatedBy), c.action, "applications", "\(app?.project ?? "?")/\(c.appName)", outcome: "expired",
                        detail: "queued at \(WireJSON.formatDate(c.issuedAt)) for cluster \(cluster), whose agent did not reconnect before \(WireJSON.formatDate(c.expiresAt))")
            await publishApp(c.appName)
        }
    }

    /// The app's latest commands for its view, and the conditions they imply: one still waiting
    /// for its agent, or the newest one expired undelivered.
    func commandState(_ app: AppRecord) async -> (views: [CommandView], conditions: [AppCondition]) {
        guard let records = try? await store.commands(app: app.name, limit: 5), !records.isEmpty else { return ([], []) }
        var clusterNames: [String: String] = [:]
        var views: [CommandView] = []
        for r in records {
            if clusterNames[r.clusterId] == nil { clusterNames[r.clusterId] = (try? await store.cluster(id: r.clusterId))?.name ?? r.clusterId }
            views.append(CommandView(id: r.id ?? 0, action: r.action, cluster: clusterNames[r.clusterId] ?? r.clusterId, initiatedBy: r.initiatedBy,
                                     issuedAt: r.issuedAt, expiresAt: r.expiresAt, state: r.state.rawValue, settledAt: r.settledAt))
        }
        // Syncs only: a refresh changes nothing the user waits for (a returning agent compares
        // and reports everything anyway), so it is listed but raises no condition.
        var conditions: [AppCondition] = []
        for v in views where v.state == CommandRecord.State.pending.rawValue && v.action == Command.Action.sync.rawValue {
            conditions.append(AppCondition(type: "CommandQueued", message:
                "\(v.action) requested by \(v.initiatedBy) at \(WireJSON.formatDate(v.issuedAt)) waits for cluster \(v.cluster)'s agent to reconnect; it expires at \(WireJSON.formatDate(v.expiresAt))"))
        }
        if let newest = views.first(where: { $0.action == Command.Action.sync.rawValue }), newest.state == CommandRecord.State.expired.rawValue {
            conditions.append(AppCondition(type: "CommandExpired", message:
                "\(newest.action) requested by \(newest.initiatedBy) at \(WireJSON.formatDate(newest.issuedAt)) expired at \(WireJSON.formatDate(newest.expiresAt)): cluster \(newest.cluster)'s agent did not reconnect in time; run it again once the cluster is connected"))
        }
        return (views, conditions)
    }
}
