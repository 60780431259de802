import Foundation
import HawserProtocol
import HubGit
import HubRender
import HubStore

extension Hub {
    // MARK: CRUD

    /// Checks an app spec on its own and against its project (`project`, when it is not
    /// stored yet: a declarative set can create both); throws what to fix.
    func validate(_ spec: AppSpec, project given: ProjectRecord? = nil) async throws {
        try Validation.name(spec.name, what: "application")
        guard !spec.repoURL.isEmpty else { throw HubError(.invalid, "--repo is required: the Git repository's URL (https://, ssh://, git@host:org/repo.git, file:// or a local path)") }
        if Self.urlCarriesPassword(spec.repoURL) {
            throw HubError(.invalid, "--repo carries a password or token, which would be stored and shown in plain text; register the credentials with `hawser repo add URL --username U --password-file F` and give the URL without them")
        }
        if spec.path.hasPrefix("/") || spec.path.split(separator: "/").contains("..") {
            throw HubError(.invalid, "--path \"\(spec.path)\" leaves the repository: give a directory relative to the repository root, without \"..\"")
        }
        guard !spec.namespace.isEmpty else { throw HubError(.invalid, "--namespace is required: the namespace objects without one are deployed to") }
        for (key, value) in spec.labels { try Validation.label(key: key, value: value) }
        for option in spec.syncPolicy.syncOptions where !SyncOption.known.contains(option) {
            throw HubError(.invalid, "unknown sync option \"\(option)\"; known: \(SyncOption.known.sorted().joined(separator: ", "))")
        }
        for rule in spec.ignoreDifferences {
            guard !rule.kind.isEmpty, !rule.jsonPointers.isEmpty, rule.jsonPointers.allSatisfy({ $0.hasPrefix("/") }) else {
                throw HubError(.invalid, "ignoreDifferences needs a kind and JSON pointers starting with \"/\", e.g. {\"group\": \"apps\", \"kind\": \"Deployment\", \"jsonPointers\": [\"/spec/replicas\"]}")
            }
        }
        for (flag, pattern) in [("include", spec.directory?.include), ("exclude", spec.directory?.exclude)] {
            guard let pattern, !pattern.isEmpty else { continue }
            do { _ = try Glob(pattern) } catch { throw HubError(.invalid, "--directory-\(flag) \"\(pattern)\": \(error)") }
        }
        for file in spec.helm?.valueFiles ?? [] where file.hasPrefix("/") || file.contains("://") {
            throw HubError(.invalid, "--values \"\(file)\": give a values file relative to the chart's directory in the same repository")
        }
        if let release = spec.helm?.releaseName, !release.contains("{{"), !HelmRenderer.validReleaseName(release) {
            throw HubError(.invalid, "--release-name \"\(release)\": use at most 53 lowercase letters, digits and '-', starting and ending with a letter or digit")
        }
        for p in spec.helm?.parameters ?? [] where p.name.isEmpty {
            throw HubError(.invalid, "a Helm parameter has no name; write --helm-set NAME=VALUE")
        }
        if let retry = spec.syncPolicy.retry, retry.limit < 0 || retry.backoffSeconds <= 0 || retry.factor < 1 {
            throw HubError(.invalid, "retry needs limit >= 0, backoff > 0 seconds and factor >= 1")
        }
        let project: ProjectRecord
        if let given { project = given } else { project = try await requireProject(spec.project) }
        if let selector = spec.clusterSelector {
            guard spec.cluster.isEmpty else {
                throw HubError(.invalid, "give either --cluster (one cluster) or --cluster-selector (every matching cluster), not both")
            }
            do { _ = try LabelSelector.parse(selector) } catch {
                throw HubError(.invalid, "--cluster-selector \"\(selector)\": \(error); write e.g. env=prod,region in (eu,us)")
            }
            if let rollout = spec.rollout, rollout.limit(total: 100) == nil {
                throw HubError(.invalid, "--max-unavailable \"\(rollout.maxUnavailable)\": give a count of clusters (2) or a percentage (25%)")
            }
            // Destinations are checked per matching cluster; a refused one becomes a condition.
            if let refusal = project.spec.sourceRefusal(repoURL: spec.repoURL, project: project.name) { throw HubError(.forbidden, refusal) }
            return
        }
        guard spec.rollout == nil else { throw HubError(.invalid, "--max-unavailable applies to fleet applications (--cluster-selector) only") }
        guard !spec.cluster.isEmpty else { throw HubError(.invalid, "--cluster (one cluster) or --cluster-selector (every matching cluster) is required") }
        _ = try await requireCluster(spec.cluster)
        if let refusal = project.spec.sourceRefusal(repoURL: spec.repoURL, project: project.name)
            ?? project.spec.destinationRefusal(cluster: spec.cluster, namespace: spec.namespace, project: project.name) {
            throw HubError(.forbidden, refusal)
        }
    }

