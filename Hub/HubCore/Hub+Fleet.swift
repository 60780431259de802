import Foundation
import HawserProtocol
import HubStore

/// Fleet applications: one definition, a cluster label selector, and one deployment per
/// matching cluster (ApplicationSet's cluster generator, Fleet's targets, OCM's placement).
///
/// Each deployment is an application record of its own, `<app>.<cluster>` (a name no user app
/// can take: app names have no dots), with the fleet app as `parent`, so everything a
/// single-cluster app has (render, assignment, status, history, sync, rollback) works per
/// cluster unchanged. Agents know a deployment by the fleet app's name: a cluster holds one.
extension Hub {
    static func deploymentName(_ parent: String, cluster: String) -> String { "\(parent).\(cluster)" }

    /// The application a name lists under: a fleet deployment's fleet app, else the name itself
    /// (app names have no dots, so the first one separates app and cluster).
    static func listedName(_ name: String) -> String { String(name.prefix { $0 != "." }) }

    /// Clusters a selector picks now (revoked ones never).
    func matchingClusters(_ selector: String) async throws -> [ClusterRecord] {
        let parsed = try LabelSelector.parse(selector)
        return try await store.clusters().filter { $0.state != .revoked && parsed.matches($0.labels) }
    }

    /// The deployment of `parent` for `cluster`: the fleet's settings with `{{cluster.*}}`
    /// filled in.
    static func deploymentRecord(_ parent: AppRecord, cluster: ClusterRecord) throws(ClusterTemplate.Failure) -> AppRecord {
        func fill(_ s: String) throws(ClusterTemplate.Failure) -> String { try ClusterTemplate.fill(s, cluster: cluster.name, labels: cluster.labels) }
        var d = parent
        d.name = deploymentName(parent.name, cluster: cluster.name)
        d.parent = parent.name
        d.clusterSelector = nil
        d.rollout = nil
        d.cluster = cluster.name
        d.path = try fill(parent.path)
        if var helm = parent.source.helm {
            helm.valueFiles = try helm.valueFiles.map { files throws(ClusterTemplate.Failure) in
                var out: [String] = []
                for f in files { out.append(try fill(f)) }
                return out
            }
            helm.values = try helm.values.map { v throws(ClusterTemplate.Failure) in try fill(v) }
            helm.releaseName = try helm.releaseName.map { v throws(ClusterTemplate.Failure) in try fill(v) }
            if let parameters = helm.parameters {
                var filled: [HelmParameter] = []
                for var p in parameters {
                    p.value = try fill(p.value)
                    filled.append(p)
                }
                helm.parameters = filled
            }
            d.source.helm = helm
        }
        return d
    }

    /// Brings a fleet application's deployments in line with the clusters its selector
    /// matches now: a new matching cluster gets a deployment, a changed fleet app changes all
    /// of them, and a cluster that stopped matching loses its deployment, its objects pruned
    /// when prune is on and otherwise left in place with a warning. Then renders them.
    ///
    /// - Parameter renderAll: render every deployment (a refresh, a change of the fleet app);
    ///   otherwise only those added or changed now (a cluster came or changed labels).
    func reconcileFleet(_ name: String, fetchSince: ContinuousClock.Instant? = nil, renderAll: Bool = true) async throws {
        // One reconcile of a fleet at a time: two at once would both add or remove the same
        // deployment, and could send a cluster an unassign after its assignment.
        try await fleetQueue.run(name) { [self] in try await reconcileFleetNow(name, fetchSince: fetchSince, renderAll: renderAll) }
    }

