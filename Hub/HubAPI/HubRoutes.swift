import Foundation
import HawserProtocol
import HubCore
import HubRBAC
import HubStore
import Hummingbird

extension ListResponse: ResponseEncodable {}
extension ClusterView: ResponseEncodable {}
extension ClusterCreateResponse: ResponseEncodable {}
extension AppView: ResponseEncodable {}
extension VersionInfo: ResponseEncodable {}
extension ProjectView: ResponseEncodable {}
extension ApplyResponse: ResponseEncodable {}
extension ExportResponse: ResponseEncodable {}
extension ConfigRepoView: ResponseEncodable {}
extension SessionResponse: ResponseEncodable {}
extension UserInfo: ResponseEncodable {}
extension TokenCreateResponse: ResponseEncodable {}
extension TokenView: ResponseEncodable {}
extension RBACCanResponse: ResponseEncodable {}
extension AuditEventView: ResponseEncodable {}
extension HubSettings: ResponseEncodable {}
extension AuditVerifyResponse: ResponseEncodable {}
extension HistoryEntry: ResponseEncodable {}
extension AppSummary: ResponseEncodable {}
extension RepositoryView: ResponseEncodable {}

/// The REST API. Handlers only translate HTTP to the domain (`Hub`) and back; every handler
/// behind authentication names the RBAC check it needs (policy.csv's resource, action and
/// object) through `guarded`, which also writes the audit entry for a change.
public enum HubRoutes {
    public static func router(hub: Hub, externalURL: @escaping @Sendable () -> String) -> Router<HubRequestContext> {
        let router = Router(context: HubRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(metrics: hub.metrics))
        router.add(middleware: ErrorMappingMiddleware())
        router.get("/healthz") { _, _ in "ok" }
        // Ready to serve: the store answers and the RBAC policy is valid (a load balancer or a
        // Kubernetes readinessProbe sends traffic only then).
        router.get("/readyz") { _, _ -> Response in
            if let problem = await hub.readinessProblem() {
                return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "not ready: \(problem)\n")))
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
        }
        router.get("/api/version") { _, _ in hub.versionInfo() }
        router.get("/api/openapi.yaml") { _, _ -> Response in
            guard let text = OpenAPIDocument.text else {
                throw HubError(.notFound, "the OpenAPI document is not installed next to the hub binary (hawser_HubAPI.resources/openapi.yaml)")
            }
            return Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        // Login is the one API call without a token.
        router.post("/api/v1/session") { request, context -> EditedResponse<SessionResponse> in
            let body = try await request.decode(as: LoginRequest.self, context: context)
            return .init(status: .created, response: try await hub.login(body))
        }

        // Git push webhooks: no bearer token (forges cannot send one); each payload proves
        // itself with its forge's signature or token instead.
        router.post("/api/webhook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 25 << 20)
            let headers = request.headers
            let push: GitPush?
            do {
                push = try hub.webhookVerifier.verify(header: { name in headers.first { $0.name.canonicalName == name.lowercased() }?.value }, body: Data(buffer: body))
            } catch let rejection as GitWebhookVerifier.Rejection {
                hub.metrics.error("webhook")
                if rejection.malformed { throw HubError(.invalid, rejection.message) }
                await hub.auditAnonymous("webhook", rejection.forge ?? "unknown", detail: rejection.message, resource: "repositories")
                throw HubError(.unauthenticated, rejection.message)
            }
            guard let push else {
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"repositories\":0,\"message\":\"not a push event; nothing to do\"}\n")))
            }
            let matched = await hub.gitPushed(push)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"repositories\":\(matched)}\n")))
        }

        router.get("/api/v1/settings") { _, _ in HubSettings(sso: try await hub.ssoSettings()) }

        // Web single sign-on: the browser goes to the provider and comes back with a code; the
        // session lands in an HttpOnly cookie the web UI's requests carry.
        router.get("/auth/login") { request, _ -> Response in
            let raw: String? = request.uri.queryParameters.get("return").map { String($0) }
            let returnTo = raw.flatMap { Self.localPath($0) } ?? "/"
            let (url, state) = try await hub.beginWebLogin(redirectURI: externalURL() + "/auth/callback", returnTo: returnTo)
            // The state is also bound to this browser: a callback link made by someone else
            // (login CSRF) arrives without the cookie and is refused.
            let cookie = "\(Self.stateCookie)=\(state); Path=/auth; HttpOnly; SameSite=Lax; Max-Age=600" + (externalURL().hasPrefix("https://") ? "; Secure" : "")
            return Response(status: .found, headers: [.location: url, .setCookie: cookie])
        }
        router.get("/auth/callback") { request, _ -> Response in
            if let error = request.uri.queryParameters.get("error") {
                throw HubError(.unauthenticated, "the identity provider refused the login: \(error) \(request.uri.queryParameters.get("error_description") ?? "")")
            }
            guard let state = request.uri.queryParameters.get("state"), let code = request.uri.queryParameters.get("code") else {
                throw HubError(.invalid, "the provider's redirect has no code or state; start again at /auth/login")
            }
            guard AuthenticationMiddleware.cookie(Self.stateCookie, in: request) == String(state) else {
                await hub.audit(Principal(name: "anonymous"), "login", "accounts", "sso", outcome: "denied", detail: "callback without this browser's login state cookie")
                throw HubError(.unauthenticated, "this login was not started in this browser; start again at /auth/login")
            }
            let (session, returnTo) = try await hub.finishWebLogin(state: String(state), code: String(code))
            let secure = externalURL().hasPrefix("https://") ? "; Secure" : ""
            let cookie = "\(AuthenticationMiddleware.cookieName)=\(session.token); Path=/; HttpOnly; SameSite=Lax; Max-Age=\(Int(session.expiresAt.timeIntervalSinceNow))\(secure)"
            return Response(status: .found, headers: [.location: returnTo, .setCookie: cookie])
        }

        let api = router.group("/api/v1").add(middleware: AuthenticationMiddleware(hub: hub))
        let g = Guard(hub: hub)

        // Session
        api.get("/session") { _, context in UserInfo(subject: context.caller.name, groups: context.caller.groups) }
        api.delete("/session") { _, context -> HTTPResponse.Status in
            try await hub.logout(context.caller)
            return .noContent
        }

        // Clusters
        api.post("/clusters") { request, context -> EditedResponse<ClusterCreateResponse> in
            let body = try await request.decode(as: ClusterCreateRequest.self, context: context)
            return .init(status: .created, response: try await g.run(context, .create, .clusters, body.name) { try await hub.addCluster(body) })
        }
        api.get("/clusters") { request, context in
            let q = request.uri.queryParameters
            var clusters = try await hub.clusters()
            if let s = q.get("selector").map({ String($0) }), !s.isEmpty {
                let selector: LabelSelector
                do { selector = try LabelSelector.parse(s) } catch {
                    throw HubError(.invalid, "selector=\(s): \(error); write e.g. env=prod,region in (eu,us)")
                }
                clusters = clusters.filter { selector.matches($0.labels) }
            }
            return try Paging.page(try await g.filter(context, .clusters, clusters) { $0.name }, name: \.name, request)
        }
        api.get("/clusters/{name}") { _, context in
            let name = try context.parameters.require("name")
            return try await g.run(context, .get, .clusters, name, audited: false) { try await hub.cluster(named: name) }
        }
        api.put("/clusters/{name}") { request, context in
            let name = try context.parameters.require("name")
            let body = try await request.decode(as: ClusterUpdateRequest.self, context: context)
            let detail = "labels " + body.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            return try await g.run(context, .update, .clusters, name, detail: detail) { try await hub.setClusterLabels(named: name, labels: body.labels) }
        }
        api.post("/clusters/{name}/token") { request, context -> EditedResponse<ClusterCreateResponse> in
            let name = try context.parameters.require("name")
            let ttl = request.uri.queryParameters.get("ttlSeconds").flatMap(Double.init)
            return .init(status: .created, response: try await g.run(context, .update, .clusters, name) { try await hub.newBootstrapToken(clusterNamed: name, ttl: ttl) })
        }
        api.delete("/clusters/{name}") { _, context -> HTTPResponse.Status in
            let name = try context.parameters.require("name")
            try await g.run(context, .delete, .clusters, name) { try await hub.removeCluster(named: name) }
            return .noContent
        }
        api.post("/clusters/{name}/revoke") { _, context in
            let name = try context.parameters.require("name")
            return try await g.run(context, .update, .clusters, name) { try await hub.revokeCluster(named: name) }
        }

        // Applications: the RBAC object is <project>/<name>.
        api.post("/applications") { request, context -> EditedResponse<AppView> in
            let spec = try await request.decode(as: AppSpec.self, context: context)
            return .init(status: .created, response: try await g.run(context, .create, .applications, "\(spec.project)/\(spec.name)") { try await hub.createApp(spec) })
        }
        api.get("/applications") { request, context in
            let q = request.uri.queryParameters
            func text(_ name: String) -> String? { q.get(name).map { String($0) } }
            let (filter, problems) = AppListFilter.parse(text)
            if let problem = problems.first { throw HubError(.invalid, problem) }
            return try await hub.appsPage(for: context.caller, filter: filter, limit: text("limit").flatMap { Int($0) } ?? 500, continue: text("continue"))
        }
        api.get("/summary") { _, context in try await hub.summary(for: context.caller) }
        api.get("/deployments") { request, context in
            ListResponse(items: try await hub.recentDeployments(for: context.caller, limit: request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 20))
        }
        api.get("/stream/applications") { request, context -> Response in
            let q = request.uri.queryParameters
            func text(_ name: String) -> String? { q.get(name).map { String($0) } }
            return try await EventStream.applications(hub: hub, caller: context.caller,
                                                      filter: .init(project: text("project"), cluster: text("cluster"), app: text("app")))
        }
        api.get("/applications/{name}") { _, context in
            let name = try context.parameters.require("name")
            return try await g.run(context, .get, .applications, try await hub.appObject(name), audited: false) { try await hub.app(named: name) }
        }
        api.put("/applications/{name}") { request, context in
            let spec = try await request.decode(as: AppSpec.self, context: context)
            let name = try context.parameters.require("name")
            guard spec.name == name else {
                throw HubError(.invalid, "the body names application \"\(spec.name)\" but the URL names \"\(name)\"; an application cannot be renamed")
            }
            // Moving an app to another project needs `update` in both, as in Argo CD.
            let current = try await hub.appObject(name)
            if current != "\(spec.project)/\(name)" { try await hub.authorize(context.caller, .update, .applications, "\(spec.project)/\(name)") }
            return try await g.run(context, .update, .applications, current) { try await hub.updateApp(spec) }
        }
        api.delete("/applications/{name}") { request, context -> HTTPResponse.Status in
            let name = try context.parameters.require("name")
            let cascade = request.uri.queryParameters.get("cascade").map { $0 != "false" } ?? true
            try await g.run(context, .delete, .applications, try await hub.appObject(name), detail: "cascade=\(cascade)") {
                try await hub.deleteApp(named: name, cascade: cascade)
            }
            return .noContent
        }
        api.post("/applications/{name}/sync") { _, context in
            let name = try context.parameters.require("name")
            return try await g.run(context, .sync, .applications, try await hub.appObject(name)) {
                try await hub.syncApp(named: name, initiatedBy: context.caller)
            }
        }
        api.get("/applications/{name}/history") { _, context in
            let name = try context.parameters.require("name")
            return try await g.run(context, .get, .applications, try await hub.appObject(name), audited: false) {
                ListResponse(items: try await hub.history(appNamed: name))
            }
        }
        api.post("/applications/{name}/rollback") { request, context in
            let name = try context.parameters.require("name")
            let body = try await request.decode(as: RollbackRequest.self, context: context)
            return try await g.run(context, .rollback, .applications, try await hub.appObject(name), detail: "to history entry \(body.id)") {
                try await hub.rollback(appNamed: name, to: body.id, by: context.caller).view
            }
        }
        api.post("/applications/{name}/refresh") { _, context in
            let name = try context.parameters.require("name")
            return try await g.run(context, .get, .applications, try await hub.appObject(name), audited: false) { try await hub.refresh(appNamed: name) }
        }

        // Repositories: the RBAC object is the URL as given; `{url}` is percent-encoded.
        api.post("/repositories") { request, context -> EditedResponse<RepositoryView> in
            let body = try await request.decode(as: RepositoryCreateRequest.self, context: context)
            // Checked on the registered spelling; replacing needs update, registering create.
            let registered = try await hub.registeredRepositoryURL(body.url)
            let action: HubRBAC.Action = registered != nil && body.upsert == true ? .update : .create
            return .init(status: .created, response: try await g.run(context, action, .repositories, registered ?? body.url) { try await hub.addRepository(body) })
        }
        api.get("/repositories") { request, context in
            try Paging.page(try await g.filter(context, .repositories, try await hub.repositories()) { $0.url }, name: \.url, request)
        }
        api.get("/repositories/{url}") { _, context in
            let url = try Self.repositoryParameter(context)
            return try await g.run(context, .get, .repositories, try await hub.registeredRepositoryURL(url) ?? url, audited: false) { try await hub.repository(url: url) }
        }
        api.delete("/repositories/{url}") { _, context -> HTTPResponse.Status in
            let url = try Self.repositoryParameter(context)
            try await g.run(context, .delete, .repositories, try await hub.registeredRepositoryURL(url) ?? url) { try await hub.removeRepository(url: url) }
            return .noContent
        }

        // Projects
        api.post("/projects") { request, context -> EditedResponse<ProjectView> in
            let body = try await request.decode(as: ProjectView.self, context: context)
            return .init(status: .created, response: try await g.run(context, .create, .projects, body.name) { try await hub.createProject(body) })
        }
        api.get("/projects") { request, context in
            try Paging.page(try await g.filter(context, .projects, try await hub.projects()) { $0.name }, name: \.name, request)
        }
        api.get("/projects/{name}") { _, context in
            let name = try context.parameters.require("name")
            return try await g.run(context, .get, .projects, name, audited: false) { try await hub.project(named: name) }
        }
        api.put("/projects/{name}") { request, context in
            let body = try await request.decode(as: ProjectView.self, context: context)
            let name = try context.parameters.require("name")
            guard body.name == name else {
                throw HubError(.invalid, "the body names project \"\(body.name)\" but the URL names \"\(name)\"; a project cannot be renamed")
            }
            return try await g.run(context, .update, .projects, name) { try await hub.updateProject(named: name, spec: body.spec) }
        }
        api.delete("/projects/{name}") { _, context -> HTTPResponse.Status in
            let name = try context.parameters.require("name")
            try await g.run(context, .delete, .projects, name) { try await hub.deleteProject(named: name) }
            return .noContent
        }

        // Declarative configuration. `apply` checks RBAC per object (audited per change in the
        // same transaction); failures of the whole set are audited here.
        api.post("/apply") { request, context in
            let body = try await request.decode(as: ApplyRequest.self, context: context)
            do {
                return try await hub.apply(body, by: context.caller)
            } catch let error as HubError where error.kind == .invalid && !body.dryRun {
                await hub.audit(context.caller, "apply", "applications", body.files.map(\.path).joined(separator: ", "), outcome: "failed", detail: error.message)
                throw error
            }
        }
        api.get("/export") { request, context in
            let q = request.uri.queryParameters
            var (applications, projects) = (true, true)
            if let kind = q.get("kind") {
                switch kind.lowercased() {
                case "application", "applications", "app", "apps": projects = false
                case "appproject", "project", "projects", "proj": applications = false
                default: throw HubError(.invalid, "kind=\(kind): export knows application and project")
                }
            }
            return try await hub.export(by: context.caller, applications: applications, projects: projects, project: q.get("project").map { String($0) })
        }

        // Config repositories
        api.post("/configrepos") { request, context -> EditedResponse<ConfigRepoView> in
            let body = try await request.decode(as: ConfigRepoCreateRequest.self, context: context)
            let name = body.name ?? Hub.configRepoName(url: body.url, path: body.path)
            return .init(status: .created, response: try await g.run(context, .create, .configrepos, name, detail: "\(body.url) path \(body.path)") {
                try await hub.addConfigRepo(body, by: context.caller)
            })
        }
        api.get("/configrepos") { request, context in
            try Paging.page(try await g.filter(context, .configrepos, try await hub.configRepos()) { $0.name }, name: \.name, request)
        }
        api.get("/configrepos/{name}") { _, context in
            let name = try context.parameters.require("name")
            return try await g.run(context, .get, .configrepos, name, audited: false) { try await hub.configRepo(named: name) }
        }
        api.post("/configrepos/{name}/refresh") { _, context in
            let name = try context.parameters.require("name")
            return try await g.run(context, .update, .configrepos, name) { try await hub.reconcileConfigRepo(named: name) }
        }
        api.delete("/configrepos/{name}") { _, context -> HTTPResponse.Status in
            let name = try context.parameters.require("name")
            try await g.run(context, .delete, .configrepos, name) { try await hub.deleteConfigRepo(named: name) }
            return .noContent
        }

        // Accounts and tokens (the domain checks who may, since "yourself" needs no policy).
        api.put("/accounts/{name}/password") { request, context -> HTTPResponse.Status in
            let body = try await request.decode(as: PasswordUpdateRequest.self, context: context)
            try await hub.updatePassword(context.caller, account: try context.parameters.require("name"), body)
            return .noContent
        }
        api.post("/tokens") { request, context -> EditedResponse<TokenCreateResponse> in
            let body = try await request.decode(as: TokenCreateRequest.self, context: context)
            return .init(status: .created, response: try await hub.generateToken(context.caller, body))
        }
        api.get("/tokens") { _, context in ListResponse(items: try await hub.tokens(context.caller)) }
        api.delete("/tokens/{id}") { _, context -> HTTPResponse.Status in
            try await hub.revokeToken(context.caller, id: try context.parameters.require("id"))
            return .noContent
        }

        // RBAC and audit
        api.post("/rbac/can") { request, context in
            let body = try await request.decode(as: RBACCanRequest.self, context: context)
            return try await hub.explain(context.caller, body)
        }
        api.get("/audit") { request, context in
            let q = request.uri.queryParameters
            func date(_ name: String) throws -> Date? {
                guard let raw = q.get(name) else { return nil }
                guard let d = WireJSON.parseDate(String(raw)) else { throw HubError(.invalid, "\(name)=\(raw) is not an RFC 3339 time, e.g. 2026-11-28T09:00:00Z") }
                return d
            }
            func text(_ name: String) -> String? { q.get(name).map { String($0) } }
            let filter = AuditFilter(actor: text("user"), app: text("app"), project: text("project"),
                                     cluster: text("cluster"), since: try date("since"), until: try date("until"))
            let limit = max(1, min(q.get("limit").flatMap { Int($0) } ?? 100, 1000))
            // `continue` (the last id of the previous page) and `before` are the same cursor.
            let before = (q.get("continue") ?? q.get("before")).flatMap { Int64($0) }
            return try await g.run(context, .get, .audit, "*", audited: false) {
                let items = try await hub.auditEvents(limit: limit, before: before, filter: filter)
                return ListResponse(items: items, continue: items.count == limit ? items.last.map { String($0.id) } : nil)
            }
        }
        api.get("/audit/verify") { _, context in
            try await g.run(context, .get, .audit, "*", audited: false) { try await hub.verifyAudit() }
        }
        return router
    }
}

