import HubCore
import Hummingbird

/// Requires `Authorization: Bearer <token>` on every `/api/v1` route. Deny by default: a
/// missing, unknown, expired or revoked token (admin token, API token or session) is 401 and
/// never reaches a handler; what an authenticated caller may do is RBAC's to say.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let hub: Hub

    public static let cookieName = "hawser_session"

    func handle(_ request: Request, context: HubRequestContext, next: (Request, HubRequestContext) async throws -> Response) async throws -> Response {
        let token: String
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        } else if let cookie = Self.sessionCookie(request) {
            // A browser session. Changes must come from the hub's own pages: a cross-site form
            // cannot set this header, so a forged POST from another site is refused (CSRF).
            if request.method != .get && request.method != .head && !request.headers.contains(where: { $0.name.canonicalName == "x-hawser-request" }) {
                await hub.auditAnonymous("authenticate", "\(request.method) \(request.uri.path)", detail: "cookie session without X-Hawser-Request header (CSRF)")
                throw APIError(.forbidden, "permission_denied", "requests that change something with a browser session need the X-Hawser-Request header")
            }
            token = cookie
        } else {
            await hub.auditAnonymous("authenticate", "\(request.method) \(request.uri.path)", detail: "no bearer token")
            throw APIError(.unauthorized, "unauthenticated", "missing bearer token: run `hawser login` (password or --sso) or pass an API token")
        }
        guard let principal = try await hub.authenticate(bearer: token) else {
            // Never the token itself: a prefix says what kind of credential was tried.
            let kind = token.hasPrefix("hwst_") ? "API token" : token.hasPrefix("hwsa_") ? "admin token" : token.contains(".") ? "session token" : "unknown token"
            await hub.auditAnonymous("authenticate", "\(request.method) \(request.uri.path)", detail: "invalid, expired or revoked \(kind)")
            throw APIError(.unauthorized, "unauthenticated", "the bearer token is not valid for this hub (unknown, expired, revoked or logged out); log in again")
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }

    public static func sessionCookie(_ request: Request) -> String? { cookie(cookieName, in: request) }

    public static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let kv = pair.trimmingCharacters(in: .whitespaces)
                if kv.hasPrefix(name + "=") { return String(kv.dropFirst(name.count + 1)) }
            }
        }
        return nil
    }
}

/// The browser session cookie, for the web UI's pages (which authenticate the same way).
public enum SessionCookie {
    public static var name: String { AuthenticationMiddleware.cookieName }
    public static func value(in request: Request) -> String? { AuthenticationMiddleware.sessionCookie(request) }
    public static func named(_ name: String, in request: Request) -> String? { AuthenticationMiddleware.cookie(name, in: request) }
}