    private func reconcileFleetNow(_ name: String, fetchSince: ContinuousClock.Instant?, renderAll: Bool) async throws {
        let parent = try await requireApp(name)
        guard let selector = parent.clusterSelector else { return }
        let project = try await requireProject(parent.project)
        let clusters = try await matchingClusters(selector)
        var existing = Dictionary(uniqueKeysWithValues: try await store.children(of: name).map { ($0.cluster, $0) })
        var conditions: [AppCondition] = []
        var current: [AppRecord] = []
        var touched: Set<String> = []
        for cluster in clusters {
            let wanted: AppRecord
            do { wanted = try Self.deploymentRecord(parent, cluster: cluster) } catch {
                conditions.append(AppCondition(type: "InvalidSpecError", message: "cluster \(cluster.name): \(error)"))
                if let old = existing.removeValue(forKey: cluster.name) { current.append(old) }
                continue
            }
            if let refusal = project.spec.destinationRefusal(cluster: cluster.name, namespace: parent.namespace, project: project.name) {
                conditions.append(AppCondition(type: "InvalidSpecError", message: "cluster \(cluster.name): \(refusal)"))
                continue  // a deployment the project now refuses is removed below
            }
            if var old = existing.removeValue(forKey: cluster.name) {
                // A rolled-back deployment keeps its pin and its auto-sync off until someone
                // syncs it or changes the fleet app (which clears every pin, as `app set` does).
                var compare = wanted
                compare.createdAt = old.createdAt
                compare.updatedAt = old.updatedAt
                compare.refreshRequestedAt = old.refreshRequestedAt
                // The pin stands unless the fleet app itself changed after it was set.
                let pinned = old.rollback.map { parent.updatedAt <= $0.at } ?? false
                if pinned {
                    compare.rollback = old.rollback
                    compare.autoSync = old.autoSync
                }
                if compare != old {
                    let t = now()
                    old = try await store.updateApp(named: old.name) { record in
                        let keepCreated = record.createdAt
                        record = wanted
                        record.createdAt = keepCreated
                        record.updatedAt = t
                    }
                    touched.insert(old.name)
                }
                current.append(old)
            } else {
                var record = wanted
                record.createdAt = now()
                record.updatedAt = record.createdAt
                record.rollback = nil
                await tombstones.forget(record.name)
                try await store.createApp(record)
                touched.insert(record.name)
                logger.info("fleet deployment added", metadata: ["app": "\(name)", "cluster": "\(cluster.name)"])
                current.append(record)
            }
        }
        // Clusters that no longer match (or were removed, or now refused by the project).
        for (clusterName, gone) in existing.sorted(by: { $0.key < $1.key }) {
            try await store.deleteApp(named: gone.name)
            await tombstones.record(gone.name, cascade: parent.prune)
            if let c = try await store.cluster(named: clusterName), let session = await sessions.session(for: c.id) {
                await sessions.released(appId: parent.name, clusterId: c.id)
                await session.send(.unassign(Unassign(appId: parent.name, cascade: parent.prune)))
            }
            logger.notice("fleet deployment removed", metadata: ["app": "\(name)", "cluster": "\(clusterName)", "prune": "\(parent.prune)"])
            if !parent.prune {
                conditions.append(AppCondition(type: "OrphanedResourceWarning",
                    message: "cluster \(clusterName) no longer matches \(selector); its objects were left in place because prune is off (delete them there, or turn prune on before a cluster leaves)"))
            }
        }
        if clusters.isEmpty {
            conditions.append(AppCondition(type: "ClusterSelectorWarning", message: "no cluster matches \(selector); `hawser cluster list -l '\(selector)'` shows what would"))
        }
        try await saveFleetConditions(parent, conditions)
        // Sixteen deployments at a time: renders come from the cache, and the store commits
        // the writes that meet in one transaction, so a thousand clusters cost dozens of
        // commits, not a thousand one after another.
        let due = current.filter { renderAll || touched.contains($0.name) }.map(\.name)
        await withTaskGroup(of: Void.self) { group in
            var next = due.makeIterator()
            func add() -> Bool {
                guard let deployment = next.next() else { return false }
                group.addTask { [self] in
                    do {
                        _ = try await refreshQueue.run(deployment) { [self] in
                            try await renderAndAssign(try await requireApp(deployment), fetchSince: fetchSince)
                        }
                    } catch {
                        logger.warning("fleet deployment render failed", metadata: ["app": "\(deployment)", "error": "\(error)"])
                    }
                }
                return true
            }
            for _ in 0..<16 where add() {}
            while await group.next() != nil { _ = add() }
        }
        await publishApp(name)
    }

    /// A fleet application has no render of its own; its render row carries the fleet's
    /// conditions. Orphan warnings stay until the app is changed.
    func saveFleetConditions(_ parent: AppRecord, _ conditions: [AppCondition]) async throws {
        var r = try await store.render(app: parent.name)
            ?? AppRenderRecord(appName: parent.name, revision: nil, commit: nil, manifests: [], manifestsDigest: "", conditions: [], renderedAt: now(), generation: 0)
        let kept = r.conditions.filter { $0.type == "OrphanedResourceWarning" && !conditions.contains($0) }
        r.conditions = kept + conditions
        r.renderedAt = now()
        try await store.saveRender(r)
    }

    /// After clusters come, go or change labels.
    func reconcileAllFleets() async {
        for app in (try? await store.apps()) ?? [] where app.isFleet {
            do { try await reconcileFleet(app.name, renderAll: false) } catch {
                logger.warning("fleet reconcile failed", metadata: ["app": "\(app.name)", "error": "\(error)"])
            }
        }
    }