    public func createApp(_ spec: AppSpec) async throws -> AppView {
        try await validate(spec)
        if try await store.app(named: spec.name) != nil {
            throw HubError(.conflict, "application \"\(spec.name)\" already exists; change it with `hawser app set`, or pick another name")
        }
        let t = now()
        await tombstones.forget(spec.name)
        var record = AppRecord(name: spec.name, repoURL: spec.repoURL, path: spec.path, cluster: spec.cluster, namespace: spec.namespace, createdAt: t)
        Self.apply(spec, to: &record)
        try await store.createApp(record)
        logger.info("application created", metadata: ["app": "\(spec.name)", "cluster": "\(spec.cluster)", "clusterSelector": "\(spec.clusterSelector ?? "")"])
        return try await refresh(appNamed: spec.name)
    }

    /// Changes an app (Argo CD's `app set`): checked against its project like a new one, then
    /// rendered at once so the agent gets the new desired state. Moving an app to another
    /// cluster is a delete and a create (the old cluster's agent must let go of its objects).
    public func updateApp(_ spec: AppSpec) async throws -> AppView {
        let existing = try await requireApp(spec.name)
        if let parent = existing.parent {
            throw HubError(.invalid, "\(spec.name) is the deployment of fleet application \(parent) to one cluster; change \(parent) instead")
        }
        try Self.refuseManaged(existing.managedBy, "application \"\(spec.name)\"")
        guard (spec.clusterSelector == nil) == (existing.clusterSelector == nil) else {
            throw HubError(.invalid, "an application cannot switch between one cluster and a cluster selector; delete it and create it again")
        }
        guard spec.cluster == existing.cluster else {
            throw HubError(.invalid, "an application cannot move from cluster \(existing.cluster) to \(spec.cluster); delete it and create it on the new cluster")
        }
        try await validate(spec)
        let t = now()
        try await store.updateApp(named: spec.name) {
            Self.apply(spec, to: &$0)
            // Changing the app ends a rollback: Git's target revision is desired again.
            $0.rollback = nil
            $0.updatedAt = t
        }
        logger.info("application updated", metadata: ["app": "\(spec.name)"])
        return try await refresh(appNamed: spec.name)
    }

    public func apps() async throws -> [AppView] {
        var out: [AppView] = []
        for a in try await store.apps().sorted(by: { $0.name < $1.name }) where a.parent == nil { out.append(try await view(a)) }
        return out
    }

    public func app(named name: String) async throws -> AppView {
        try await view(try await requireApp(name))
    }

    func requireApp(_ name: String) async throws -> AppRecord {
        guard let a = try await store.app(named: name) else {
            throw HubError(.notFound, "application \"\(name)\" not found; `hawser app list` shows the existing ones")
        }
        return a
    }

    /// Deletes the application; with `cascade` its agent deletes what it deployed.
    public func deleteApp(named name: String, cascade: Bool) async throws {
        let a = try await requireApp(name)
        if let parent = a.parent {
            throw HubError(.invalid, "\(name) is the deployment of fleet application \(parent) to one cluster; delete \(parent), or change its selector")
        }
        try Self.refuseManaged(a.managedBy, "application \"\(name)\"")
        // A fleet app's deployments go with it (ON DELETE CASCADE); each cluster is told.
        let deployments = a.isFleet ? try await store.children(of: name) : [a]
        try await store.deleteApp(named: name)
        await withdraw(a, deployments: deployments, cascade: cascade)
    }