extension HubRoutes {
    public static let stateCookie = "hawser_login_state"

    /// The `{url}` path parameter, percent-decoded (the router matches the raw path, so an
    /// encoded `/` stays inside the one segment).
    static func repositoryParameter(_ context: HubRequestContext) throws -> String {
        let raw = try context.parameters.require("url")
        guard let url = raw.removingPercentEncoding, !url.isEmpty else {
            throw HubError(.invalid, "repository \(raw) is not a percent-encoded URL; encode it, e.g. https%3A%2F%2Fgithub.com%2Forg%2Frepo.git")
        }
        return url
    }

    /// A path on this hub to return to after login, or nil: only `/` followed by plain URL
    /// characters, so neither `//host`, `/\\host` nor control characters can send the browser
    /// elsewhere (open redirect).
    public static func localPath(_ s: String) -> String? {
        guard s.hasPrefix("/"), !s.hasPrefix("//") else { return nil }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_.~?=&#%-")
        return s.allSatisfy { allowed.contains($0) } ? s : nil
    }
}

/// RBAC and audit around one handler: refuse (audited, 403) unless policy allows, then run the
/// handler and record how the change ended.
struct Guard: Sendable {
    let hub: Hub

    func run<T: Sendable>(_ context: HubRequestContext, _ action: HubRBAC.Action, _ resource: Resource, _ object: String,
                          audited: Bool = true, detail: String? = nil, _ body: () async throws -> T) async throws -> T {
        let caller = context.caller
        try await hub.authorize(caller, action, resource, object)
        guard audited else { return try await body() }
        do {
            let result = try await body()
            await hub.audit(caller, action.rawValue, resource.rawValue, object, outcome: "succeeded", detail: detail)
            return result
        } catch {
            // A project refusing the app is a denial, not a malfunction.
            let denied = (error as? HubError)?.kind == .forbidden
            await hub.audit(caller, action.rawValue, resource.rawValue, object, outcome: denied ? "denied" : "failed", detail: "\(error)")
            throw error
        }
    }