    /// A fleet app's rows, one per cluster, and its aggregate.
    func fleetView(_ parent: AppRecord) async throws -> (destinations: [DestinationView], sync: SyncStatusCode, health: HealthStatusCode, target: CommitInfo?) {
        var rows: [DestinationView] = []
        var commits: [String: (Int, CommitInfo)] = [:]
        for child in try await store.children(of: parent.name) {
            let v = try await view(child)
            rows.append(DestinationView(cluster: child.cluster, deployment: child.name, sync: v.sync, health: v.health,
                                        targetRevision: v.targetCommit?.sha, syncedRevision: v.syncedRevision, operationPhase: v.operationPhase,
                                        message: v.conditions.map(\.message).first ?? v.message, reportedAt: v.reportedAt))
            if let c = v.targetCommit { commits[c.sha, default: (0, c)].0 += 1 }
        }
        let target = commits.values.max { $0.0 < $1.0 }?.1
        return (rows, FleetAggregate.sync(rows.map(\.sync)), FleetAggregate.health(rows.map(\.health)), target)
    }

    /// Folds fleet deployments' rows into their fleet application's: one row per listed app.
    static func foldFleets(_ rows: [AppStatusRow]) -> [(name: String, project: String, cluster: String, sync: SyncStatusCode, health: HealthStatusCode, deployment: Bool)] {
        var out: [(name: String, project: String, cluster: String, sync: SyncStatusCode, health: HealthStatusCode, deployment: Bool)] = []
        var byParent: [String: [(SyncStatusCode, HealthStatusCode)]] = [:]
        var parents: [(String, String)] = []
        for row in rows {
            if row.fleet { parents.append((row.name, row.project)); continue }
            let (sync, health) = effectiveStatus(sync: row.sync, health: row.health, observedGeneration: row.observedGeneration,
                                                 generation: row.generation, rendered: row.rendered)
            if let parent = row.parent { byParent[parent, default: []].append((sync, health)) }
            out.append((row.name, row.project, row.cluster, sync, health, row.parent != nil))
        }
        for (name, project) in parents {
            let states = byParent[name] ?? []
            out.append((name, project, "", FleetAggregate.sync(states.map(\.0)), FleetAggregate.health(states.map(\.1)), false))
        }
        return out
    }

    // MARK: Rollout

    static let rolloutWaiting = "RolloutWaiting"

    /// Why `deployment` may not take its new revision now, or nil when it may: its fleet app's
    /// `maxUnavailable` clusters already run a revision that has not reported Synced and
    /// Healthy. Deployments render one after another (the refresh queue), so the count is
    /// always up to date when it is read.
    func rolloutHold(_ deployment: AppRecord) async throws -> AppCondition? {
        guard let parentName = deployment.parent, let parent = try await store.app(named: parentName), let rollout = parent.rollout else { return nil }
        let siblings = try await store.deploymentStatusRows(parents: [parentName])
        guard let limit = rollout.limit(total: siblings.count) else { return nil }
        let updating = siblings.filter { row in
            guard row.name != deployment.name else { return false }
            let (sync, health) = Self.effectiveStatus(sync: row.sync, health: row.health, observedGeneration: row.observedGeneration,
                                                      generation: row.generation, rendered: row.rendered)
            return !(sync == .synced && health == .healthy)
        }
        guard updating.count >= limit else { return nil }
        let names = updating.map { $0.cluster }.sorted()
        return AppCondition(type: Self.rolloutWaiting, message:
            "waiting for the rollout: \(updating.count) cluster\(updating.count == 1 ? "" : "s") (\(names.prefix(5).joined(separator: ", "))\(names.count > 5 ? ", …" : "")) not yet Synced and Healthy, maxUnavailable \(rollout.maxUnavailable)")
    }

    /// A deployment reported Synced and Healthy: the clusters its rollout held back try again.
    func advanceRollout(_ parentName: String) async {
        guard let parent = try? await store.app(named: parentName), parent.rollout != nil else { return }
        // One step at a time per fleet app: two reports at once must not both open the gate.
        _ = try? await refreshQueue.run("rollout:" + parentName) { [self] in
            for child in try await store.children(of: parentName) {
                guard let r = try await store.render(app: child.name), r.conditions.contains(where: { $0.type == Self.rolloutWaiting }) else { continue }
                do { try await poll(appNamed: child.name) } catch {
                    logger.warning("rollout step failed", metadata: ["app": "\(child.name)", "error": "\(error)"])
                }
            }
        }
    }
}
