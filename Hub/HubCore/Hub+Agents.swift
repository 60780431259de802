import Foundation
import HawserProtocol
import HubNotify
import HubStore

extension Hub {
    /// Handle returned by `agentConnected`; pass it back to `agentDisconnected`.
    public struct Connection: Sendable {
        public let cluster: ClusterRecord
        let token: Int
        public let welcome: Welcome
        /// Frames to send right after `welcome`: assignments the agent does not have yet,
        /// withdrawals of apps deleted while it was away, and commands it has not acknowledged.
        public let catchUp: [Frame]
        /// The agent's status stream (`hello.statusStream`); nil for agents without one.
        public let statusStream: String?
        /// The records this agent's statuses were about, for a moment (see `RecentRecords`).
        let records = RecentRecords()
    }

    /// Admits an authenticated agent's `hello`: negotiates the version, registers the session,
    /// and works out what the agent missed.
    public func agentConnected(cluster: ClusterRecord, hello: Hello, session: any AgentSession, peer: String) async throws(ProtocolError) -> Connection {
        guard hello.clusterId == cluster.id else {
            throw ProtocolError(.clusterMismatch, "hello names cluster \(hello.clusterId) but the certificate is for \(cluster.id)")
        }
        guard let version = ProtocolVersion.negotiate(offered: hello.protocolVersions) else {
            throw ProtocolError(.noCommonVersion, "the agent speaks protocol versions \(hello.protocolVersions) and this hub speaks \(ProtocolVersion.supported); upgrade the older side")
        }
        let (token, replaced) = await sessions.add(session)
        if let replaced {
            await replaced.close(with: ProtocolError(.unexpectedFrame, "replaced by a newer connection from the same cluster"))
        }
        let updated = (try? await store.updateCluster(id: cluster.id) {
            $0.connected = true
            $0.lastHeartbeat = self.now()
            $0.agentVersion = hello.agentVersion
            $0.kubernetesVersion = hello.kubernetesVersion
            $0.lastSeenAddress = peer
        }) ?? cluster
        if hello.bundles != nil {
            await sessions.startBundles(clusterId: cluster.id, held: hello.lastApplied.compactMapValues(\.bundle))
        }
        var catchUp: [Frame] = []
        let apps = (try? await store.apps(cluster: cluster.name)) ?? []
        for app in apps {
            guard let r = try? await store.render(app: app.name), r.revision != nil,
                  let project = try? await store.project(named: app.project) else { continue }
            if hello.lastApplied[app.wireID]?.generation != r.generation {
                catchUp.append(.assignment(await sessions.outgoing(Self.assignment(app, r, project: project), clusterId: cluster.id)))
            }
        }
        let known = Set(apps.map(\.wireID))
        for gone in hello.lastApplied.keys.sorted() where !known.contains(gone) {
            // A fleet deployment's tombstone is kept under its own name.
            let deploymentCascade = await tombstones.cascade(for: Self.deploymentName(gone, cluster: cluster.name))
            let appCascade = await tombstones.cascade(for: gone)
            let cascade = deploymentCascade || appCascade
            await sessions.released(appId: gone, clusterId: cluster.id)
            catchUp.append(.unassign(Unassign(appId: gone, cascade: cascade)))
        }
        catchUp += await pendingCommandFrames(cluster: cluster, hello: hello)
        var statusSeq: UInt64?
        let commandStream: String
        do {
            commandStream = try await store.commandStreamID()
            if let stream = hello.statusStream { statusSeq = try await store.statusStreamPosition(clusterId: cluster.id, stream: stream) }
        } catch {
            _ = await sessions.remove(clusterId: cluster.id, token: token)
            throw ProtocolError(.internal, "the hub cannot read its store (\(error)); retry later")
        }
        logger.notice("agent connected", metadata: ["cluster": "\(cluster.name)", "peer": "\(peer)", "agent": "\(hello.agentVersion)", "catchUp": "\(catchUp.count)"])
        await audit(Principal(name: "agent:\(cluster.name)"), "connect", "clusters", cluster.name, outcome: "succeeded",
                    detail: "from \(peer), agent \(hello.agentVersion), Kubernetes \(hello.kubernetesVersion ?? "unknown")")
        return Connection(
            cluster: updated, token: token,
            welcome: Welcome(protocolVersion: version, heartbeatSeconds: configuration.heartbeatInterval.seconds, clusterName: cluster.name,
                             statusSeq: statusSeq, commandStream: commandStream),
            catchUp: catchUp, statusStream: hello.statusStream)
    }