    /// Only what the caller may `get`.
    func filter<T: Sendable>(_ context: HubRequestContext, _ resource: Resource, _ items: [T], object: (T) -> String) async throws -> [T] {
        var out: [T] = []
        for item in items where try await hub.can(context.caller, .get, resource, object(item)) { out.append(item) }
        return out
    }
}

/// `limit` and `continue` over a list in name order (clusters, projects), with `namePrefix`.
/// Without `limit` the whole list comes back, as Kubernetes does; the token is the last name
/// returned, so pages stay stable while items come and go.
enum Paging {
    static func page<T: Codable & Sendable>(_ items: [T], name: (T) -> String, _ request: Request) throws -> ListResponse<T> {
        let q = request.uri.queryParameters
        var rest = items.sorted { name($0) < name($1) }
        if let prefix = q.get("namePrefix").map({ String($0) }), !prefix.isEmpty { rest = rest.filter { name($0).hasPrefix(prefix) } }
        if let token = q.get("continue").map({ String($0) }), !token.isEmpty {
            let after = try Hub.decodeContinue(token)
            rest = rest.filter { name($0) > after }
        }
        guard let limit = q.get("limit").flatMap({ Int($0) }) else { return ListResponse(items: rest) }
        let page = Array(rest.prefix(max(1, min(limit, 1000))))
        return ListResponse(items: page, continue: rest.count > page.count ? page.last.map { Hub.encodeContinue(name($0)) } : nil)
    }
}
