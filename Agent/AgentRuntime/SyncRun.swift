import AgentEngine
import AgentKube
import Foundation
import HawserProtocol
import Logging

/// One sync operation: create the namespace if asked, apply wave by wave (each wave healthy
/// before the next), prune what Git dropped, and record a result per resource in Argo CD's
/// words (`Synced`, `SyncFailed`, `Pruned`, `PruneSkipped`).
///
/// A failing wave stops the operation: later waves are not applied, so nothing that depends
/// on a broken earlier wave rolls out (Argo CD's behaviour). Everything that was or was not
/// done is in the returned state.
struct SyncRun {
    // Order of an operation: PreSync hooks → waves (each healthy before the next) → Sync
    // hooks → prune → (everything healthy) → PruneLast → PostSync hooks; any failure runs
    // the SyncFail hooks and stops.
    let kube: KubeClient
    let logger: Logger
    /// How long a wave may take to become healthy before the operation fails.
    let waveTimeout: Duration

    struct Outcome {
        var state: OperationState
        /// Keys applied successfully: they join the app's inventory.
        var applied: Set<ResourceKey>
        /// Keys pruned: they leave it.
        var pruned: Set<ResourceKey>
        var failures: [ResourceKey: String]
    }

    struct Orphan {
        var key: ResourceKey
        var live: JSONValue
    }

    /// - Parameter selfHeal: this run undoes drift of an already-applied generation. Drift made
    ///   with kubectl edit/scale belongs to another field manager; self-heal means "Git wins",
    ///   so it takes those fields back (force) even without `ServerSideApply=force`.
    func run(_ a: Assignment, waves: [(wave: Int, objects: [PlannedObject])], unchanged: Set<ResourceKey> = [], hooks: [Hook] = [], orphans: [Orphan], initiatedBy: String?, retryCount: Int, selfHeal: Bool = false) async -> Outcome {
        let policy = a.syncPolicy
        var out = Outcome(
            state: OperationState(phase: .running, revision: a.revision, startedAt: Date(), retryCount: retryCount, initiatedBy: initiatedBy),
            applied: [], pruned: [], failures: [:])
        func finish(_ phase: OperationPhase, _ message: String) -> Outcome {
            out.state.phase = phase
            out.state.message = message
            out.state.finishedAt = Date()
            return out
        }
        /// A failed operation runs its SyncFail hooks before it reports.
        func fail(_ message: String) async -> Outcome {
            let failHooks = Hooks.of(.syncFail, in: hooks)
            if !failHooks.isEmpty, let problem = await runHooks(failHooks, phase: .syncFail, app: a.appId, into: &out) {
                return finish(.failed, message + "; SyncFail hook failed too: " + problem)
            }
            return finish(.failed, message)
        }

        // The namespace comes first: PreSync hooks usually run in it.
        if policy.has(SyncOption.createNamespace) {
            do {
                try await ensureNamespace(a.destinationNamespace, into: &out)
            } catch {
                return await fail("cannot create namespace \(a.destinationNamespace): \(error)")
            }
        }
        if let problem = await runHooks(Hooks.of(.preSync, in: hooks), phase: .preSync, app: a.appId, into: &out) {
            return await fail("PreSync hook failed: \(problem); nothing was applied")
        }


        let force = policy.has(SyncOption.serverSideApplyForce) || selfHeal
        for (index, wave) in waves.enumerated() {
            if Task.isCancelled { return finish(.failed, "stopped: the application was withdrawn during the sync") }
            for obj in wave.objects {
                if unchanged.contains(obj.key) {
                    out.state.resources.append(ResourceResult(key: obj.key, status: .synced, message: "unchanged", wave: wave.wave))
                    continue
                }
                do {
                    _ = try await kube.apply(obj.object, fieldManager: "hawser", force: force)
                    out.applied.insert(obj.key)
                    out.state.resources.append(ResourceResult(key: obj.key, status: .synced, message: "applied", wave: wave.wave))
                } catch {
                    let message = Self.explain(error, obj)
                    out.failures[obj.key] = message
                    out.state.resources.append(ResourceResult(key: obj.key, status: .syncFailed, message: message, wave: wave.wave))
                    logger.warning("apply failed", metadata: ["app": "\(a.appId)", "object": "\(obj.key)", "error": "\(error)"])
                }
            }
            if !out.failures.isEmpty {
                return await fail("one or more objects failed to apply in wave \(wave.wave); later waves were not applied")
            }
            let isLast = index == waves.count - 1
            if !isLast {
                if let problem = await waitHealthy(wave.objects) {
                    return await fail("wave \(wave.wave) did not become healthy: \(problem); later waves were not applied")
                }
            }
        }

        // Prune what Git dropped: objects marked Prune=false are skipped; with PruneLast
        // (app option or per object) pruning waits until everything applied is healthy.
        let lastWave = waves.last?.wave ?? 0
        var later: [Orphan] = []
        for orphan in orphans {
            let options = ResourceSyncOptions.of(orphan.live)
            if options.contains(SyncOption.pruneFalse) {
                out.state.resources.append(ResourceResult(key: orphan.key, status: .pruneSkipped, message: "Prune=false", wave: lastWave))
            } else if !policy.prune {
                out.state.resources.append(ResourceResult(key: orphan.key, status: .pruneSkipped, message: "requires pruning; prune is off", wave: lastWave))
            } else if policy.has(SyncOption.pruneLast) || options.contains(SyncOption.pruneLast) {
                later.append(orphan)
            } else {
                await prune(orphan, app: a.appId, wave: lastWave, into: &out)
            }
        }
        if let problem = await runHooks(Hooks.of(.sync, in: hooks), phase: .sync, app: a.appId, into: &out) {
            return await fail("Sync hook failed: \(problem)")
        }
        let postSync = Hooks.of(.postSync, in: hooks)
        if !later.isEmpty || !postSync.isEmpty {
            // PruneLast and PostSync hooks run once everything applied is healthy.
            if let problem = await waitHealthy(waves.flatMap(\.objects)) {
                return await fail("the application did not become healthy: \(problem)")
            }
            for orphan in later { await prune(orphan, app: a.appId, wave: lastWave, into: &out) }
        }
        if !out.failures.isEmpty { return await fail("one or more objects failed to prune") }
        if let problem = await runHooks(postSync, phase: .postSync, app: a.appId, into: &out) {
            return await fail("PostSync hook failed: \(problem)")
        }
        return finish(.succeeded, "successfully synced (all tasks run)")
    }