    public func agentDisconnected(_ connection: Connection, reason: String) async {
        let lastBeat = await sessions.lastHeartbeat(connection.cluster.id)
        guard await sessions.remove(clusterId: connection.cluster.id, token: connection.token) else { return }
        _ = try? await store.updateCluster(id: connection.cluster.id) {
            $0.connected = false
            if let lastBeat { $0.lastHeartbeat = max(lastBeat, $0.lastHeartbeat ?? lastBeat) }
        }
        logger.notice("agent disconnected", metadata: ["cluster": "\(connection.cluster.name)", "reason": "\(reason)"])
        await audit(Principal(name: "agent:\(connection.cluster.name)"), "disconnect", "clusters", connection.cluster.name, outcome: "succeeded", detail: reason)
    }

    /// The agent lacked the bundle an assignment named (its disk was wiped, say): forget that
    /// it holds it and send the assignment whole.
    public func bundleMissing(_ connection: Connection, appId: String) async {
        let cluster = connection.cluster
        guard let app = await record(wireID: appId, cluster: cluster.name) else { return }
        guard app.cluster == cluster.name, let r = try? await store.render(app: app.name), r.revision != nil,
              let project = try? await store.project(named: app.project), let session = await sessions.session(for: cluster.id) else { return }
        let assignment = Self.assignment(app, r, project: project)
        if let bundle = assignment.bundle { await sessions.forget(bundle: bundle, clusterId: cluster.id) }
        logger.notice("agent lacks a bundle; sending the manifests", metadata: ["cluster": "\(cluster.name)", "app": "\(appId)"])
        await session.send(.assignment(await sessions.outgoing(assignment, clusterId: cluster.id)))
    }

    /// The record an agent means by `wireID`: a cluster knows its deployment of a fleet app by
    /// the fleet app's name. Nil when there is none (deleted meanwhile).
    func record(wireID: String, cluster: String) async -> AppRecord? {
        guard let app = try? await store.app(named: wireID) else { return nil }
        guard app.isFleet else { return app }
        return try? await store.app(named: Self.deploymentName(wireID, cluster: cluster))
    }

    /// Assignments sent without manifests because the agent held their bundle.
    public func bundlesReused() async -> Int { await sessions.bundlesReused }

    public func agentHeartbeat(_ connection: Connection) async {
        await sessions.heartbeat(connection.cluster.id, at: now())
    }

    /// Writes the heartbeats heard since the last call, in one transaction (the lease on a
    /// cluster's connection state reads them after a hub restart).
    public func flushHeartbeats() async {
        let beats = await sessions.takeHeartbeats()
        guard !beats.isEmpty else { return }
        do { try await store.recordHeartbeats(beats) } catch {
            logger.warning("cannot record agent heartbeats", metadata: ["clusters": "\(beats.count)", "error": "\(error)"])
        }
    }

    /// Records an agent's status report (see `statusesReported`).
    public func statusReported(_ connection: Connection, _ report: AppStatusReport) async throws(ProtocolError) {
        try await statusesReported(connection, [report])
    }