    /// After an app's records are deleted: each cluster's agent lets go of it (and with
    /// `cascade` deletes what it deployed), even one that is away now (tombstones).
    func withdraw(_ a: AppRecord, deployments: [AppRecord], cascade: Bool) async {
        let name = a.name
        for d in deployments {
            await tombstones.record(d.name, cascade: cascade)
            if let c = try? await store.cluster(named: d.cluster), let session = await sessions.session(for: c.id) {
                await sessions.released(appId: d.wireID, clusterId: c.id)
                await session.send(.unassign(Unassign(appId: d.wireID, cascade: cascade)))
            }
        }
        logger.info("application deleted", metadata: ["app": "\(name)", "cascade": "\(cascade)"])
        await appEvents.publish(.deleted(name: name, project: a.project, cluster: a.cluster))
    }

    /// Asks the app's agent to apply the current assignment now (Argo CD's Sync).
    public func syncApp(named name: String, initiatedBy: Principal) async throws -> AppView {
        var a = try await requireApp(name)
        if a.isFleet {
            // Every cluster's deployment: connected agents now, the others when they return.
            var skipped: [String] = []
            var queued: [String] = []
            let deployments = try await store.children(of: name)
            for d in deployments {
                do {
                    let v = try await syncApp(named: d.name, initiatedBy: initiatedBy)
                    if v.conditions.contains(where: { $0.type == "CommandQueued" }) { queued.append(d.cluster) }
                } catch { skipped.append("\(d.cluster): \(error)") }
            }
            if !skipped.isEmpty { logger.notice("fleet sync skipped clusters", metadata: ["app": "\(name)", "skipped": "\(skipped.joined(separator: "; "))"]) }
            guard skipped.count < deployments.count || deployments.isEmpty else {
                throw HubError(.unavailable, "no cluster of \(name) could sync: \(skipped.joined(separator: "; "))")
            }
            var v = try await view(a)
            var parts: [String] = []
            if !queued.isEmpty { parts.append("queued for \(queued.count) disconnected cluster(s) until their agents return: \(queued.sorted().joined(separator: ", "))") }
            if !skipped.isEmpty { parts.append("skipped \(skipped.joined(separator: "; "))") }
            if !parts.isEmpty { v.message = "sync sent to \(deployments.count - skipped.count - queued.count) of \(deployments.count) clusters; " + parts.joined(separator: "; ") }
            return v
        }
        if a.rollback != nil {
            // A sync after a rollback goes back to Git's target revision, as in Argo CD.
            a = try await store.updateApp(named: name) { $0.rollback = nil }
            _ = try await refreshQueue.run(name) { [self] in try await renderAndAssign(try await requireApp(name)) }
        }
        guard let r = try await store.render(app: name), r.revision != nil else {
            throw HubError(.conflict, "application \"\(name)\" has nothing to sync yet: \(try await view(a).conditions.map(\.message).joined(separator: "; "))")
        }
        let project = try await requireProject(a.project)
        let windows = project.spec.syncWindows.verdict(app: a.wireID, namespace: a.namespace, cluster: a.cluster, at: now())
        guard windows.manualAllowed else {
            throw HubError(.forbidden, "sync of \"\(name)\" is not allowed now: \(windows.reason)")
        }
        let delivery = try await issueCommand(.sync, app: a, by: initiatedBy.name)
        var v = try await view(a)
        if case .queued(let expires) = delivery {
            v.message = await queuedMessage(cluster: a.cluster, action: "sync", expires: expires)
        }
        return v
    }

