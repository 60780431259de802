import Foundation
import HawserProtocol
import HubStore

extension Hub {
    // MARK: CRUD

    public func createProject(_ p: ProjectView) async throws -> ProjectView {
        try Validation.name(p.name, what: "project")
        try Self.validate(p.spec, project: p.name)
        let t = now()
        do {
            try await store.createProject(ProjectRecord(name: p.name, spec: p.spec, createdAt: t))
        } catch StoreError.conflict {
            throw HubError(.conflict, "project \"\(p.name)\" already exists; change it with `hawser proj set` or pick another name")
        }
        await rbac.projectsChanged()
        logger.info("project created", metadata: ["project": "\(p.name)"])
        return try await project(named: p.name)
    }

    public func projects() async throws -> [ProjectView] {
        let counts = try await store.appCountsByProject()
        return try await store.projects().map { p in
            ProjectView(name: p.name, spec: p.spec, createdAt: p.createdAt, updatedAt: p.updatedAt, applications: counts[p.name] ?? 0, managedBy: p.managedBy)
        }
    }

    public func project(named name: String) async throws -> ProjectView {
        let p = try await requireProject(name)
        let apps = try await store.appCountsByProject()[name] ?? 0
        return ProjectView(name: p.name, spec: p.spec, createdAt: p.createdAt, updatedAt: p.updatedAt, applications: apps, managedBy: p.managedBy)
    }

    func requireProject(_ name: String) async throws -> ProjectRecord {
        guard let p = try await store.project(named: name) else {
            throw HubError(.notFound, "project \"\(name)\" not found; `hawser proj list` shows the existing ones")
        }
        return p
    }

    /// Replaces the project's spec, then re-renders its applications so the new rules apply to
    /// them at once: a tightened project turns offending apps `InvalidSpecError`, and every
    /// agent receives the new rules with a new generation of its assignments.
    public func updateProject(named name: String, spec: ProjectSpec) async throws -> ProjectView {
        try Self.refuseManaged(try await requireProject(name).managedBy, "project \"\(name)\"")
        try Self.validate(spec, project: name)
        let t = now()
        do {
            try await store.updateProject(named: name) {
                $0.spec = spec
                $0.updatedAt = t
            }
        } catch StoreError.notFound {
            throw HubError(.notFound, "project \"\(name)\" not found; `hawser proj list` shows the existing ones")
        }
        await rbac.projectsChanged()
        try await revokeTokens(project: name, keeping: Set(spec.roles.map(\.name)))
        logger.info("project updated", metadata: ["project": "\(name)"])
        for app in try await store.apps() where app.project == name && app.parent == nil {
            // A fleet app's destinations are checked per cluster again.
            do { if app.isFleet { try await reconcileFleet(app.name) } else { try await poll(appNamed: app.name) } } catch {
                logger.warning("re-render after a project change failed", metadata: ["app": "\(app.name)", "error": "\(error)"])
            }
        }
        return try await project(named: name)
    }

    public func deleteProject(named name: String) async throws {
        guard name != "default" else {
            throw HubError(.invalid, "the default project cannot be deleted; tighten it with `hawser proj set default` instead")
        }
        try Self.refuseManaged(try await requireProject(name).managedBy, "project \"\(name)\"")
        do {
            try await store.deleteProject(named: name)
        } catch StoreError.notFound {
            throw HubError(.notFound, "project \"\(name)\" not found; `hawser proj list` shows the existing ones")
        } catch StoreError.conflict(let message) {
            throw HubError(.conflict, message)
        }
        await rbac.projectsChanged()
        try await revokeTokens(project: name, keeping: [])
        logger.info("project deleted", metadata: ["project": "\(name)"])
    }

    /// Tokens of a role that no longer exists are revoked, so a role or project created again
    /// later (perhaps by another team) does not bring old tokens back to life.
    func revokeTokens(project: String, keeping roles: Set<String>) async throws {
        for t in try await store.apiTokens() where t.project == project && t.revokedAt == nil && !roles.contains(t.role ?? "") {
            try await store.revokeAPIToken(id: t.id, at: now())
            await audit(Principal(name: "hawser"), "delete", "accounts", t.subject, outcome: "succeeded", detail: "API token \(t.id) revoked: its role was removed")
        }
    }

    static func validate(_ spec: ProjectSpec, project: String) throws {
        let problems = spec.validate()
        guard problems.isEmpty else {
            throw HubError(.invalid, "project \"\(project)\" is invalid: " + problems.joined(separator: "; "))
        }
    }

    // MARK: Enforcement

    /// Why the app's source or destination is not allowed by its project, if it is not.
    static func appRefusal(_ app: AppRecord, _ project: ProjectRecord) -> String? {
        if let r = project.spec.sourceRefusal(repoURL: app.repoURL, project: project.name) { return r }
        return project.spec.destinationRefusal(cluster: app.cluster, namespace: app.namespace, project: project.name)
    }

    /// Every manifest the project forbids, as `file:line: Kind/name: reason`. The hub judges
    /// scope by the well-known cluster-scoped kinds (it has no discovery of the cluster); the
    /// agent checks again with the cluster's discovery, so a custom cluster-scoped kind cannot
    /// slip through.
    static func manifestRefusals(_ manifests: [Manifest], app: AppRecord, project: ProjectRecord) -> [String] {
        var out: [String] = []
        for m in manifests {
            guard let apiVersion = m.object["apiVersion"]?.stringValue, let kind = m.object["kind"]?.stringValue else { continue }
            let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
            let name = m.object[path: ["metadata", "name"]]?.stringValue ?? "?"
            let namespaced = !isWellKnownClusterScoped(kind: kind)
            let namespace = namespaced ? (m.object[path: ["metadata", "namespace"]]?.stringValue ?? app.namespace) : ""
            if let r = project.spec.kindRefusal(group: group, kind: kind, namespaced: namespaced, project: project.name)
                ?? (namespaced ? project.spec.destinationRefusal(cluster: app.cluster, namespace: namespace, project: project.name) : nil) {
                out.append("\(m.source):\(m.line): \(kind)/\(name): \(r)")
            }
        }
        return out
    }
}