    /// Records status reports of one agent, in the order it sent them. An agent only reports
    /// on its own cluster's apps; anything else is refused (a certificate never speaks for
    /// another cluster).
    ///
    /// The statuses of a stream go to the store in one write: the gateway hands over everything
    /// one connection has sent meanwhile, so a busy agent costs one savepoint and one `ack` per
    /// batch, not per status. A status at a position of the agent's stream is stored once: a
    /// resend after a reconnect (the agent had not seen the `ack`) is recognised and has no
    /// effect twice: no second history entry, audit entry or notification.
    public func statusesReported(_ connection: Connection, _ reports: [AppStatusReport]) async throws(ProtocolError) {
        var streamed: [(report: AppStatusReport, app: AppRecord?, delivery: StatusDelivery)] = []
        for report in reports {
            let app = await statusApp(connection, report)
            if let stream = connection.statusStream, let seq = report.streamSeq {
                let (status, records) = await statusRecords(connection, report, app)
                streamed.append((report, app, StatusDelivery(clusterId: connection.cluster.id, stream: stream, seq: seq, status: status, operationRecords: records)))
            } else {
                // Order is kept: what was streamed before this report is stored first.
                try await storeStreamed(connection, streamed)
                streamed = []
                try await storeUnstreamed(connection, report, app)
            }
        }
        try await storeStreamed(connection, streamed)
    }

    /// The record a status is about; nil when it is gone or belongs to another cluster.
    private func statusApp(_ connection: Connection, _ report: AppStatusReport) async -> AppRecord? {
        let app = await connection.records.record(report.appId, at: .now) { await record(wireID: report.appId, cluster: connection.cluster.name) }  // nil: deleted meanwhile
        if let found = app, found.cluster != connection.cluster.name {
            // Never stored on another cluster's app. Not fatal either: a status queued on the
            // agent before its app was deleted and re-created elsewhere must not stop it.
            logger.info("ignoring a status for an application of another cluster", metadata: ["cluster": "\(connection.cluster.name)", "app": "\(report.appId)"])
            return nil
        }
        return app
    }

    private func statusRecords(_ connection: Connection, _ report: AppStatusReport, _ app: AppRecord?) async -> (AppStatusRecord?, OperationRecords?) {
        guard let app else { return (nil, nil) }
        let status = AppStatusRecord(
            appName: app.name, clusterId: connection.cluster.id, revision: report.observedRevision,
            observedGeneration: report.observedGeneration,
            sync: report.sync.rawValue, health: report.health.rawValue, resources: report.resources,
            conditions: report.conditions, message: report.message, operationPhase: report.operationPhase?.rawValue,
            operation: report.operation, reportedAt: now())
        guard let op = report.finishedOperation else { return (status, nil) }
        return (status, await deploymentRecords(app, cluster: connection.cluster.name, op))
    }

    /// One store write for the batch (the store's group commit shares its transaction with
    /// other agents' batches); then what each stored status sets off.
    private func storeStreamed(_ connection: Connection, _ batch: [(report: AppStatusReport, app: AppRecord?, delivery: StatusDelivery)]) async throws(ProtocolError) {
        guard !batch.isEmpty else { return }
        let outcomes: [StatusDeliveryOutcome]
        do { outcomes = try await store.saveStatuses(batch.map(\.delivery)) } catch {
            metrics.error("status_store")
            throw ProtocolError(.internal, "the hub could not store the status: \(error)")
        }
        metrics.statusesDelivered(outcomes)
        var published: Set<String> = []
        for (item, outcome) in zip(batch, outcomes) {
            guard case .stored(let previous, let recorded) = outcome, let app = item.app else { continue }
            if published.insert(app.name).inserted { await publishApp(app.name) }
            statusStored(connection, item.report, app, previous: previous, recordedOperation: recorded)
        }
    }

    /// An agent without a stream: at most once, as before streams.
    private func storeUnstreamed(_ connection: Connection, _ report: AppStatusReport, _ app: AppRecord?) async throws(ProtocolError) {
        let (status, records) = await statusRecords(connection, report, app)
        guard let app, let status else { return }
        let previous: PreviousStatus?
        let recordedOperation: Bool
        do {
            previous = (try? await store.statuses(app: app.name))?.first { $0.clusterId == connection.cluster.id }
                .map { PreviousStatus(health: $0.health, observedGeneration: $0.observedGeneration, operation: $0.operation) }
            try await store.saveStatus(status)
            recordedOperation = records != nil && !(report.finishedOperation?.isSameRun(as: previous?.operation) ?? true)
            if recordedOperation, let records {
                await audit(Principal(name: records.audit.actor), records.audit.action, records.audit.resource, records.audit.object,
                            outcome: records.audit.outcome, detail: records.audit.detail)
                try? await store.addHistory(records.history, keep: records.keep)
            }
        } catch {
            metrics.error("status_store")
            throw ProtocolError(.internal, "the hub could not store the status: \(error)")
        }
        await publishApp(app.name)
        statusStored(connection, report, app, previous: previous, recordedOperation: recordedOperation)
    }