    /// What the issuer of a command to a disconnected cluster is told.
    func queuedMessage(cluster name: String, action: String, expires: Date) async -> String {
        var reconnecting = false
        if let c = try? await store.cluster(named: name) { reconnecting = await connectionState(c) == "Reconnecting" }
        return "cluster \(name) is \(reconnecting ? "reconnecting" : "not connected"): the \(action) is queued and delivered when its agent reconnects, unless it expires first (at \(WireJSON.formatDate(expires))); `hawser app get` shows whether it was delivered"
    }

    // MARK: Refresh: resolve, render, assign

    /// Re-reads the app's revision from Git, renders it, sends the agent what changed, and
    /// asks it to compare now (Argo CD's refresh: fresh status without waiting for a resync).
    @discardableResult
    public func refresh(appNamed name: String) async throws -> AppView {
        if try await requireApp(name).isFleet {
            try await reconcileFleet(name, fetchSince: .now)
            for d in try await store.children(of: name) {
                _ = try? await issueCommand(.refresh, app: d, by: "refresh")
            }
            return try await view(try await requireApp(name))
        }
        return try await refreshQueue.run(name) { [self] in
            let app = try await requireApp(name)
            try await renderAndAssign(app, fetchSince: .now)
            await publishApp(name)
            _ = try? await issueCommand(.refresh, app: app, by: "refresh")
            return try await view(try await requireApp(name))
        }
    }

    /// The poller's refresh: only what changed in Git reaches the agent.
    func poll(appNamed name: String) async throws {
        // A fleet app renders through its deployments, which are polled themselves.
        if try await store.app(named: name)?.isFleet == true { return }
        let changed = try await refreshQueue.run(name) { [self] in
            try await renderAndAssign(try await requireApp(name))
        }
        if changed { await publishApp(name) }
    }

    /// Fetches every repository in use now and renders what changed; one failing repository
    /// or app never stops the others.
    public func refreshAll() async {
        let since = ContinuousClock.now
        for url in (try? await repositoriesInUse()) ?? [] { await pollRepository(url, since: since) }
    }

