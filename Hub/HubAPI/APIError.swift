import Foundation
import HawserProtocol
import HubCore
import HubStore
import Hummingbird

/// Turns any failure into `{"error": …, "message": …}` with a fitting status, so the CLI can
/// always show the user a sentence rather than a bare status code.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let body: APIErrorBody

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.body = APIErrorBody(error: code, message: message)
    }

    init(_ error: HubError) {
        let status: HTTPResponse.Status = switch error.kind {
        case .invalid: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .unavailable: .serviceUnavailable
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .tooManyRequests: .tooManyRequests
        }
        self.init(status, error.kind.rawValue, error.message)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try WireJSON.encoder().encode(body)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Maps domain errors (and decoding errors) to `APIError`.
struct ErrorMappingMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HubError {
            throw APIError(error)
        } catch StoreError.unavailable(let message) {
            context.logger.error("storage failed", metadata: ["error": "\(message)"])
            throw APIError(.serviceUnavailable, "unavailable", message)
        } catch let error as DecodingError {
            throw APIError(.badRequest, "invalid_argument", "the request body is not valid: \(error)")
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            throw APIError(error.status, "http_error", error.body ?? "\(error.status)")
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            throw APIError(.internalServerError, "internal", "the hub failed to handle the request: \(error)")
        }
    }
}

/// Counts every API request by method and status class, with its duration (`/metrics`).
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: HubMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            metrics.request(method: request.method.rawValue, status: response.status.code, duration: .now - started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.request(method: request.method.rawValue, status: status, duration: .now - started)
            if status >= 500 { metrics.error("api") }
            throw error
        }
    }
}