    /// Rollouts and notifications a newly stored status sets off.
    private func statusStored(_ connection: Connection, _ report: AppStatusReport, _ app: AppRecord, previous: PreviousStatus?, recordedOperation: Bool) {
        if let parent = app.parent, report.health == .healthy, report.sync == .synced,
           previous?.health != HealthStatusCode.healthy.rawValue || previous?.observedGeneration != report.observedGeneration {
            let hub = self
            Task { await hub.advanceRollout(parent) }
        }
        if let op = report.finishedOperation, recordedOperation {
            notify(op.phase == .succeeded ? "on-deployed" : "on-sync-failed", app, cluster: connection.cluster.name, report, operation: op)
        }
        if report.health == .degraded, previous?.health != HealthStatusCode.degraded.rawValue {
            notify("on-health-degraded", app, cluster: connection.cluster.name, report, operation: report.operation)
        }
    }

    /// "Who deployed what where": one audit entry per finished sync operation, with who or what
    /// started it, the cluster and namespace, the Git revision and the digest of what was applied,
    /// and the matching history entry.
    func deploymentRecords(_ app: AppRecord, cluster: String, _ op: OperationState) async -> OperationRecords {
        let render = try? await store.render(app: app.name)
        let digest = render?.revision == op.revision ? render.map { String($0.manifestsDigest.prefix(64)) } : nil
        var counts: [String: Int] = [:]
        for r in op.resources { counts[r.status.rawValue, default: 0] += 1 }
        let summary = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        let detail = "cluster \(cluster), namespace \(app.namespace), revision \(op.revision)"
            + (digest.map { ", manifests sha256:\($0)" } ?? "") + "; \(op.phase.rawValue)"
            + (op.message.map { ": \($0)" } ?? "") + (summary.isEmpty ? "" : " (\(summary))")
        let at = now()
        return OperationRecords(
            history: HistoryRecord(appName: app.name, cluster: cluster, revision: op.revision, manifestsDigest: digest,
                                   initiatedBy: op.initiatedBy ?? "automated", startedAt: op.startedAt, deployedAt: op.finishedAt ?? at,
                                   result: op.phase.rawValue, message: op.message),
            keep: app.revisionHistoryLimit,
            audit: AuditRecord(at: at, actor: op.initiatedBy ?? "automated", groups: [], action: "sync", resource: "applications",
                               object: "\(app.project)/\(app.name)", outcome: op.phase == .succeeded ? "succeeded" : "failed", detail: detail))
    }
}

extension Hub {
    /// What a webhook receives: enough to post "guestbook on prod-eu failed to sync abc123,
    /// started by alice" without calling the API back.
    struct NotificationPayload: Encodable {
        var event: String
        var app: String
        var project: String
        var cluster: String
        var namespace: String
        var sync: String
        var health: String
        var revision: String?
        var initiatedBy: String?
        var phase: String?
        var message: String?
        var at: Date
    }

    func notify(_ event: String, _ app: AppRecord, cluster: String, _ report: AppStatusReport, operation: OperationState?) {
        guard !notifier.hooks.isEmpty else { return }
        let payload = NotificationPayload(event: event, app: app.name, project: app.project, cluster: cluster, namespace: app.namespace,
                                          sync: report.sync.rawValue, health: report.health.rawValue, revision: operation?.revision ?? report.observedRevision,
                                          initiatedBy: operation?.initiatedBy, phase: operation?.phase.rawValue,
                                          message: operation?.message ?? report.message, at: now())
        guard let data = try? WireJSON.encoder().encode(payload) else { return }
        notifier.notify(event: event, payload: data)
    }
}


extension AppStatusReport {
    /// The sync operation this status finishes, if it carries one that is no longer running.
    fileprivate var finishedOperation: OperationState? { operation.flatMap { $0.phase == .running ? nil : $0 } }
}
