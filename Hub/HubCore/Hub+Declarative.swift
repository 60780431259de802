import Foundation
import HawserProtocol
import HubConfig
import HubRBAC
import HubStore

/// Declarative configuration: a set of Application, AppProject and RBAC policy documents
/// (`hawser apply -f`, or one commit of a config repository) checked as a whole, then written
/// in one transaction with its audit entries. Nothing of a set with a problem is applied, and
/// every problem is reported with its file, line and field.
extension Hub {
    /// Who a declarative set comes from.
    enum ConfigSource: Sendable {
        /// `hawser apply`, as this caller (checked by RBAC object by object).
        case user(Principal)
        /// A commit of a config repository, which owns what it defines.
        case repo(ConfigRepoRecord, CommitInfo)

        var configRepo: ConfigRepoRecord? {
            if case .repo(let r, _) = self { return r }
            return nil
        }
    }

    /// What applying a set will do, worked out before anything is written.
    struct ConfigPlan: Sendable {
        var changes = ConfigChanges()
        var outcomes: [ConfigOutcome] = []
        var warnings: [ConfigDiagnostic] = []
        /// Apps to render and assign after the commit (created or changed).
        var refresh: [String] = []
        /// Apps deleted, with their deployments, and whether their agents delete what they deployed.
        var withdrawn: [(app: AppRecord, deployments: [AppRecord], cascade: Bool)] = []
        /// Projects changed or deleted, with the roles that remain (tokens of others are revoked).
        var projectRoles: [String: Set<String>] = [:]
        /// Projects whose rules changed: their apps render again.
        var rerender: Set<String> = []
        /// The repository's RBAC policy after the commit, if it changed.
        var policy: ConfigPolicy??
        var orphaned: [ConfigOutcome] = []

        var changesAnything: Bool { !changes.isEmpty || policy != nil }
    }

    // MARK: Planning

