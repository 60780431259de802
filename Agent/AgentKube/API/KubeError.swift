import Foundation
import HawserProtocol

/// An error answered by the API server, parsed from its `Status` object when it sent one.
///
/// `reason` is the machine-readable word (`NotFound`, `Conflict`, `Invalid`, `Forbidden`…) to
/// branch on; `message` is the server's sentence, which is what a user needs to see.
public struct KubeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status code, or 0 when the error happened before any response.
    public var code: Int
    public var reason: String
    public var message: String

    public init(code: Int, reason: String, message: String) {
        self.code = code
        self.reason = reason
        self.message = message
    }

    /// Parses an error response. Kubernetes answers errors with a `Status` object; proxies and
    /// load balancers in front of it may not, so a plain body becomes the message.
    public init(httpStatus: Int, body: [UInt8]) {
        let status = try? JSONValue.parse(body)
        if let status, status["kind"]?.stringValue == "Status" {
            self.init(
                code: status["code"]?.intValue.map(Int.init) ?? httpStatus,
                reason: status["reason"]?.stringValue ?? Self.defaultReason(httpStatus),
                message: status["message"]?.stringValue ?? "")
        } else {
            let text = String(decoding: body.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            self.init(code: httpStatus, reason: Self.defaultReason(httpStatus), message: text)
        }
    }

    public var description: String {
        let head = code == 0 ? reason : "\(reason) (\(code))"
        return message.isEmpty ? head : "\(head): \(message)"
    }

    public var isNotFound: Bool { code == 404 }
    public var isConflict: Bool { code == 409 }

    /// The reasons Kubernetes' `StatusReason` uses for codes a `Status` may lack.
    static func defaultReason(_ code: Int) -> String {
        switch code {
        case 400: return "BadRequest"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 405: return "MethodNotAllowed"
        case 409: return "Conflict"
        case 410: return "Expired"
        case 415: return "UnsupportedMediaType"
        case 422: return "Invalid"
        case 429: return "TooManyRequests"
        case 500: return "InternalError"
        case 503: return "ServiceUnavailable"
        case 504: return "Timeout"
        default: return "Unknown"
        }
    }
}
