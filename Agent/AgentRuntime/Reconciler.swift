import AgentEngine
import AgentKube
import AgentLink
import Foundation
import HawserProtocol
import Logging

/// Makes the cluster match each assignment and reports how it differs.
///
/// One loop per application wakes on a new assignment, a command from the hub, or the resync
/// interval. Automated apps apply new assignments; with self-heal they also undo drift.
/// The engine (plan, compare, health) is pure; this actor only moves data between it, the
/// Kubernetes API and the hub.
public actor Reconciler {
    enum Trigger: Sendable {
        case assigned, sync, refresh, resync
    }

    let kube: KubeClient
    let state: AgentStateDirectory
    let logger: Logger
    let resyncInterval: Duration
    /// When set, the agent only manages this namespace (the namespace-scoped deployment).
    let namespaceScope: String?

    var snapshot: AgentStateDirectory.Snapshot
    var statuses: [String: AppStatusReport] = [:]
    var sender: FrameSender?
    var loops: [String: (task: Task<Void, Never>, wake: AsyncStream<Trigger>.Continuation)] = [:]

    public init(kube: KubeClient, state: AgentStateDirectory, resyncInterval: Duration, namespaceScope: String?, logger: Logger) {
        self.kube = kube
        self.state = state
        self.resyncInterval = resyncInterval
        self.namespaceScope = namespaceScope
        self.logger = logger
        self.snapshot = state.loadSnapshot()
    }

    /// Starts a loop for every assignment kept on disk: desired state survives restarts.
    public func start() {
        for appId in snapshot.assignments.keys { startLoop(appId) }
    }

    public func stop() {
        for (_, l) in loops { l.task.cancel(); l.wake.finish() }
        loops = [:]
    }

    // MARK: From the link

    /// Revision and generation per app for `hello`: the generation of the assignment held
    /// (so the hub resends only newer ones) and the revision last applied.
    public func lastApplied() -> [String: AppliedRevision] {
        snapshot.assignments.mapValues { a in
            AppliedRevision(revision: snapshot.applied[a.appId]?.revision ?? "", generation: a.generation)
        }
    }

    public func connected(_ sender: FrameSender) async {
        self.sender = sender
        for report in statuses.values.sorted(by: { $0.appId < $1.appId }) {
            try? await sender.send(.status(report))
        }
    }

    public func disconnected() {
        sender = nil
    }

    public func assign(_ a: Assignment) {
        snapshot.assignments[a.appId] = a
        persist()
        logger.info("assignment received", metadata: ["app": "\(a.appId)", "revision": "\(a.revision.prefix(8))", "generation": "\(a.generation)", "objects": "\(a.manifests.count)"])
        if let l = loops[a.appId] { l.wake.yield(.assigned) } else { startLoop(a.appId, first: .assigned) }
    }

    public func unassign(_ u: Unassign) async {
        let previous = snapshot.assignments.removeValue(forKey: u.appId)
        snapshot.applied[u.appId] = nil
        statuses[u.appId] = nil
        persist()
        if let l = loops.removeValue(forKey: u.appId) { l.task.cancel(); l.wake.finish() }
        guard u.cascade, let previous else { return }
        // Delete only what this app owns: the instance label must name it.
        let planned = await planObjects(previous)
        for obj in planned.objects.reversed() {
            do {
                guard let live = try await kube.get(obj.key),
                      live[path: ["metadata", "labels", Tracking.instanceLabel]]?.stringValue == u.appId else { continue }
                try await kube.delete(obj.key)
                logger.info("deleted", metadata: ["app": "\(u.appId)", "object": "\(obj.key)"])
            } catch {
                logger.warning("cascade delete failed", metadata: ["app": "\(u.appId)", "object": "\(obj.key)", "error": "\(error)"])
            }
        }
    }

    public func command(_ c: Command) {
        guard let l = loops[c.appId] else {
            logger.warning("command for an app this agent does not hold", metadata: ["app": "\(c.appId)"])
            return
        }
        logger.info("command", metadata: ["app": "\(c.appId)", "action": "\(c.action.rawValue)", "by": "\(c.initiatedBy ?? "-")"])
        l.wake.yield(c.action == .sync ? .sync : .refresh)
    }

    // MARK: Loops

    private func startLoop(_ appId: String, first: Trigger = .resync) {
        let (stream, wake) = AsyncStream.makeStream(of: Trigger.self, bufferingPolicy: .bufferingNewest(4))
        wake.yield(first)
        let interval = resyncInterval
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                wake.yield(.resync)
            }
        }
        let task = Task { [weak self] in
            for await trigger in stream {
                guard let self, !Task.isCancelled else { break }
                await self.reconcile(appId, trigger: trigger)
            }
            ticker.cancel()
        }
        loops[appId] = (task, wake)
    }

    func persist() {
        do { try state.saveSnapshot(snapshot) } catch {
            logger.error("cannot save assignments", metadata: ["error": "\(error)"])
        }
    }

    // MARK: One reconciliation

    func reconcile(_ appId: String, trigger: Trigger) async {
        guard let a = snapshot.assignments[appId] else { return }
        let planned = await planObjects(a)
        if !planned.errors.isEmpty {
            await report(AppStatusReport(
                appId: appId, observedRevision: snapshot.applied[appId]?.revision, observedGeneration: a.generation,
                sync: .unknown, health: .unknown, resources: [],
                conditions: planned.errors.map { AppCondition(type: "ComparisonError", message: "\($0)") },
                message: "the manifests are invalid; nothing was applied"))
            return
        }
        var rows = await compare(planned.objects)
        var aggregate = AppAggregate(rows: rows)
        let policy = a.syncPolicy
        let applyNow: Bool = switch trigger {
        case .sync: true
        case .assigned: policy.automated && (aggregate.sync != .synced || snapshot.applied[appId]?.revision != a.revision)
        case .refresh, .resync: policy.automated && aggregate.sync == .outOfSync && (policy.selfHeal || snapshot.applied[appId]?.revision != a.revision || snapshot.applied[appId]?.generation != a.generation)
        }
        var phase: OperationPhase? = statuses[appId]?.operationPhase
        var failures: [ResourceKey: String] = [:]
        if applyNow {
            logger.info("syncing", metadata: ["app": "\(appId)", "revision": "\(a.revision.prefix(8))", "trigger": "\(trigger)"])
            for obj in planned.objects {
                do {
                    _ = try await kube.apply(obj.object, fieldManager: "hawser", force: true)
                } catch {
                    failures[obj.key] = "\(obj.source):\(obj.line): apply failed: \(error)"
                    logger.warning("apply failed", metadata: ["app": "\(appId)", "object": "\(obj.key)", "error": "\(error)"])
                }
            }
            phase = failures.isEmpty ? .succeeded : .failed
            if failures.isEmpty {
                snapshot.applied[appId] = AppliedRevision(revision: a.revision, generation: a.generation)
                persist()
            }
            rows = await compare(planned.objects)
            for i in rows.indices {
                if let f = failures[rows[i].key] { rows[i].message = f; rows[i].status = .outOfSync }
            }
            aggregate = AppAggregate(rows: rows)
        }
        var conditions: [AppCondition] = []
        if !failures.isEmpty {
            conditions.append(AppCondition(type: "SyncError", message: failures.values.sorted().joined(separator: "; ")))
        }
        await report(AppStatusReport(
            appId: appId, observedRevision: snapshot.applied[appId]?.revision, observedGeneration: a.generation,
            sync: aggregate.sync, health: aggregate.health, resources: rows, conditions: conditions,
            operationPhase: phase,
            message: aggregate.sync == .outOfSync && !policy.automated ? "out of sync; run `hawser app sync \(appId)`" : nil))
        // Rollouts in progress are re-checked soon rather than at the next resync.
        if aggregate.health == .progressing, let l = loops[appId] {
            Task { try? await Task.sleep(for: .seconds(1)); l.wake.yield(.refresh) }
        }
    }

    /// Discovery first (is each kind namespaced?), then the pure plan.
    func planObjects(_ a: Assignment) async -> PlanResult {
        var namespaced: [String: Bool] = [:]
        var errors: [PlanError] = []
        for m in a.manifests {
            guard let apiVersion = m.object["apiVersion"]?.stringValue, let kind = m.object["kind"]?.stringValue else { continue }
            let k = apiVersion + "/" + kind
            if namespaced[k] != nil { continue }
            do {
                namespaced[k] = try await kube.resourceInfo(apiVersion: apiVersion, kind: kind).namespaced
            } catch {
                errors.append(PlanError(source: m.source, line: m.line, message: "\(kind) (\(apiVersion)) is not served by this cluster: \(error)"))
            }
        }
        var result = plan(appName: a.appId, manifests: a.manifests, defaultNamespace: a.destinationNamespace) { key in
            namespaced[key.apiVersion + "/" + key.kind]
        }
        result.errors += errors
        if let scope = namespaceScope {
            for o in result.objects where o.key.namespace != scope {
                result.errors.append(PlanError(source: o.source, line: o.line, message: "\(o.key) is outside namespace \(scope), the only one this agent manages"))
            }
        }
        return result
    }

    func compare(_ objects: [PlannedObject]) async -> [ResourceStatus] {
        var rows: [ResourceStatus] = []
        for obj in objects {
            do {
                let live = try await kube.get(obj.key)
                let cmp = AgentEngine.compare(desired: obj.object, live: live)
                let h = health(of: live)
                rows.append(ResourceStatus(key: obj.key, status: cmp.status, health: h.status, message: cmp.status == .outOfSync ? cmp.diff : h.message))
            } catch {
                rows.append(ResourceStatus(key: obj.key, status: .unknown, health: .unknown, message: "cannot read the live object: \(error)"))
            }
        }
        return rows
    }

    func report(_ r: AppStatusReport) async {
        guard statuses[r.appId] != r else { return }
        statuses[r.appId] = r
        logger.info("status", metadata: ["app": "\(r.appId)", "sync": "\(r.sync.rawValue)", "health": "\(r.health.rawValue)"])
        do { try await sender?.send(.status(r)) } catch {
            logger.debug("status not sent (disconnected); it is resent on reconnect")
        }
    }
}
