import Foundation
import HawserProtocol
import HubRBAC
import HubStore

/// Where the hub's policy.csv comes from and who gets what by default.
public struct RBACConfiguration: Sendable {
    /// policy.csv text given directly (tests, `--rbac-policy` already read).
    public var policyCSV: String
    /// A policy.csv file, re-read when it changes, so an operator edits policy without a restart.
    public var policyFile: String?
    /// Argo CD's `policy.default`: a role every authenticated caller holds ("" = none; deny by default).
    public var defaultRole: String

    public init(policyCSV: String = "", policyFile: String? = nil, defaultRole: String = "") {
        self.policyCSV = policyCSV
        self.policyFile = policyFile
        self.defaultRole = defaultRole
    }
}

/// The current enforcer, rebuilt when policy.csv or a project's roles change. A policy file
/// edited into an invalid state keeps the last valid enforcer (and says so in the log), so a
/// typo cannot lock everybody out or let everybody in.
actor RBACState {
    let configuration: RBACConfiguration
    private var enforcer: Enforcer?
    private var builtFrom: (policy: String, projectsGeneration: Int)?
    private var projectsGeneration = 0

    init(configuration: RBACConfiguration) { self.configuration = configuration }

    func projectsChanged() { projectsGeneration += 1 }

    /// Policy lines from a config repository, added to policy.csv (nil: none).
    private var gitPolicy: ConfigPolicy?
    private var gitPolicySource = ""

    func setGitPolicy(_ policy: ConfigPolicy?, source: String) {
        gitPolicy = policy
        gitPolicySource = source
    }

    /// Whether an enforcer can be built with `policy` in place of the current Git policy: the
    /// diagnostics if not (a commit with a broken policy is refused whole).
    func check(gitPolicy policy: ConfigPolicy, source: String, projects: [ProjectRecord]) throws -> [PolicyDiagnostic] {
        let fileText = try policyText()
        do {
            _ = try build(fileText: fileText, gitPolicy: (policy.csv, source), projects: projects)
            return []
        } catch {
            return error.diagnostics
        }
    }

    /// The enforcer of policy.csv, a Git policy's lines and the projects' roles; the default
    /// role is always the hub's own.
    private func build(fileText: String, gitPolicy: (csv: String, source: String)?, projects: [ProjectRecord]) throws(RBACConfigurationError) -> Enforcer {
        try Enforcer(policyCSV: fileText, policyDefault: configuration.defaultRole,
                     projectRoles: projects.flatMap { ProjectRoleBinding.bindings(project: $0.name, roles: $0.spec.roles) },
                     source: configuration.policyFile.map { ($0 as NSString).lastPathComponent } ?? "policy.csv",
                     additionalPolicies: gitPolicy.map { [$0] } ?? [])
    }

    /// The policy file's text, read again when the file it resolves to, its modification time or
    /// its size changed, and at least every 5 s: lists decide thousands of requests, and a read
    /// per decision would be a read per app. Symbolic links are followed, so a Kubernetes
    /// ConfigMap mount (policy.csv -> ..data/policy.csv, `..data` swapped on update) is noticed.
    private var fileCache: (stamp: [String], readAt: ContinuousClock.Instant, text: String)?

    func policyText() throws -> String {
        guard let file = configuration.policyFile else { return configuration.policyCSV }
        let resolved = URL(fileURLWithPath: file).resolvingSymlinksInPath().path
        let attributes = try? FileManager.default.attributesOfItem(atPath: resolved)
        let stamp = [resolved, "\((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1)", "\(attributes?[.size] ?? -1)"]
        if let fileCache, fileCache.stamp == stamp, attributes != nil, ContinuousClock.now - fileCache.readAt < .seconds(5) { return fileCache.text }
        do {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            fileCache = (stamp, .now, text)
            return text
        } catch {
            throw HubError(.unavailable, "cannot read the RBAC policy \(file): \(error.localizedDescription)")
        }
    }

    func current(projects: () async throws -> [ProjectRecord], log: (String) -> Void) async throws -> Enforcer {
        let fileText = try policyText()
        // The key of what the enforcer was built from: policy.csv, and the Git policy if any.
        let text = fileText + (gitPolicy.map { "\n# \(gitPolicySource)\n" + $0.csv } ?? "")
        if let enforcer, let builtFrom, builtFrom.policy == text, builtFrom.projectsGeneration == projectsGeneration { return enforcer }
        let generation = projectsGeneration
        let records = try await projects()
        do {
            let built = try build(fileText: fileText, gitPolicy: gitPolicy.map { ($0.csv, gitPolicySource) }, projects: records)
            enforcer = built
            builtFrom = (text, generation)
            return built
        } catch {
            let message = error.diagnostics.map(\.description).joined(separator: "; ")
            guard let enforcer else { throw HubError(.unavailable, "the RBAC policy is invalid: \(message)") }
            log("the RBAC policy is invalid; still using the last valid one: \(message)")
            builtFrom = (text, generation)
            return enforcer
        }
    }
}