    /// Renders the app and assigns what changed; true when what users see of the render
    /// changed (a new generation, or different conditions).
    ///
    /// - Parameter fetchSince: fetch the repository first (a fetch that started at or after this
    ///   instant); nil renders from the mirror as the poller last fetched it.
    @discardableResult
    func renderAndAssign(_ app: AppRecord, fetchSince: ContinuousClock.Instant? = nil) async throws -> Bool {
        let previous = try await store.render(app: app.name)
        let output: AppRenderer.Output
        let started = ContinuousClock.now
        do {
            let url = app.repoURL
            let credentials: @Sendable () async throws -> GitCredentials = { [self] in try await self.credentials(for: url) }
            if let since = fetchSince {
                _ = try await mirrors.fetch(url, since: since, credentials: credentials)
            } else {
                try await mirrors.ensureFetched(url, credentials: credentials)
            }
            output = try await renderer.render(mirror: mirrors.path(for: url), path: app.path, revision: app.rollback?.revision ?? app.targetRevision,
                                               source: app.source, releaseName: app.wireID, namespace: app.namespace)
            if case .failure = output.result {
                metrics.rendered(.now - started, result: "failed")
                metrics.error("render")
            } else {
                metrics.rendered(.now - started, result: "succeeded")
            }
        } catch {
            metrics.rendered(ContinuousClock.now - started, result: "error")
            metrics.error("git")
            return try await recordReadFailure(app, error)
        }
        switch output.result {
        case .failure(let failure):
            // Nothing of a broken revision is applied: previous manifests stay assigned.
            var r = previous ?? AppRenderRecord(appName: app.name, revision: nil, commit: nil, manifests: [], manifestsDigest: "", conditions: [], renderedAt: now(), generation: 0)
            r.commit = RenderedCommit(output.commit)
            let changed = r.conditions != [failure.condition]
            r.conditions = [failure.condition]
            r.renderedAt = now()
            try await store.saveRender(r)
            logger.warning("render failed", metadata: ["app": "\(app.name)", "error": "\(failure.condition.message)"])
            if changed, failure.condition.type == "InvalidSpecError" {
                await audit(Principal(name: "hawser:render"), "sync", "applications", "\(app.project)/\(app.name)", outcome: "denied", detail: failure.condition.message)
            }
            return changed
        case .success(let manifests):
            let project = try await requireProject(app.project)
            let refusals = (Self.appRefusal(app, project).map { ["application \(app.name): \($0)"] } ?? [])
                + Self.manifestRefusals(manifests, app: app, project: project)
            guard refusals.isEmpty else {
                // Argo CD's InvalidSpecError: nothing of this revision reaches the cluster.
                var r = previous ?? AppRenderRecord(appName: app.name, revision: nil, commit: nil, manifests: [], manifestsDigest: "", conditions: [], renderedAt: now(), generation: 0)
                r.commit = RenderedCommit(output.commit)
                let condition = AppCondition(type: "InvalidSpecError", message: "project \"\(app.project)\" forbids \(output.commit.sha.prefix(8)); nothing of it is applied: " + refusals.joined(separator: "; "))
                let changed = r.conditions != [condition]
                r.conditions = [condition]
                r.renderedAt = now()
                try await store.saveRender(r)
                logger.warning("project forbids the rendered manifests", metadata: ["app": "\(app.name)", "project": "\(app.project)", "refusals": "\(refusals.count)"])
                if changed {
                    await audit(Principal(name: "hawser:render"), "sync", "applications", "\(app.project)/\(app.name)", outcome: "denied",
                                detail: "revision \(output.commit.sha.prefix(8)): " + refusals.joined(separator: "; "))
                }
                return changed
            }
            let digest = Self.assignmentDigest(app: app, manifestsDigest: output.manifestsDigest ?? AppRenderer.digest(manifests), project: project)
            let changed = previous?.manifestsDigest != digest || previous?.revision != output.commit.sha
            // A fleet's rollout: this cluster waits while enough others run a revision that has
            // not reported Healthy yet; what it runs stays assigned. First deployments never wait.
            let generation = changed ? (previous?.generation ?? 0) + 1 : previous!.generation
            let record = AppRenderRecord(appName: app.name, revision: output.commit.sha, commit: RenderedCommit(output.commit), manifests: manifests, manifestsDigest: digest, conditions: [], renderedAt: now(), generation: generation)
            if changed, let previous, previous.revision != nil, let parent = app.parent {
                // The gate and the render it lets through are one step per fleet app, so two
                // clusters rendering at once cannot both pass a full gate.
                let hold = try await rolloutQueue.run(parent) { [self] () -> AppCondition? in
                    guard let hold = try await rolloutHold(app) else {
                        try await store.saveRender(record)
                        return nil
                    }
                    var r = previous  // its target stays the commit it runs until its turn
                    r.conditions = [hold]
                    r.renderedAt = now()
                    try await store.saveRender(r)
                    return hold
                }
                if let hold { return previous.conditions != [hold] }
            } else {
                try await store.saveRender(record)
            }
            if changed {
                logger.info("new desired state", metadata: ["app": "\(app.name)", "revision": "\(output.commit.sha.prefix(8))", "generation": "\(generation)"])
                if let c = try await store.cluster(named: app.cluster), let session = await sessions.session(for: c.id) {
                    await session.send(.assignment(await sessions.outgoing(Self.assignment(app, record, project: project), clusterId: c.id)))
                }
            }
            return changed || !(previous?.conditions.isEmpty ?? true)
        }
    }

    /// The repository or revision cannot be read: what was rendered before stays assigned, and
    /// the app says why. True when that is news.
    func recordReadFailure(_ app: AppRecord, _ error: any Error) async throws -> Bool {
        var r = try await store.render(app: app.name)
            ?? AppRenderRecord(appName: app.name, revision: nil, commit: nil, manifests: [], manifestsDigest: "", conditions: [], renderedAt: now(), generation: 0)
        let condition = AppCondition(type: "ComparisonError", message: "cannot read \(app.repoURL) at \(app.targetRevision): \(error)")
        let changed = r.conditions != [condition]
        r.conditions = [condition]
        r.renderedAt = now()
        try await store.saveRender(r)
        return changed
    }

