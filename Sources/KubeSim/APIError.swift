// Failures as the real API server reports them: a `Status` object whose reason, code and message
// client libraries (client-go's apierrors, kubectl) parse to decide what happened.

import HawserProtocol

struct APIError: Error, Sendable {
    var code: Int
    var reason: String
    var message: String
    var details: JSONValue?

    var status: JSONValue {
        var s: JSONValue = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:],
            "status": "Failure", "message": .string(message), "reason": .string(reason), "code": .int(Int64(code)),
        ]
        if let details { s["details"] = details }
        return s
    }

    private static func details(_ r: ResourceType, _ name: String) -> JSONValue {
        var d: JSONValue = ["name": .string(name), "kind": .string(r.plural)]
        if !r.group.isEmpty { d["group"] = .string(r.group) }
        return d
    }

    static func notFound(_ r: ResourceType, _ name: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "\(r.qualifiedName) \"\(name)\" not found", details: details(r, name))
    }

    static func namespaceNotFound(_ namespace: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "namespaces \"\(namespace)\" not found", details: ["name": .string(namespace), "kind": "namespaces"])
    }

    static func alreadyExists(_ r: ResourceType, _ name: String) -> APIError {
        APIError(code: 409, reason: "AlreadyExists", message: "\(r.qualifiedName) \"\(name)\" already exists", details: details(r, name))
    }

    static func conflict(_ r: ResourceType, _ name: String) -> APIError {
        APIError(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(r.qualifiedName) \"\(name)\": the object has been modified; please apply your changes to the latest version and try again",
            details: details(r, name))
    }

    static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }

    static func invalid(_ r: ResourceType, _ name: String, field: String, _ message: String) -> APIError {
        var d = details(r, name)
        d["kind"] = .string(r.kind)
        d["causes"] = [["reason": "FieldValueInvalid", "message": .string(message), "field": .string(field)]]
        return APIError(code: 422, reason: "Invalid", message: "\(r.kind)\(r.group.isEmpty ? "" : "." + r.group) \"\(name)\" is invalid: \(field): \(message)", details: d)
    }

    static func methodNotAllowed(_ method: String) -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")
    }

    static func resourceNotFound(_ path: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource", details: ["causes": [["reason": "UnexpectedServerResponse", "message": "404 page not found"]]])
    }

    static let unauthorized = APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")

    static func unsupportedMediaType(_ type: String) -> APIError {
        APIError(code: 415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got \(type))")
    }

    static func expired(_ message: String) -> APIError {
        APIError(code: 410, reason: "Expired", message: message)
    }
}
