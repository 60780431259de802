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
        /// Frames to send right after `welcome`: assignments the agent does not have yet and
        /// withdrawals of apps deleted while it was away.
        public let catchUp: [Frame]
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
        logger.notice("agent connected", metadata: ["cluster": "\(cluster.name)", "peer": "\(peer)", "agent": "\(hello.agentVersion)", "catchUp": "\(catchUp.count)"])
        await audit(Principal(name: "agent:\(cluster.name)"), "connect", "clusters", cluster.name, outcome: "succeeded",
                    detail: "from \(peer), agent \(hello.agentVersion), Kubernetes \(hello.kubernetesVersion ?? "unknown")")
        return Connection(
            cluster: updated, token: token,
            welcome: Welcome(protocolVersion: version, heartbeatSeconds: configuration.heartbeatInterval.seconds, clusterName: cluster.name),
            catchUp: catchUp)
    }

    public func agentDisconnected(_ connection: Connection, reason: String) async {
        guard await sessions.remove(clusterId: connection.cluster.id, token: connection.token) else { return }
        _ = try? await store.updateCluster(id: connection.cluster.id) { $0.connected = false }
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
        _ = try? await store.updateCluster(id: connection.cluster.id) { $0.lastHeartbeat = self.now() }
    }

    /// Records an agent's status report. An agent only reports on its own cluster's apps;
    /// anything else is refused (a certificate never speaks for another cluster).
    public func statusReported(_ connection: Connection, _ report: AppStatusReport) async throws(ProtocolError) {
        guard let app = await record(wireID: report.appId, cluster: connection.cluster.name) else { return }  // deleted meanwhile
        guard app.cluster == connection.cluster.name else {
            throw ProtocolError(.clusterMismatch, "status for application \(report.appId), which is not assigned to this cluster")
        }
        let previous = (try? await store.statuses(app: app.name))?.first { $0.clusterId == connection.cluster.id }
        do {
            try await store.saveStatus(AppStatusRecord(
                appName: app.name, clusterId: connection.cluster.id, revision: report.observedRevision,
                observedGeneration: report.observedGeneration,
                sync: report.sync.rawValue, health: report.health.rawValue, resources: report.resources,
                conditions: report.conditions, message: report.message, operationPhase: report.operationPhase?.rawValue,
                operation: report.operation, reportedAt: now()))
        } catch {
            throw ProtocolError(.internal, "the hub could not store the status: \(error)")
        }
        await publishApp(app.name)
        if let parent = app.parent, report.health == .healthy, report.sync == .synced,
           previous?.health != HealthStatusCode.healthy.rawValue || previous?.observedGeneration != report.observedGeneration {
            let hub = self
            Task { await hub.advanceRollout(parent) }
        }
        if let op = report.operation, op.phase != .running, !Self.sameOperation(op, previous?.operation) {
            await auditDeployment(app, cluster: connection.cluster.name, op)
            notify(op.phase == .succeeded ? "on-deployed" : "on-sync-failed", app, cluster: connection.cluster.name, report, operation: op)
        }
        if report.health == .degraded, previous?.health != HealthStatusCode.degraded.rawValue {
            notify("on-health-degraded", app, cluster: connection.cluster.name, report, operation: report.operation)
        }
    }

    /// Whether a report's operation is the one already stored, so it is recorded once. By what
    /// identifies a run (revision, start, phase, attempt), not by exact equality: the stored copy
    /// went through the store's JSON, and its timestamps may differ from the wire's below a
    /// millisecond, which once made one sync appear twice in the history.
    static func sameOperation(_ a: OperationState, _ b: OperationState?) -> Bool {
        guard let b else { return false }
        return a.revision == b.revision && a.phase == b.phase && a.retryCount == b.retryCount
            && abs(a.startedAt.timeIntervalSince(b.startedAt)) < 0.001
    }

    /// "Who deployed what where": one audit entry per finished sync operation, with who or what
    /// started it, the cluster and namespace, the Git revision and the digest of what was applied.
    func auditDeployment(_ app: AppRecord, cluster: String, _ op: OperationState) async {
        let render = try? await store.render(app: app.name)
        let digest = render?.revision == op.revision ? render.map { String($0.manifestsDigest.prefix(64)) } : nil
        var counts: [String: Int] = [:]
        for r in op.resources { counts[r.status.rawValue, default: 0] += 1 }
        let summary = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        let detail = "cluster \(cluster), namespace \(app.namespace), revision \(op.revision)"
            + (digest.map { ", manifests sha256:\($0)" } ?? "") + "; \(op.phase.rawValue)"
            + (op.message.map { ": \($0)" } ?? "") + (summary.isEmpty ? "" : " (\(summary))")
        await audit(Principal(name: op.initiatedBy ?? "automated"), "sync", "applications", "\(app.project)/\(app.name)",
                    outcome: op.phase == .succeeded ? "succeeded" : "failed", detail: detail)
        do {
            try await store.addHistory(HistoryRecord(appName: app.name, cluster: cluster, revision: op.revision, manifestsDigest: digest,
                                                     initiatedBy: op.initiatedBy ?? "automated", startedAt: op.startedAt, deployedAt: op.finishedAt ?? now(),
                                                     result: op.phase.rawValue, message: op.message), keep: app.revisionHistoryLimit)
        } catch {
            logger.error("cannot record deployment history", metadata: ["app": "\(app.name)", "error": "\(error)"])
        }
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