    /// The digest covers everything the agent receives, so changing the namespace or the sync
    /// policy of an app is a new generation too, not only a new commit.
    static func assignmentDigest(app: AppRecord, manifestsDigest: String, project: ProjectRecord) -> String {
        let settings = assignment(app, AppRenderRecord(appName: app.name, revision: "", commit: nil, manifests: [], manifestsDigest: "", conditions: [], renderedAt: Date(timeIntervalSince1970: 0), generation: 0), project: project)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let settingsJSON = (try? encoder.encode(settings)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return manifestsDigest + "/" + settingsJSON
    }

    static func syncPolicy(_ app: AppRecord) -> SyncPolicy {
        SyncPolicy(automated: app.autoSync, selfHeal: app.selfHeal, prune: app.prune, syncOptions: app.syncOptions, retry: app.retry)
    }

    /// What the agent receives: the manifests, the app's settings, and the project's rules and
    /// sync windows for this app, which the agent enforces again.
    static func assignment(_ app: AppRecord, _ r: AppRenderRecord, project: ProjectRecord) -> Assignment {
        Assignment(
            appId: app.wireID, project: app.project, revision: r.revision ?? "", generation: r.generation, manifests: r.manifests,
            syncPolicy: syncPolicy(app), destinationNamespace: app.namespace, ignoreDifferences: app.ignoreDifferences,
            projectRules: project.spec.rules(project: project.name, cluster: app.cluster),
            syncWindows: project.spec.syncWindows.filter { $0.applies(app: app.wireID, namespace: app.namespace, cluster: app.cluster) },
            bundle: r.manifestsDigest.split(separator: "/").first.map(String.init))
    }

    // MARK: View

    /// Objects a config repository defines change in Git, not through the API.
    static func refuseManaged(_ managedBy: ManagedBy?, _ what: String) throws {
        guard let m = managedBy else { return }
        throw HubError(.conflict, "\(what) is managed by \(m.description): change it there (Git is its source of truth), or remove it from that repository first")
    }

    /// What a spec sets on its record: `createApp`, `updateApp` and declarative sets alike
    /// (the inverse of `spec(_:)`).
    static func apply(_ spec: AppSpec, to r: inout AppRecord) {
        r.project = spec.project
        r.repoURL = spec.repoURL
        r.path = spec.path
        r.targetRevision = spec.targetRevision
        r.cluster = spec.cluster
        r.namespace = spec.namespace
        r.autoSync = spec.syncPolicy.automated
        r.selfHeal = spec.syncPolicy.selfHeal
        r.prune = spec.syncPolicy.prune
        r.syncOptions = spec.syncPolicy.syncOptions
        r.retry = spec.syncPolicy.retry
        r.ignoreDifferences = spec.ignoreDifferences
        r.revisionHistoryLimit = spec.revisionHistoryLimit
        r.labels = spec.labels
        r.source = spec.source
        r.clusterSelector = spec.clusterSelector
        r.rollout = spec.rollout
    }

    static func spec(_ a: AppRecord) -> AppSpec {
        AppSpec(name: a.name, project: a.project, repoURL: a.repoURL, path: a.path, targetRevision: a.targetRevision, cluster: a.cluster, namespace: a.namespace,
                syncPolicy: Self.syncPolicy(a), ignoreDifferences: a.ignoreDifferences, revisionHistoryLimit: a.revisionHistoryLimit, labels: a.labels,
                directory: a.source.directory, helm: a.source.helm, clusterSelector: a.clusterSelector, rollout: a.rollout)
    }

    func view(_ a: AppRecord) async throws -> AppView {
        let spec = Self.spec(a)
        if a.isFleet {
            let fleet = try await fleetView(a)
            let render = try await store.render(app: a.name)
            var v = AppView(spec: spec, targetCommit: fleet.target, syncedRevision: nil, sync: fleet.sync, health: fleet.health,
                            conditions: render?.conditions ?? [], resources: [], operationPhase: nil, message: Self.fleetMessage(fleet.destinations),
                            reportedAt: fleet.destinations.compactMap(\.reportedAt).max(), createdAt: a.createdAt, destinations: fleet.destinations)
            v.managedBy = a.managedBy
            return v
        }
        let render = try await store.render(app: a.name)
        let status = try await store.statuses(app: a.name).first
        var warnings: [AppCondition] = []
        if let sha = render?.revision {
            let branch = a.targetRevision == "HEAD" ? (await mirrors.status(a.repoURL).result?.defaultBranch ?? "") : a.targetRevision
            if let lost = await mirrors.forcePush(a.repoURL, branch: branch, commit: sha) {
                warnings.append(AppCondition(type: "ForcePushWarning", message:
                    "branch \(branch) was force-pushed: commit \(lost.prefix(8)) is no longer in its history, and \(sha.prefix(8)) replaced it; if that was not intended, push the lost commit back (git push origin \(lost.prefix(12)):\(branch.replacingOccurrences(of: "refs/heads/", with: "")))"))
            }
        }
        let (sync, health) = Self.effectiveStatus(sync: status?.sync, health: status?.health, observedGeneration: status?.observedGeneration,
                                                  generation: render?.generation, rendered: render?.revision != nil)
        let commands = await commandState(a)
        return AppView(
            spec: spec, targetCommit: render?.commit.map(CommitInfo.init), syncedRevision: status?.revision,
            sync: sync, health: health,
            conditions: (render?.conditions ?? []) + warnings + (status?.conditions ?? []) + (a.rollback.map { pin in
                [AppCondition(type: "RolledBack", message: "rolled back to \(pin.revision.prefix(8)) (history \(pin.historyID)) by \(pin.by) at \(WireJSON.formatDate(pin.at)); auto-sync is off; `hawser app sync \(a.name)` returns to \(a.targetRevision)")]
            } ?? []) + commands.conditions,
            resources: status?.resources ?? [],
            operationPhase: status?.operationPhase.flatMap(OperationPhase.init(rawValue:)),
            operation: status?.operation,
            message: status?.message, reportedAt: status?.reportedAt, createdAt: a.createdAt, parent: a.parent,
            commands: commands.views.isEmpty ? nil : commands.views, managedBy: a.managedBy)
    }
}

extension RenderedCommit {
    init(_ c: CommitInfo) { self.init(sha: c.sha, author: c.author, date: c.date, message: c.message) }
}

extension CommitInfo {
    init(_ c: RenderedCommit) { self.init(sha: c.sha, author: c.author, date: c.date, message: c.message) }
}

extension Hub {
    /// Sync and health as users see them, from the agent's last report: a report about an
    /// older generation means the cluster does not run what Git says yet (OutOfSync); no report
    /// or no render yet is Unknown. One rule for the app view, lists and the summary.
    static func effectiveStatus(sync: String?, health: String?, observedGeneration: Int?, generation: Int?, rendered: Bool) -> (SyncStatusCode, HealthStatusCode) {
        guard let sync, rendered else { return (.unknown, .unknown) }
        let current = observedGeneration == generation
        return (current ? (SyncStatusCode(rawValue: sync) ?? .unknown) : .outOfSync, health.flatMap(HealthStatusCode.init(rawValue:)) ?? .unknown)
    }
}

extension Hub {
    /// "3 clusters: 2 Synced, 1 OutOfSync; 3 Healthy"
    static func fleetMessage(_ rows: [DestinationView]) -> String {
        func counts<T: RawRepresentable>(_ values: [T]) -> String where T.RawValue == String {
            var c: [String: Int] = [:]
            for v in values { c[v.rawValue, default: 0] += 1 }
            return c.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        }
        guard !rows.isEmpty else { return "no cluster matches the selector" }
        return "\(rows.count) cluster\(rows.count == 1 ? "" : "s"): \(counts(rows.map(\.sync))); \(counts(rows.map(\.health)))"
    }
}
