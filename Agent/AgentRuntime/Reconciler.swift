import AgentEngine
import AgentKube
import AgentLink
import Foundation
import HawserProtocol
import Logging

/// Makes the cluster match each assignment and reports how it differs.
///
/// One loop per application wakes on a new assignment, a command from the hub, or the resync
/// interval. Wake-ups are coalesced into the strongest pending trigger (sync > assigned >
/// refresh > resync), so a burst of events costs one reconciliation and a `sync` is never
/// dropped. Automated apps apply new assignments; with self-heal they also undo drift. The
/// engine (plan, compare, health) is pure; this actor only moves data between it, the
/// Kubernetes API and the hub.
public actor Reconciler {
    enum Trigger: Int, Comparable, Sendable {
        case resync, refresh, assigned, sync
        static func < (a: Trigger, b: Trigger) -> Bool { a.rawValue < b.rawValue }
    }

    struct Loop {
        let task: Task<Void, Never>
        let ticker: Task<Void, Never>
        let wake: AsyncStream<Void>.Continuation
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
    var loops: [String: Loop] = [:]
    var pending: [String: Trigger] = [:]
    /// Apps with a quick re-check scheduled (a rollout in progress); at most one each.
    var rechecks: Set<String> = []
    /// The last sync operation per app.
    var operations: [String: OperationState] = [:]
    struct RetryState {
        var generation: Int
        var count: Int
        var due: Bool
    }
    var retries: [String: RetryState] = [:]
    var lastSelfHeal: [String: ContinuousClock.Instant] = [:]
    /// Commands handled, manual syncs asked for (who asked, for the operation record and the
    /// hub's audit trail) and syncs running: on disk, so a crash loses none of them.
    var progress: AgentStateDirectory.Progress
    /// Every status goes through here to the hub (queued on disk while it is unreachable).
    public nonisolated let outbox: StatusOutbox
    let waveTimeout: Duration
    var watcher: DriftWatcher?
    let liveState: LiveState
    let heapTrim = HeapTrim()
    /// Kinds each app's objects are, so the watcher covers exactly what apps use.
    var kindsByApp: [String: Set<DriftWatcher.Kind>] = [:]
    let metrics: AgentMetrics

    public init(kube: KubeClient, state: AgentStateDirectory, resyncInterval: Duration, namespaceScope: String?, waveTimeout: Duration = .seconds(300),
                statusQueueLimit: Int = 10_000, metrics: AgentMetrics = AgentMetrics(), logger: Logger) {
        self.progress = state.loadProgress()
        self.outbox = StatusOutbox(path: state.outboxPath, limit: statusQueueLimit, logger: logger)
        self.metrics = metrics
        self.waveTimeout = waveTimeout
        self.kube = kube
        self.liveState = LiveState(kube: kube)
        self.state = state
        self.resyncInterval = resyncInterval
        self.namespaceScope = namespaceScope
        self.logger = logger
        self.snapshot = state.loadSnapshot()
    }

    /// Starts a loop for every assignment kept on disk: desired state survives restarts. A
    /// sync the last run of the agent did not finish is reported interrupted (once: the report
    /// is queued before the record of it is cleared), and a manual sync not finished runs again.
    public func start() {
        watcher = DriftWatcher(kube: kube, namespace: namespaceScope, logger: logger) { [weak self] app in
            await self?.driftSeen(app)
        }
        for (appId, op) in progress.running.sorted(by: { $0.key < $1.key }) {
            guard let a = snapshot.assignments[appId] else { continue }
            var interrupted = op
            interrupted.phase = .error
            interrupted.finishedAt = Date()
            interrupted.message = "interrupted: the agent stopped during this sync (crash or restart); "
                + (progress.pendingSyncs[appId] != nil || a.syncPolicy.automated ? "it runs again" : "sync again to finish it")
            operations[appId] = interrupted
            logger.warning("a sync was interrupted by the agent stopping", metadata: ["app": "\(appId)", "revision": "\(op.revision.prefix(8))"])
            let status = AppStatusReport(appId: appId, observedRevision: snapshot.applied[appId]?.revision, observedGeneration: a.generation,
                                         sync: .unknown, health: .unknown, resources: [],
                                         conditions: [AppCondition(type: "SyncError", message: interrupted.message ?? "interrupted")],
                                         operationPhase: .error, operation: interrupted)
            statuses[appId] = status
            outbox.append(status)
        }
        if !progress.running.isEmpty {
            progress.running = [:]
            saveProgress()
        }
        for appId in snapshot.assignments.keys { startLoop(appId) }
        for appId in progress.pendingSyncs.keys where snapshot.assignments[appId] != nil { poke(appId, .sync) }
    }

    func saveProgress() {
        do { try state.saveProgress(progress) } catch {
            logger.error("cannot save the agent's progress (commands handled, syncs running)", metadata: ["error": "\(error)"])
        }
    }

    /// For `hello`: the hub's command stream and the last command handled in it.
    public func commandPosition() -> (stream: String?, seq: UInt64) { (progress.commandStream, progress.commandSeq) }

    /// The hub named its command stream in `welcome`: a new one (its store was replaced)
    /// numbers commands afresh.
    public func commandStream(is stream: String?) {
        guard let stream, stream != progress.commandStream else { return }
        progress.commandStream = stream
        progress.commandSeq = 0
        progress.handledCommands = []
        saveProgress()
    }

    /// The hub lost statuses it had acknowledged (its store was restored): report every app's
    /// current status again.
    public func reportAllAgain() {
        for status in statuses.values.sorted(by: { $0.appId < $1.appId }) { outbox.append(status) }
    }

    public func stop() async {
        for (_, l) in loops { stopLoop(l) }
        loops = [:]
        await watcher?.stop()
    }

    /// A watched object of `app` changed: compare now (and self-heal if the app says so).
    func driftSeen(_ app: String) {
        guard loops[app] != nil else { return }
        poke(app, .refresh)
    }

    private func watchKinds(of appId: String, _ kinds: Set<DriftWatcher.Kind>?) async {
        kindsByApp[appId] = kinds
        await watcher?.watch(kindsByApp.values.reduce(into: Set()) { $0.formUnion($1) })
    }

    // MARK: From the link

    /// Revision and generation per app for `hello`: the generation of the assignment held
    /// (so the hub resends only newer ones) and the revision last applied.
    public func lastApplied() -> [String: AppliedRevision] {
        snapshot.assignments.mapValues { a in
            AppliedRevision(revision: snapshot.applied[a.appId]?.revision ?? "", generation: a.generation, bundle: a.bundle)
        }
    }

    /// The bundles this agent holds, for `hello`.
    public func bundles() -> [String] {
        Array(Set(snapshot.assignments.values.compactMap(\.bundle))).sorted()
    }

    public func connected(_ sender: FrameSender) async {
        self.sender = sender
    }

    public func disconnected() {
        sender = nil
    }

    public func assign(_ received: Assignment) async {
        var a = received
        if a.manifestsOmitted {
            // The hub named a bundle this agent holds (for this app or another): take its
            // manifests from there. If it is gone, say so; the hub sends the manifests.
            guard let bundle = a.bundle, let holder = snapshot.assignments.values.first(where: { $0.bundle == bundle && !$0.manifestsOmitted }) else {
                logger.warning("assignment names a bundle this agent does not hold; asking for the manifests", metadata: ["app": "\(a.appId)", "bundle": "\(a.bundle?.prefix(12) ?? "none")"])
                try? await sender?.send(.error(ProtocolError(.bundleMissing, "bundle \(a.bundle ?? "none") is not held here; send the manifests", appId: a.appId)))
                return
            }
            a.manifests = holder.manifests
            a.manifestsOmitted = false
        }
        snapshot.assignments[a.appId] = a
        persist()
        logger.info("assignment received", metadata: ["app": "\(a.appId)", "revision": "\(a.revision.prefix(8))", "generation": "\(a.generation)", "objects": "\(a.manifests.count)"])
        if loops[a.appId] == nil { startLoop(a.appId) }
        poke(a.appId, .assigned)
    }

    /// Withdraws an app. With `cascade`, deletes what it owns, off the link's read loop (a slow
    /// API server must not stall heartbeats).
    public func unassign(_ u: Unassign) async {
        let previous = snapshot.assignments.removeValue(forKey: u.appId)
        let inventory = snapshot.inventory.removeValue(forKey: u.appId) ?? []
        snapshot.applied[u.appId] = nil
        statuses[u.appId] = nil
        pending[u.appId] = nil
        operations[u.appId] = nil
        retries[u.appId] = nil
        persist()
        if progress.pendingSyncs.removeValue(forKey: u.appId) != nil || progress.running.removeValue(forKey: u.appId) != nil { saveProgress() }
        let stopped = loops.removeValue(forKey: u.appId)
        if let stopped { stopLoop(stopped) }
        await watchKinds(of: u.appId, nil)
        await liveState.forget(inventory)
        logger.info("application withdrawn", metadata: ["app": "\(u.appId)", "cascade": "\(u.cascade)"])
        guard u.cascade else { return }
        Task {
            // A sync still running for the app stops at its next step; delete after it.
            await stopped?.task.value
            var keys = inventory
            if let previous { keys += await self.planObjects(previous).objects.map(\.key) }
            for key in Set(keys).sorted().reversed() {
                await self.deleteIfOwned(key, app: u.appId)
            }
        }
    }

    /// Handles a command once: a position of the hub's command stream handled before is a
    /// resend (its acknowledgement was lost) and is ignored. A sync is recorded on disk before
    /// this returns, and so before the link acknowledges it.
    public func command(_ c: Command) {
        if let seq = c.streamSeq {
            guard progress.firstTime(seq) else {
                logger.info("ignoring a command already handled", metadata: ["app": "\(c.appId)", "streamSeq": "\(seq)"])
                return
            }
        }
        defer { saveProgress() }
        guard loops[c.appId] != nil else {
            logger.warning("command for an app this agent does not hold", metadata: ["app": "\(c.appId)"])
            return
        }
        logger.info("command", metadata: ["app": "\(c.appId)", "action": "\(c.action.rawValue)", "by": "\(c.initiatedBy ?? "-")"])
        if c.action == .sync { progress.pendingSyncs[c.appId] = .init(by: c.initiatedBy ?? "hub", seq: c.streamSeq ?? 0) }
        poke(c.appId, c.action == .sync ? .sync : .refresh)
    }

    // MARK: Loops

    func poke(_ appId: String, _ trigger: Trigger) {
        pending[appId] = max(pending[appId] ?? trigger, trigger)
        loops[appId]?.wake.yield()
    }

    func takeTrigger(_ appId: String) -> Trigger? {
        pending.removeValue(forKey: appId)
    }

    private func startLoop(_ appId: String) {
        let (stream, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let interval = resyncInterval
        let ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await self?.poke(appId, .resync)
            }
        }
        let task = Task { [weak self] in
            for await _ in stream {
                guard let self, !Task.isCancelled else { break }
                if let trigger = await self.takeTrigger(appId) {
                    let started = ContinuousClock.now
                    await self.reconcile(appId, trigger: trigger)
                    self.metrics.reconciled(.now - started, trigger: "\(trigger)")
                    await self.heapTrim.afterWork()
                }
            }
        }
        loops[appId] = Loop(task: task, ticker: ticker, wake: wake)
        if snapshot.assignments[appId] != nil { poke(appId, .resync) }
    }

    private func stopLoop(_ l: Loop) {
        l.ticker.cancel()
        l.task.cancel()
        l.wake.finish()
    }

    /// Rollouts in progress are re-checked after a second rather than at the next resync.
    private func scheduleRecheck(_ appId: String) {
        guard !rechecks.contains(appId) else { return }
        rechecks.insert(appId)
        Task { [weak self] in
            try? await Task.sleep(for: .seconds(1))
            await self?.recheckDue(appId)
        }
    }

    func recheckDue(_ appId: String) {
        rechecks.remove(appId)
        poke(appId, .refresh)
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
        let kinds = Set(planned.objects.map { DriftWatcher.Kind(apiVersion: $0.key.apiVersion, kind: $0.key.kind) })
        guard snapshot.assignments[appId] == a, !Task.isCancelled else { return }
        if kindsByApp[appId] != kinds { await watchKinds(of: appId, kinds) }
        let split = Hooks.split(planned.objects)
        let grouped = SyncWaves.group(split.resources)
        let errors = planned.errors + split.errors + grouped.errors
        let refusals = Self.projectRefusals(a, planned.objects)
        if !errors.isEmpty || !refusals.isEmpty {
            metrics.error(errors.isEmpty ? "invalid_spec" : "comparison")
            await report(AppStatusReport(
                appId: appId, observedRevision: snapshot.applied[appId]?.revision, observedGeneration: a.generation,
                sync: .unknown, health: .unknown, resources: [],
                conditions: errors.map { AppCondition(type: "ComparisonError", message: "\($0)") }
                    + refusals.map { AppCondition(type: "InvalidSpecError", message: $0) },
                message: errors.isEmpty ? "project \(a.project) forbids objects of this revision; nothing was applied"
                    : "the manifests are invalid; nothing was applied",
                operation: operations[appId]))
            // A manual sync of this revision cannot run: it is answered (by this status), not kept.
            if trigger == .sync, progress.pendingSyncs.removeValue(forKey: appId) != nil { saveProgress() }
            return
        }
        var rows = await compare(split.resources, app: appId, ignoring: a.ignoreDifferences)
        var orphans = await ownedOrphans(appId, planned: planned.objects)
        var aggregate = AppAggregate(rows: rows + orphans.map(\.row))
        let policy = a.syncPolicy
        let appliedCurrent = snapshot.applied[appId]?.revision == a.revision && snapshot.applied[appId]?.generation == a.generation
        // Differences a sync cannot fix (prunes it may not do) must not start syncs forever.
        let prunable = orphans.filter { policy.prune && !ResourceSyncOptions.of($0.live).contains(SyncOption.pruneFalse) }
        let fixable = AppAggregate(rows: rows + prunable.map(\.row))
        let retrying = retries[appId].map { $0.generation == a.generation && $0.due } ?? false
        // Sync windows hold automated syncs (and retries) back; a manual sync was already let
        // through by the hub, but a deny window without manualSync stops it here too.
        let windows = a.syncWindows.verdict(app: appId, namespace: a.destinationNamespace, cluster: a.projectRules?.cluster ?? "", at: Date())
        let wantsApply: Bool = switch trigger {
        case .sync: true
        case .assigned: policy.automated && (fixable.sync != .synced || !appliedCurrent)
        case .refresh, .resync:
            retrying || (policy.automated && fixable.sync == .outOfSync && (!appliedCurrent || selfHealAllowed(appId, policy)) && !failedBefore(appId, a))
        }
        let applyNow = wantsApply && (trigger == .sync ? windows.manualAllowed : windows.automatedAllowed)
        if wantsApply && !applyNow {
            logger.info("sync held back by a sync window", metadata: ["app": "\(appId)", "reason": "\(windows.reason)"])
            scheduleWindowRecheck(appId)
        }
        var failures: [ResourceKey: String] = [:]
        if applyNow {
            let attempt = retrying ? (retries[appId]?.count ?? 0) : 0
            logger.info("syncing", metadata: ["app": "\(appId)", "revision": "\(a.revision.prefix(8))", "trigger": "\(trigger)", "retry": "\(attempt)"])
            // Say a sync is running: waves and hooks can take minutes.
            var running = statuses[appId] ?? AppStatusReport(appId: appId, observedRevision: snapshot.applied[appId]?.revision, observedGeneration: a.generation,
                                                             sync: aggregate.sync, health: aggregate.health, resources: rows)
            running.operationPhase = .running
            running.operation = OperationState(phase: .running, message: "syncing to \(a.revision.prefix(8))", revision: a.revision, startedAt: Date(), retryCount: attempt)
            if !appliedCurrent || !policy.selfHeal { lastSelfHeal[appId] = nil } else { lastSelfHeal[appId] = ContinuousClock.now }
            // On disk before the first write to the cluster: a crash from here on is reported.
            let request = trigger == .sync ? progress.pendingSyncs[appId] : nil
            progress.running[appId] = running.operation
            saveProgress()
            await report(running)
            let run = SyncRun(kube: kube, logger: logger, waveTimeout: waveTimeout)
            // Objects already in sync (exact, by the server-side dry-run diff) are not applied
            // again: a sync of an unchanged app costs no writes.
            let inSync = Set(rows.filter { $0.status == .synced }.map(\.key))
            let selfHealing = policy.automated && policy.selfHeal && appliedCurrent && trigger != .sync
            let by = trigger == .sync ? (request?.by ?? "hub") : (selfHealing ? "automated (self-heal)" : "automated")
            let outcome = await run.run(a, waves: grouped.waves, unchanged: inSync, hooks: split.hooks, orphans: orphans.map { .init(key: $0.row.key, live: $0.live) },
                                        initiatedBy: by, retryCount: attempt, selfHeal: selfHealing)
            progress.running[appId] = nil
            if let request, progress.pendingSyncs[appId] == request { progress.pendingSyncs[appId] = nil }
            saveProgress()
            // Withdrawn while we were applying: its state is gone, do not write it back.
            guard let current = snapshot.assignments[appId], !Task.isCancelled else { return }
            var inventory = Set(snapshot.inventory[appId] ?? []).union(outcome.applied).union(inSync)
            inventory.subtract(outcome.pruned)
            snapshot.inventory[appId] = inventory.sorted()
            // Re-assigned meanwhile: the objects were applied (inventory), but this run's
            // verdict is about an older generation; the next reconcile judges the new one.
            guard current == a else {
                persist()
                return
            }
            failures = outcome.failures
            operations[appId] = outcome.state
            metrics.synced(outcome.state.phase)
            if outcome.state.phase == .succeeded {
                snapshot.applied[appId] = AppliedRevision(revision: a.revision, generation: a.generation)
                retries[appId] = nil
            } else {
                scheduleRetry(appId, a, after: attempt)
            }
            persist()
            // Nothing written: the comparison made before the sync still holds.
            if !outcome.applied.isEmpty || !outcome.pruned.isEmpty || !split.hooks.isEmpty {
                rows = await compare(split.resources, app: appId, ignoring: a.ignoreDifferences)
                orphans = await ownedOrphans(appId, planned: planned.objects)
            }
        }
        for i in rows.indices {
            if let f = failures[rows[i].key] { rows[i].message = f; rows[i].status = .outOfSync }
        }
        let allRows = rows + orphans.map { o in
            var row = o.row
            if let f = failures[row.key] { row.message = f }
            return row
        }
        aggregate = AppAggregate(rows: allRows)
        guard snapshot.assignments[appId] != nil else { return }
        var conditions: [AppCondition] = []
        if let op = operations[appId], op.phase != .succeeded, op.revision == a.revision {
            let failed = op.resources.filter { $0.status == .syncFailed }.compactMap(\.message)
            conditions.append(AppCondition(type: "SyncError", message: ([op.message ?? "sync failed"] + failed).joined(separator: "; ")))
        }
        await report(AppStatusReport(
            appId: appId, observedRevision: snapshot.applied[appId]?.revision, observedGeneration: a.generation,
            sync: aggregate.sync, health: aggregate.health, resources: allRows, conditions: conditions,
            operationPhase: operations[appId]?.phase,
            message: aggregate.sync == .outOfSync && !policy.automated ? "out of sync; run `hawser app sync \(appId)`"
                : (aggregate.sync == .outOfSync && !windows.automatedAllowed ? "automated sync waits: \(windows.reason)" : nil),
            operation: operations[appId]))
        if aggregate.health == .progressing { scheduleRecheck(appId) }
    }

    /// Self-heal at most every two seconds per app: a controller that keeps rewriting a field
    /// Git also sets must not turn the agent into a hot loop of forced applies.
    func selfHealAllowed(_ appId: String, _ policy: SyncPolicy) -> Bool {
        guard policy.selfHeal else { return false }
        guard let last = lastSelfHeal[appId] else { return true }
        let wait = Self.selfHealBackoff - (ContinuousClock.now - last)
        if wait <= .zero { return true }
        if !rechecks.contains(appId) {
            rechecks.insert(appId)
            Task { [weak self] in
                try? await Task.sleep(for: wait)
                await self?.recheckDue(appId)
            }
        }
        return false
    }

    static let selfHealBackoff: Duration = .seconds(2)

    /// While a sync window holds an app back, look again every minute: windows open and close
    /// on minute boundaries.
    private func scheduleWindowRecheck(_ appId: String) {
        guard !rechecks.contains(appId) else { return }
        rechecks.insert(appId)
        Task { [weak self] in
            try? await Task.sleep(for: .seconds(60))
            await self?.recheckDue(appId)
        }
    }

    /// Objects the project does not allow (defence in depth: the hub checked first, but the
    /// agent knows from discovery which kinds are really cluster-scoped).
    static func projectRefusals(_ a: Assignment, _ objects: [PlannedObject]) -> [String] {
        guard let rules = a.projectRules else { return [] }
        return objects.compactMap { o in
            let group = o.key.apiVersion.contains("/") ? String(o.key.apiVersion.split(separator: "/")[0]) : ""
            let namespaced = !o.key.namespace.isEmpty
            return rules.objectRefusal(group: group, kind: o.key.kind, namespaced: namespaced, namespace: o.key.namespace)
                .map { "\(o.source):\(o.line): \(o.key.kind)/\(o.key.name): \($0)" }
        }
    }

    /// An automated sync that failed for this generation is not repeated on every resync
    /// (that would hammer the API server with the same error): only retries, a new
    /// generation, or a manual sync try again.
    func failedBefore(_ appId: String, _ a: Assignment) -> Bool {
        guard let op = operations[appId] else { return false }
        return op.phase != .succeeded && op.revision == a.revision && retries[appId]?.generation == a.generation
    }

    /// Schedules the next retry of a failed sync with the app's backoff, if any are left.
    func scheduleRetry(_ appId: String, _ a: Assignment, after attempt: Int) {
        var state = retries[appId].flatMap { $0.generation == a.generation ? $0 : nil } ?? RetryState(generation: a.generation, count: 0, due: false)
        state.due = false
        guard let policy = a.syncPolicy.retry, attempt < policy.limit else {
            retries[appId] = state
            return
        }
        state.count = attempt + 1
        retries[appId] = state
        let delay = policy.delay(beforeRetry: state.count)
        logger.info("sync failed; retrying", metadata: ["app": "\(appId)", "retry": "\(state.count)/\(policy.limit)", "in": "\(delay)s"])
        Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            await self?.retryDue(appId, generation: a.generation)
        }
    }

    private func retryDue(_ appId: String, generation: Int) {
        guard retries[appId]?.generation == generation else { return }
        retries[appId]?.due = true
        poke(appId, .refresh)
    }

    /// Objects this app applied earlier that Git no longer has and that still carry the app's
    /// instance label: Argo CD's "requires pruning". Gone ones leave the inventory.
    func ownedOrphans(_ appId: String, planned: [PlannedObject]) async -> [(row: ResourceStatus, live: JSONValue)] {
        let wanted = Set(planned.map(\.key))
        var out: [(ResourceStatus, JSONValue)] = []
        var remaining: [ResourceKey] = []
        for key in snapshot.inventory[appId] ?? [] where !wanted.contains(key) {
            let live: JSONValue
            do {
                guard let found = try await kube.get(key) else { continue }  // gone: leaves the inventory
                live = found
            } catch {
                remaining.append(key)  // cannot tell now: keep owning it
                continue
            }
            guard Self.owns(appId, live) else { continue }
            remaining.append(key)
            out.append((ResourceStatus(key: key, status: .outOfSync, health: nil, message: "requires pruning"), live))
        }
        let kept = (snapshot.inventory[appId] ?? []).filter { wanted.contains($0) } + remaining
        if snapshot.assignments[appId] != nil, kept.count != (snapshot.inventory[appId] ?? []).count {
            snapshot.inventory[appId] = kept.sorted()
            persist()
        }
        return out
    }

    /// An app owns an object when both its instance label and its tracking-id annotation name
    /// the app: a label copied onto someone else's object is not enough to get it deleted.
    static func owns(_ app: String, _ live: JSONValue) -> Bool {
        live[path: ["metadata", "labels", Tracking.instanceLabel]]?.stringValue == app
            && (live[path: ["metadata", "annotations", Tracking.trackingIDAnnotation]]?.stringValue?.hasPrefix(app + ":") ?? false)
    }

    func deleteIfOwned(_ key: ResourceKey, app: String) async {
        // Re-assigned meanwhile (deleted and created again): its objects are wanted again.
        guard snapshot.assignments[app] == nil else { return }
        do {
            guard let live = try await kube.get(key),
                  Self.owns(app, live) else { return }
            try await kube.delete(key)
            logger.info("deleted", metadata: ["app": "\(app)", "object": "\(key)"])
        } catch {
            logger.warning("cascade delete failed", metadata: ["app": "\(app)", "object": "\(key)", "error": "\(error)"])
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

    /// Compares every planned object with its live state: what the API server would make of
    /// the manifest (server-side dry run: defaults filled in, quantities normalised, zero values
    /// dropped) against what is live, as Argo CD's server-side diff does, minus ignored fields.
    func compare(_ objects: [PlannedObject], app: String, ignoring rules: [IgnoreDifference]) async -> [ResourceStatus] {
        await liveState.compare(objects, app: app, ignoring: rules)
    }

    /// Queues a changed status for the hub (StatusOutbox sends it, now or after a reconnect).
    func report(_ r: AppStatusReport) async {
        guard statuses[r.appId] != r else { return }
        statuses[r.appId] = r
        logger.info("status", metadata: ["app": "\(r.appId)", "sync": "\(r.sync.rawValue)", "health": "\(r.health.rawValue)"])
        outbox.append(r)
    }
}
