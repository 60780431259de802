/// A domain failure the API turns into an HTTP status: the kind picks the status code,
/// the message tells the user what happened and what to do.
public struct HubError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        case invalid = "invalid_argument"
        case notFound = "not_found"
        case conflict = "conflict"
        case unavailable = "unavailable"
        case unauthenticated = "unauthenticated"
        case forbidden = "permission_denied"
        case tooManyRequests = "too_many_requests"
    }
    public let kind: Kind
    public let message: String
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { message }
}
