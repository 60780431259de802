import HubCore
import Hummingbird

/// Requires `Authorization: Bearer <token>` on every `/api/v1` route. Deny by default: a
/// missing or unknown token is 401 and never reaches a handler. (SSO sessions and RBAC plug in
/// here in a later issue.)
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let hub: Hub

    func handle(_ request: Request, context: HubRequestContext, next: (Request, HubRequestContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, "unauthenticated", "missing bearer token: run `hawser login --server URL --token TOKEN` with the admin token the hub printed on first start")
        }
        let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let principal = try await hub.authenticate(bearer: token) else {
            throw APIError(.unauthorized, "unauthenticated", "the bearer token is not valid for this hub")
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}

import Foundation