    /// Runs hooks one after another: delete a previous run (BeforeHookCreation), create, wait
    /// until it completes (a Job's Complete condition, a Pod's Succeeded phase: health
    /// Healthy), then apply the delete policy. Returns what failed, or nil.
    private func runHooks(_ hooks: [Hook], phase: HookPhase, app: String, into out: inout Outcome) async -> String? {
        for hook in hooks {
            if Task.isCancelled { return "stopped: the application was withdrawn" }
            let obj = hook.object
            do {
                if hook.deletePolicies.contains(.beforeHookCreation), try await kube.get(obj.key) != nil {
                    try await kube.delete(obj.key)
                    try await waitGone(obj.key)
                }
                _ = try await kube.apply(obj.object, fieldManager: "hawser", force: true)
            } catch {
                let message = "\(phase.rawValue) hook \(obj.key): \(Self.explain(error, obj))"
                out.state.resources.append(ResourceResult(key: obj.key, status: .syncFailed, message: message, wave: hook.wave))
                return message
            }
            let problem = await waitHealthy([obj])
            let succeeded = problem == nil
            out.state.resources.append(ResourceResult(
                key: obj.key, status: succeeded ? .synced : .syncFailed,
                message: succeeded ? "\(phase.rawValue) hook completed" : "\(phase.rawValue) hook failed: \(problem!)", wave: hook.wave))
            logger.info("hook finished", metadata: ["app": "\(app)", "hook": "\(obj.key)", "phase": "\(phase.rawValue)", "succeeded": "\(succeeded)"])
            if (succeeded && hook.deletePolicies.contains(.hookSucceeded)) || (!succeeded && hook.deletePolicies.contains(.hookFailed)) {
                _ = try? await kube.delete(obj.key)
            }
            if let problem { return "\(obj.key): \(problem)" }
        }
        return nil
    }

    private func waitGone(_ key: ResourceKey) async throws {
        let deadline = ContinuousClock.now + waveTimeout
        while ContinuousClock.now < deadline {
            if try await kube.get(key) == nil { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw KubeError(code: 0, reason: "Timeout", message: "\(key) was not deleted within \(waveTimeout)")
    }

    private func prune(_ orphan: Orphan, app: String, wave: Int, into out: inout Outcome) async {
        do {
            try await kube.delete(orphan.key)
            out.pruned.insert(orphan.key)
            out.state.resources.append(ResourceResult(key: orphan.key, status: .pruned, message: "pruned", wave: wave))
            logger.info("pruned", metadata: ["app": "\(app)", "object": "\(orphan.key)"])
        } catch {
            out.failures[orphan.key] = "prune failed: \(error)"
            out.state.resources.append(ResourceResult(key: orphan.key, status: .syncFailed, message: "prune failed: \(error)", wave: wave))
        }
    }

    /// `CreateNamespace=true`: the namespace is created, not tracked (it is never pruned).
    private func ensureNamespace(_ name: String, into out: inout Outcome) async throws {
        let key = ResourceKey(group: "", version: "v1", kind: "Namespace", namespace: "", name: name)
        guard try await kube.get(key) == nil else { return }
        _ = try await kube.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]], fieldManager: "hawser")
        out.state.resources.append(ResourceResult(key: key, status: .synced, message: "namespace created (CreateNamespace=true)", wave: Int.min))
    }

    /// Waits until every object is healthy; returns what is wrong when one degrades or the
    /// wave timeout passes.
    func waitHealthy(_ objects: [PlannedObject]) async -> String? {
        let deadline = ContinuousClock.now + waveTimeout
        var waiting = ""
        while ContinuousClock.now < deadline {
            waiting = ""
            for obj in objects {
                let live = try? await kube.get(obj.key)
                let h = health(of: live)
                switch h.status {
                case .healthy: continue
                case .degraded: return "\(obj.key) is Degraded: \(h.message ?? "")"
                default: waiting = "\(obj.key) is \(h.status.rawValue)\(h.message.map { ": \($0)" } ?? "")"
                }
                break
            }
            if waiting.isEmpty { return nil }
            do { try await Task.sleep(for: .milliseconds(500)) } catch { return "stopped: the application was withdrawn" }
        }
        return "timed out after \(waveTimeout): \(waiting)"
    }

    /// Conflicts get a hint; everything names the file and line the object came from.
    static func explain(_ error: any Error, _ obj: PlannedObject) -> String {
        if let k = error as? KubeError, k.code == 409 {
            return "\(obj.source):\(obj.line): conflict with another field manager: \(k.message) (add sync option ServerSideApply=force to take ownership)"
        }
        return "\(obj.source):\(obj.line): apply failed: \(error)"
    }
}
