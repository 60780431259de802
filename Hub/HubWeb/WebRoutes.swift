import Foundation
import HawserProtocol
import HubAPI
import HubCore
import HubRBAC
import Hummingbird

/// The web UI: server-rendered pages under `/ui`, one file per page in `Pages/`. Pages read
/// the domain (`Hub`) with the signed-in user's rights, exactly as the REST API does; every
/// change a page offers (sync, rollback, refresh) is a call to the REST API from the browser,
/// so RBAC, audit and CSRF checks are the API's own.
public enum WebRoutes {
    public static func add(to router: Router<HubRequestContext>, hub: Hub, externalURL: @escaping @Sendable () -> String) {
        router.get("/") { _, _ in Response(status: .found, headers: [.location: "/ui/"]) }
        router.get("/ui/assets/hawser.css") { _, _ in asset(Assets.css, type: "text/css; charset=utf-8") }
        router.get("/ui/assets/hawser.js") { _, _ in asset(Assets.js, type: "text/javascript; charset=utf-8") }

        router.get("/ui/login") { request, _ in
            try await LoginPage.show(hub: hub, returnTo: returnPath(request), error: nil)
        }
        router.post("/ui/login") { request, context in
            try await LoginPage.submit(hub: hub, request: request, context: context, secure: externalURL().hasPrefix("https://"))
        }
        router.post("/ui/logout") { request, _ -> Response in
            // Same rule as the API: a cookie-authenticated change needs the header a cross-site
            // form cannot send.
            guard request.headers.contains(where: { $0.name.canonicalName == "x-hawser-request" }) else {
                return Response(status: .forbidden, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "log out from the hub's own page\n")))
            }
            if let token = SessionCookie.value(in: request), let p = try await hub.authenticate(bearer: token) {
                try await hub.logout(p)
            }
            return Response(status: .noContent, headers: [.setCookie: "\(SessionCookie.name)=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"])
        }

        let pages = router.group("/ui").add(middleware: WebSessionMiddleware(hub: hub))
        pages.get("/") { request, context in try await DashboardPage.render(hub: hub, caller: context.caller) }
        pages.get("/applications") { request, context in try await ApplicationsPage.render(hub: hub, caller: context.caller, query: request.uri.queryParameters) }
        pages.get("/applications/{name}") { _, context in
            try await ApplicationPage.render(hub: hub, caller: context.caller, name: try context.parameters.require("name"))
        }
        pages.get("/clusters") { _, context in try await ClustersPage.render(hub: hub, caller: context.caller) }
        pages.get("/repositories") { _, context in try await RepositoriesPage.render(hub: hub, caller: context.caller) }
        pages.get("/projects") { _, context in try await ProjectsPage.render(hub: hub, caller: context.caller) }
        pages.get("/audit") { request, context in try await AuditPage.render(hub: hub, caller: context.caller, query: request.uri.queryParameters) }
    }

    static func returnPath(_ request: Request) -> String {
        request.uri.queryParameters.get("return").flatMap { HubRoutes.localPath(String($0)) }.flatMap { $0.hasPrefix("/ui") ? $0 : nil } ?? "/ui/"
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// An HTML page with the headers that keep it from being framed, sniffed, cached or made to
    /// run anything but the hub's own script.
    static func page(_ html: HTML, status: HTTPResponse.Status = .ok, extraHeaders: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .cacheControl: "no-store",
            .contentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
            .xContentTypeOptions: "nosniff",
        ]
        headers[.init("Referrer-Policy")!] = "same-origin"
        headers[.init("X-Frame-Options")!] = "DENY"
        headers.append(contentsOf: extraHeaders)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html.text)))
    }

    static func forbidden(_ caller: Principal, _ section: Layout.Section?, _ what: String) -> Response {
        page(Layout.page(title: "Not allowed", user: caller.name, section: section,
                         body: "<h1>Not allowed</h1>\(Layout.message("\(caller.name) may not see \(what). Ask an administrator for a role that allows it (policy.csv)."))"),
             status: .forbidden)
    }
}

/// Pages need a signed-in browser: the session cookie, checked like an API token. Without one
/// (or with an expired one) the browser goes to the login page and comes back afterwards.
struct WebSessionMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let hub: Hub

    func handle(_ request: Request, context: HubRequestContext, next: (Request, HubRequestContext) async throws -> Response) async throws -> Response {
        guard let token = SessionCookie.value(in: request), let principal = try await hub.authenticate(bearer: token) else {
            let here = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            return Response(status: .found, headers: [.location: "/ui/login" + HTML.query([("return", HubRoutes.localPath(here))])])
        }
        var context = context
        context.principal = principal
        do {
            return try await next(request, context)
        } catch let error as HubError where error.kind == .notFound {
            return WebRoutes.page(Layout.page(title: "Not found", user: principal.name, section: nil,
                                              body: "<h1>Not found</h1>\(Layout.message(error.message))"), status: .notFound)
        } catch let error as HubError where error.kind == .forbidden {
            return WebRoutes.page(Layout.page(title: "Not allowed", user: principal.name, section: nil,
                                              body: "<h1>Not allowed</h1>\(Layout.message(error.message))"), status: .forbidden)
        }
    }
}