    func planConfig(_ read: ConfigRead, source: ConfigSource) async throws -> ConfigPlan {
        var errors = read.errors
        var plan = ConfigPlan()
        plan.warnings = read.warnings
        let repo = source.configRepo
        let t = now()
        let apps = Dictionary(try await store.apps().filter { $0.parent == nil }.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let projects = Dictionary(try await store.projects().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let clusters = Set(try await store.clusters().map(\.name))
        func managedBy(_ object: ConfigObject, deletesResources: Bool = false, pruneDisabled: Bool = false) -> ManagedBy? {
            repo.map { ManagedBy(configRepo: $0.name, repoURL: $0.url, file: object.file, deletesResources: deletesResources, pruneDisabled: pruneDisabled) }
        }
        var ownershipRefused = false
        /// Whether this source may change an object that `current` manages.
        func owned(_ current: ManagedBy?, _ object: ConfigObject) -> Bool {
            guard let current, current.configRepo != repo?.name else { return true }
            errors.append(object.diagnostic("metadata.name", "\(object.label) is managed by \(current.description); change it there, or remove it from there first"))
            ownershipRefused = true
            return false
        }

        // Projects first: applications of the same set may belong to them.
        var desiredProjects = projects
        for object in read.objects where object.kind == .project {
            guard let spec = object.project else { continue }
            let existing = projects[object.name]
            guard owned(existing?.managedBy, object) else { continue }
            do { try Self.validate(spec, project: object.name) } catch { errors.append(object.diagnostic("spec", "\(error)")) }
            let marker = managedBy(object)
            if let existing {
                guard existing.spec != spec || existing.managedBy != marker else {
                    plan.outcomes.append(ConfigOutcome(kind: "AppProject", name: object.name, action: .unchanged, file: object.file))
                    continue
                }
                var updated = existing
                updated.spec = spec
                updated.managedBy = marker
                updated.updatedAt = t
                plan.changes.updateProjects.append((updated, existing.managedBy))
                desiredProjects[object.name] = updated
                if existing.spec != spec {
                    plan.projectRoles[object.name] = Set(spec.roles.map(\.name))
                    plan.rerender.insert(object.name)
                }
                plan.outcomes.append(ConfigOutcome(kind: "AppProject", name: object.name, action: .configured, file: object.file))
                plan.changes.audit.append(auditRecord(source, "update", "projects", object.name, object, at: t))
            } else {
                let created = ProjectRecord(name: object.name, spec: spec, createdAt: t, managedBy: marker)
                plan.changes.createProjects.append(created)
                desiredProjects[object.name] = created
                plan.outcomes.append(ConfigOutcome(kind: "AppProject", name: object.name, action: .created, file: object.file))
                plan.changes.audit.append(auditRecord(source, "create", "projects", object.name, object, at: t))
            }
            if case .user(let p) = source { try await authorize(p, existing == nil ? .create : .update, .projects, object.name) }
        }

        for object in read.objects where object.kind == .application {
            guard let doc = object.application else { continue }
            let spec = doc.spec
            let existing = apps[spec.name]
            guard owned(existing?.managedBy, object) else { continue }
            guard let project = desiredProjects[spec.project] else {
                errors.append(object.diagnostic("spec.project", "project \"\(spec.project)\" does not exist: define it in these files, or create it (`hawser proj create \(spec.project)`)"))
                continue
            }
            if spec.clusterSelector == nil, !spec.cluster.isEmpty, !clusters.contains(spec.cluster) {
                let hint = doc.clusterField == "spec.destination.server"
                    ? "; Argo CD names clusters by API server URL and Hawser by name: write spec.destination.name, or map the URL to a cluster (--destination-server \(spec.cluster)=CLUSTER)"
                    : "; `hawser cluster list` shows the registered ones"
                errors.append(object.diagnostic(doc.clusterField, "cluster \"\(spec.cluster)\" is not registered" + hint))
                continue
            }
            if let existing {
                if (existing.clusterSelector == nil) != (spec.clusterSelector == nil) || existing.cluster != spec.cluster {
                    errors.append(object.diagnostic(doc.clusterField, "\(object.label) runs on \(existing.clusterSelector.map { "the clusters matching \($0)" } ?? "cluster \(existing.cluster)"); an application cannot move: give it a new name (and remove the old one)"))
                    continue
                }
            }
            do { try await validate(spec, project: project) } catch { errors.append(object.diagnostic(nil, "\(object.label): \(error)")) }
            let marker = managedBy(object, deletesResources: doc.deletesResources, pruneDisabled: doc.pruneDisabled)
            if case .user(let p) = source {
                try await authorize(p, existing == nil ? .create : .update, .applications, "\(spec.project)/\(spec.name)")
                if let existing, existing.project != spec.project { try await authorize(p, .update, .applications, "\(existing.project)/\(spec.name)") }
            }
            if let existing {
                guard Self.spec(existing) != spec || existing.managedBy != marker else {
                    plan.outcomes.append(ConfigOutcome(kind: "Application", name: spec.name, action: .unchanged, file: object.file))
                    continue
                }
                let specChanged = Self.spec(existing) != spec
                plan.changes.updateApps.append((spec.name, existing.managedBy, { record in
                    if specChanged {
                        Self.apply(spec, to: &record)
                        record.rollback = nil  // a change ends a rollback, as `app set` does
                        record.updatedAt = t
                    }
                    record.managedBy = marker
                }))
                if specChanged { plan.refresh.append(spec.name) }
                plan.outcomes.append(ConfigOutcome(kind: "Application", name: spec.name, action: .configured, file: object.file))
                plan.changes.audit.append(auditRecord(source, "update", "applications", "\(spec.project)/\(spec.name)", object, at: t))
            } else {
                var record = AppRecord(name: spec.name, repoURL: spec.repoURL, path: spec.path, cluster: spec.cluster, namespace: spec.namespace, createdAt: t)
                Self.apply(spec, to: &record)
                record.managedBy = marker
                plan.changes.createApps.append(record)
                plan.refresh.append(spec.name)
                plan.outcomes.append(ConfigOutcome(kind: "Application", name: spec.name, action: .created, file: object.file))
                plan.changes.audit.append(auditRecord(source, "create", "applications", "\(spec.project)/\(spec.name)", object, at: t))
            }
        }

        // The RBAC policy: from a config repository only, one repository at most.
        let policyObject = read.objects.first { $0.kind == .policy }
        if let object = policyObject, let doc = object.policy {
            switch source {
            case .user:
                errors.append(object.diagnostic("kind", "the RBAC policy comes from the hub's --rbac-policy file or from a config repository (`hawser config-repo add`); `hawser apply` does not change it"))
            case .repo(let r, _):
                if let other = try await store.configRepos().first(where: { $0.name != r.name && $0.state.policy != nil }) {
                    errors.append(object.diagnostic("kind", "config repository \(other.name) already defines the RBAC policy (\(other.state.policy?.file ?? "")); one repository holds it"))
                } else {
                    let policy = ConfigPolicy(csv: doc.csv, file: object.file)
                    for d in try await rbac.check(gitPolicy: policy, source: Self.policySource(r, file: object.file), projects: Array(desiredProjects.values)) {
                        let (field, line) = d.line.map { doc.place(ofLine: $0) } ?? (nil, nil)
                        // A block scalar's text starts on the line after its key.
                        let fileLine = field.flatMap { object.fields.line(of: $0) }.map { $0 + (line ?? 1) }
                        errors.append(ConfigDiagnostic(file: object.file, line: fileLine ?? object.line, field: field, message: d.problem + "; " + d.fix + (d.text.map { " (line: \($0))" } ?? "")))
                    }
                    if r.state.policy != policy {
                        plan.policy = .some(policy)
                        plan.changes.audit.append(auditRecord(source, r.state.policy == nil ? "create" : "update", "accounts", "rbac-policy", object, at: t))
                    }
                    plan.outcomes.append(ConfigOutcome(kind: "RBACPolicy", name: "policy", action: r.state.policy == policy ? .unchanged : (r.state.policy == nil ? .created : .configured), file: object.file))
                }
            }
        } else if let r = repo, r.state.policy != nil {
            plan.policy = .some(nil)
            plan.outcomes.append(ConfigOutcome(kind: "RBACPolicy", name: "policy", action: .deleted, file: nil))
            plan.changes.audit.append(AuditRecord(at: t, actor: Self.auditActor(source), action: "delete", resource: "accounts", object: "rbac-policy",
                                                  outcome: "succeeded", detail: Self.auditDetail(source, file: r.state.policy?.file)))
        }

        // A commit that defines nothing while the repository manages objects is far more
        // often a wrong path or a broken branch than a decision to delete everything.
        if let r = repo, read.errors.isEmpty, read.objects.isEmpty {
            let managed = apps.values.filter { $0.managedBy?.configRepo == r.name }.count + projects.values.filter { $0.managedBy?.configRepo == r.name }.count
                + (r.state.policy == nil ? 0 : 1)
            if managed > 0 {
                errors.append(ConfigDiagnostic(file: r.path, line: nil, field: nil, message:
                    "this commit defines no objects, and applying it would remove the \(managed) this repository manages; nothing was changed. If they should all go, remove the config repository (`hawser config-repo rm \(r.name)`, which keeps them) and delete them"))
            }
        }

        // What the repository defined before and no longer does: pruned, or kept and reported.
        // Not worked out for a set that did not read whole: a missing object may just be broken.
        if let r = repo, read.errors.isEmpty {
            let defined = Set(read.objects.map { "\($0.kind.rawValue)/\($0.name)" })
            for app in apps.values.sorted(by: { $0.name < $1.name }) where app.managedBy?.configRepo == r.name && !defined.contains("Application/\(app.name)") {
                let m = app.managedBy!
                if r.prune && !m.pruneDisabled {
                    let deployments = app.isFleet ? try await store.children(of: app.name) : [app]
                    plan.changes.deleteApps.append((app.name, m))
                    plan.withdrawn.append((app, deployments, m.deletesResources))
                    plan.outcomes.append(ConfigOutcome(kind: "Application", name: app.name, action: .deleted, file: nil))
                    plan.changes.audit.append(AuditRecord(at: t, actor: Self.auditActor(source), action: "delete", resource: "applications", object: "\(app.project)/\(app.name)",
                                                          outcome: "succeeded", detail: Self.auditDetail(source, file: m.file) + (m.deletesResources ? "; cascade" : "; its resources are kept (no resources finalizer)")))
                } else {
                    plan.changes.updateApps.append((app.name, m, { $0.managedBy = nil }))
                    let why = m.pruneDisabled ? "Prune=false" : "the config repository does not prune (--prune)"
                    let outcome = ConfigOutcome(kind: "Application", name: app.name, action: .orphaned, file: m.file)
                    plan.orphaned.append(outcome)
                    plan.outcomes.append(outcome)
                    plan.warnings.append(ConfigDiagnostic(file: m.file, line: nil, field: nil,
                                                          message: "application \"\(app.name)\" was removed from Git and is kept because \(why); it is no longer managed: delete it with `hawser app delete \(app.name)` if it should go"))
                    plan.changes.audit.append(AuditRecord(at: t, actor: Self.auditActor(source), action: "update", resource: "applications", object: "\(app.project)/\(app.name)",
                                                          outcome: "succeeded", detail: Self.auditDetail(source, file: m.file) + "; removed from Git and kept (\(why)), no longer managed"))
                }
            }
            for p in projects.values.sorted(by: { $0.name < $1.name }) where p.managedBy?.configRepo == r.name && !defined.contains("AppProject/\(p.name)") {
                let m = p.managedBy!
                if r.prune && !m.pruneDisabled && p.name != "default" {
                    plan.changes.deleteProjects.append((p.name, m))
                    plan.projectRoles[p.name] = []
                    plan.outcomes.append(ConfigOutcome(kind: "AppProject", name: p.name, action: .deleted, file: nil))
                    plan.changes.audit.append(AuditRecord(at: t, actor: Self.auditActor(source), action: "delete", resource: "projects", object: p.name,
                                                          outcome: "succeeded", detail: Self.auditDetail(source, file: m.file)))
                } else {
                    var released = p
                    released.managedBy = nil
                    plan.changes.updateProjects.append((released, m))
                    let outcome = ConfigOutcome(kind: "AppProject", name: p.name, action: .orphaned, file: m.file)
                    plan.orphaned.append(outcome)
                    plan.outcomes.append(outcome)
                    plan.warnings.append(ConfigDiagnostic(file: m.file, line: nil, field: nil,
                                                          message: "project \"\(p.name)\" was removed from Git and is kept because \(p.name == "default" ? "the default project is never deleted" : "the config repository does not prune (--prune)"); it is no longer managed"))
                    plan.changes.audit.append(AuditRecord(at: t, actor: Self.auditActor(source), action: "update", resource: "projects", object: p.name,
                                                          outcome: "succeeded", detail: Self.auditDetail(source, file: m.file) + "; removed from Git and kept, no longer managed"))
                }
            }
            // A project removed while apps of it stay would fail in the store; say so here, by file.
            let deletedApps = Set(plan.changes.deleteApps.map(\.name))
            let projectOf = Dictionary(read.objects.compactMap(\.application).map { ($0.spec.name, $0.spec.project) }, uniquingKeysWith: { a, _ in a })
            for name in plan.changes.deleteProjects.map(\.name) {
                // Each app in the project it will be in after this commit.
                let staying = apps.values.filter { !deletedApps.contains($0.name) && (projectOf[$0.name] ?? $0.project) == name }.map(\.name)
                    + projectOf.filter { $0.value == name && apps[$0.key] == nil }.map(\.key)
                if !staying.isEmpty {
                    errors.append(ConfigDiagnostic(file: projects[name]?.managedBy?.file ?? r.path, line: nil, field: nil,
                                                   message: "project \"\(name)\" was removed, but applications still use it (\(staying.sorted().prefix(5).joined(separator: ", "))); remove them in the same commit or move them to another project"))
                }
            }
        }
        guard errors.isEmpty else { throw ConfigRejection(errors: errors, warnings: plan.warnings, ownership: ownershipRefused) }
        return plan
    }

    /// Writes the plan in one transaction (with `state` saved as the repository's new state),
    /// then does what follows from it: renders, withdrawals, token revocations, RBAC.
    func executeConfig(_ plan: ConfigPlan, repo: ConfigRepoRecord?) async throws {
        var changes = plan.changes
        changes.configRepo = repo
        do { try await store.applyConfig(changes) } catch let error as StoreError {
            switch error {
            case .conflict(let m), .notFound(let m): throw HubError(.conflict, "nothing was applied: \(m)")
            case .unavailable: throw error
            }
        }
        if !changes.createProjects.isEmpty || !changes.updateProjects.isEmpty || !changes.deleteProjects.isEmpty { await rbac.projectsChanged() }
        if let policy = plan.policy, let repo { await rbac.setGitPolicy(policy, source: Self.policySource(repo, file: policy?.file ?? "")) }
        for (project, roles) in plan.projectRoles.sorted(by: { $0.key < $1.key }) {
            try? await revokeTokens(project: project, keeping: roles)
        }
        for w in plan.withdrawn { await withdraw(w.app, deployments: w.deployments, cascade: w.cascade) }
        for name in changes.createApps.map(\.name) { await tombstones.forget(name) }
        // Render what changed, a few at a time (each waits on Git and the renderer).
        var toRender = plan.refresh
        for project in plan.rerender {
            for app in try await store.apps() where app.project == project && app.parent == nil && !toRender.contains(app.name) { toRender.append(app.name) }
        }
        // One fetch per repository serves them all: every render asks for a fetch that started
        // after this instant, and concurrent asks share the one in flight.
        let since = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            func add() {
                let name = toRender[next]
                next += 1
                group.addTask { [self] in
                    do { try await renderDeclared(name, since: since) } catch {
                        logger.warning("render after a declarative change failed", metadata: ["app": "\(name)", "error": "\(error)"])
                    }
                }
            }
            for _ in 0..<min(4, toRender.count) { add() }
            while await group.next() != nil { if next < toRender.count { add() } }
        }
    }

    /// Renders and assigns an app created or changed by a declarative set (a fleet app through
    /// its deployments). No refresh command: a changed app's agent gets a new generation anyway.
    func renderDeclared(_ name: String, since: ContinuousClock.Instant) async throws {
        if try await requireApp(name).isFleet {
            try await reconcileFleet(name, fetchSince: since)
            return
        }
        let changed = try await refreshQueue.run(name) { [self] in try await renderAndAssign(try await requireApp(name), fetchSince: since) }
        if changed { await publishApp(name) }
    }

    static func policySource(_ r: ConfigRepoRecord, file: String) -> String { "config repository \(r.name): \(file)" }

    // MARK: Audit

    /// Git's author for a config repository ("who deployed what": the person whose commit it
    /// was), the caller for `hawser apply`.
    static func auditActor(_ source: ConfigSource) -> String {
        switch source {
        case .user(let p): p.name
        case .repo(_, let commit): commit.author
        }
    }

    static func auditDetail(_ source: ConfigSource, file: String?) -> String {
        switch source {
        case .user: return "hawser apply" + (file.map { ", file \($0)" } ?? "")
        case .repo(let r, let c):
            let subject = c.message.split(separator: "\n").first.map(String.init) ?? ""
            return "config repository \(r.name) (\(r.url)), commit \(c.sha) by \(c.author): \"\(subject)\"" + (file.map { ", file \($0)" } ?? "")
        }
    }

    func auditRecord(_ source: ConfigSource, _ action: String, _ resource: String, _ object: String, _ config: ConfigObject, at t: Date) -> AuditRecord {
        var groups: [String] = []
        if case .user(let p) = source { groups = p.groups }
        return AuditRecord(at: t, actor: Self.auditActor(source), groups: groups, action: action, resource: resource, object: object,
                           outcome: "succeeded", detail: Self.auditDetail(source, file: "\(config.file):\(config.line)"))
    }

    // MARK: hawser apply, hawser export

    public func apply(_ request: ApplyRequest, by principal: Principal) async throws -> ApplyResponse {
        let read = ConfigFiles.read(chosen: request.files.map { (name: $0.path, text: $0.content) }, serverClusters: request.serverClusters)
        if read.objects.isEmpty && read.errors.isEmpty {
            throw HubError(.invalid, "\(request.files.map(\.path).joined(separator: ", ")) hold\(request.files.count == 1 ? "s" : "") no Application, AppProject or RBACPolicy document; nothing was applied")
        }
        let plan: ConfigPlan
        // One declarative change at a time (config repositories' reconciles included): what is
        // planned is what the transaction finds, unless an API edit came between (the store
        // then refuses the set).
        return try await configQueue.run(Self.declarativeQueue) { [self] in
            let plan: ConfigPlan
            do { plan = try await planConfig(read, source: .user(principal)) } catch let rejection as ConfigRejection {
                // Something Git owns: 409, as for any other change to it.
                throw HubError(rejection.ownership ? .conflict : .invalid, rejection.description)
            }
            if !request.dryRun && plan.changesAnything {
                try await executeConfig(plan, repo: nil)
                logger.info("declarative files applied", metadata: ["by": "\(principal.name)", "objects": "\(plan.outcomes.count)"])
            }
            return ApplyResponse(objects: plan.outcomes, warnings: plan.warnings, dryRun: request.dryRun)
        }
    }

    /// Every project and application (not a fleet's per-cluster deployments) the caller may
    /// see, as `hawser.io/v1` documents.
    public func export(by principal: Principal, applications: Bool = true, projects: Bool = true, project: String? = nil) async throws -> ExportResponse {
        var documents: [ExportResponse.Document] = []
        if projects {
            for p in try await store.projects() where project == nil || p.name == project {
                guard try await can(principal, .get, .projects, p.name) else { continue }
                documents.append(.init(kind: "AppProject", name: p.name, path: "projects/\(p.name).yaml", yaml: ConfigExport.project(p.name, p.spec)))
            }
        }
        if applications {
            for a in try await store.apps().sorted(by: { $0.name < $1.name }) where a.parent == nil && (project == nil || a.project == project) {
                guard try await can(principal, .get, .applications, "\(a.project)/\(a.name)") else { continue }
                documents.append(.init(kind: "Application", name: a.name, path: "applications/\(a.name).yaml",
                                       yaml: ConfigExport.application(Self.spec(a), deletesResources: a.managedBy?.deletesResources ?? false)))
            }
        }
        return ExportResponse(documents: documents)
    }
}

/// A declarative set that cannot be applied; nothing of it was.
struct ConfigRejection: Error, CustomStringConvertible {
    var errors: [ConfigDiagnostic]
    var warnings: [ConfigDiagnostic]
    /// An object another config repository manages was among the changes.
    var ownership = false
    var description: String {
        let shown = errors.prefix(20).map { "  \($0)" }
        return "nothing was applied:\n" + shown.joined(separator: "\n") + (errors.count > 20 ? "\n  and \(errors.count - 20) more" : "")
    }
}
