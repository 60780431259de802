import HubCore
import Hummingbird

/// Requires `Authorization: Bearer <token>` on every `/api/v1` route. Deny by default: a
/// missing, unknown, expired or revoked token (admin token, API token or session) is 401 and
/// never reaches a handler; what an authenticated caller may do is RBAC's to say.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let hub: Hub

    func handle(_ request: Request, context: HubRequestContext, next: (Request, HubRequestContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            await hub.audit(Principal(name: "anonymous"), "authenticate", "accounts", "\(request.method) \(request.uri.path)", outcome: "denied", detail: "no bearer token")
            throw APIError(.unauthorized, "unauthenticated", "missing bearer token: run `hawser login` (password or --sso) or pass an API token")
        }
        let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let principal = try await hub.authenticate(bearer: token) else {
            // Never the token itself: a prefix says what kind of credential was tried.
            let kind = token.hasPrefix("hwst_") ? "API token" : token.hasPrefix("hwsa_") ? "admin token" : token.contains(".") ? "session token" : "unknown token"
            await hub.audit(Principal(name: "anonymous"), "authenticate", "accounts", "\(request.method) \(request.uri.path)", outcome: "denied",
                            detail: "invalid, expired or revoked \(kind)")
            throw APIError(.unauthorized, "unauthenticated", "the bearer token is not valid for this hub (unknown, expired, revoked or logged out); log in again")
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}

import Foundation
