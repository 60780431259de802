import Foundation

/// Failures callers are expected to handle; database faults surface as other errors.
public enum StoreError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The named thing does not exist, e.g. `cluster "prod" not found`.
    case notFound(String)
    /// A uniqueness rule was broken, e.g. `cluster "prod" already exists`.
    case conflict(String)
    /// The storage itself failed (disk full, database locked, I/O error): the message says
    /// where and what to do; the change was not made.
    case unavailable(String)

    public var description: String {
        switch self {
        case .notFound(let m), .conflict(let m), .unavailable(let m): return m
        }
    }
}

/// Why a bootstrap token was not accepted. A value, not an error: refusing a token is a normal
/// outcome the gateway reports to the agent.
public enum TokenRejection: Error, Sendable, Hashable, CustomStringConvertible {
    case unknown
    case expired(at: Date)
    case alreadyUsed(at: Date)

    public var description: String {
        switch self {
        case .unknown: return "unknown bootstrap token"
        case .expired(let at): return "bootstrap token expired at \(at)"
        case .alreadyUsed(let at): return "bootstrap token already used at \(at)"
        }
    }
}