extension Hub {
    func enforcer() async throws -> Enforcer {
        try await rbac.current(projects: { try await store.projects() }, log: { logger.error("\($0)") })
    }

    /// Builds the enforcer once: an invalid policy.csv stops the hub at start, with every
    /// error and its line.
    public func checkPolicy() async throws {
        _ = try await enforcer()
    }

    /// Why the hub should not get traffic now, or nil when it is ready.
    public func readinessProblem() async -> String? {
        do { _ = try await store.project(named: "default") } catch { return "the store does not answer: \(error)" }
        do { _ = try await enforcer() } catch { return "\(error)" }
        return nil
    }

    /// Checks policy.csv; a refusal is audited and thrown as 403 with the reason.
    public func authorize(_ p: Principal, _ action: HubRBAC.Action, _ resource: Resource, _ object: String) async throws {
        let decision = try await enforcer().decide(AccessRequest(subject: p.name, groups: p.groups, resource: resource, action: action, object: object))
        guard decision.allowed else {
            await audit(p, action.rawValue, resource.rawValue, object, outcome: "denied", detail: decision.reason)
            logger.notice("permission denied", metadata: ["subject": "\(p.name)", "action": "\(action.rawValue)", "resource": "\(resource.rawValue)", "object": "\(object)"])
            throw HubError(.forbidden, "permission denied: \(decision.reason)")
        }
    }

    /// Whether `p` may; for filtering lists (nothing is audited: not seeing is not an attempt).
    public func can(_ p: Principal, _ action: HubRBAC.Action, _ resource: Resource, _ object: String) async throws -> Bool {
        try await enforcer().decide(AccessRequest(subject: p.name, groups: p.groups, resource: resource, action: action, object: object)).allowed
    }

    /// `hawser admin rbac can`: the decision and the lines behind it. Asking about someone else
    /// needs `accounts get`.
    public func explain(_ p: Principal, _ q: RBACCanRequest) async throws -> RBACCanResponse {
        let subject = q.subject ?? p.name
        if subject != p.name { try await authorize(p, .get, .accounts, subject) }
        let request: AccessRequest
        do {
            request = try AccessRequest.parse(subject: subject, groups: q.subject == nil ? p.groups : (q.groups ?? []),
                                              action: q.action, resource: q.resource, object: q.object)
        } catch {
            throw HubError(.invalid, "\(error)")
        }
        let d = try await enforcer().decide(request)
        return RBACCanResponse(allowed: d.allowed, reason: d.reason, lines: d.decidingLines)
    }

    /// The RBAC object of an application: `<project>/<name>`. An app that does not exist
    /// yields an object no project policy covers, so asking about it is refused like asking
    /// about someone else's app (403, not 404: names of other teams' apps do not leak).
    /// Decides `applications get` for many apps at once (lists, summaries, streams).
    func appVisibility(for p: Principal) async throws -> AppVisibility {
        AppVisibility(enforcer: try await enforcer(), principal: p)
    }

    public func appObject(_ name: String) async throws -> String {
        guard let a = try await store.app(named: name) else { return "<unknown>/\(name)" }
        // A fleet deployment is governed by its fleet application's policy lines.
        return "\(a.project)/\(a.wireID)"
    }
}

/// `applications get` for one caller over many apps: decided once per project when the policy
/// cannot tell apps of a project apart (`Enforcer.projectWideDecision`), else app by app.
struct AppVisibility {
    let enforcer: Enforcer
    let principal: Principal
    private var byProject: [String: Bool?] = [:]

    init(enforcer: Enforcer, principal: Principal) {
        self.enforcer = enforcer
        self.principal = principal
    }

    /// The decision for every app of `project`, or nil when apps must be decided one by one.
    mutating func projectWide(_ project: String) -> Bool? {
        if let cached = byProject[project] { return cached }
        let wide = enforcer.projectWideDecision(subject: principal.name, groups: principal.groups, action: .get, project: project)
        byProject[project] = wide
        return wide
    }

    mutating func canGet(project: String, name: String) -> Bool {
        if let wide = projectWide(project) { return wide }
        return enforcer.decide(AccessRequest(subject: principal.name, groups: principal.groups, resource: .applications, action: .get, object: "\(project)/\(name)")).allowed
    }
}
