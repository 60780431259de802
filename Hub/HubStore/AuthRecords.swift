import Foundation

/// A local account (`admin`, break-glass users). SSO users have no row: their identity comes
/// from the provider on every login.
public struct AccountRecord: Codable, Sendable, Hashable {
    public var name: String
    /// scrypt hash (`PasswordHash`); `nil` until a password is set, so password login is off.
    public var passwordHash: String?
    public var enabled: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(name: String, passwordHash: String?, enabled: Bool = true, createdAt: Date, updatedAt: Date? = nil) {
        self.name = name
        self.passwordHash = passwordHash
        self.enabled = enabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}

/// An API token for automation. Only its SHA-256 hash is stored; the token itself is shown
/// once, when it is made.
public struct APITokenRecord: Codable, Sendable, Hashable {
    public var id: String
    public var tokenHash: String
    /// The RBAC subject the token acts as: an account name or `proj:<project>:<role>`.
    public var subject: String
    public var project: String?
    public var role: String?
    public var description: String?
    public var createdBy: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?

    public init(id: String, tokenHash: String, subject: String, project: String? = nil, role: String? = nil, description: String? = nil,
                createdBy: String, createdAt: Date, expiresAt: Date? = nil, revokedAt: Date? = nil) {
        self.id = id
        self.tokenHash = tokenHash
        self.subject = subject
        self.project = project
        self.role = role
        self.description = description
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}

/// A login session. The token the caller holds is signed by the hub; this row is what makes
/// it revocable (logout) before it expires.
public struct SessionRecord: Codable, Sendable, Hashable {
    public var id: String
    public var subject: String
    public var groups: [String]
    /// `password` or `sso`.
    public var method: String
    public var createdAt: Date
    public var expiresAt: Date
    public var revokedAt: Date?

    public init(id: String, subject: String, groups: [String], method: String, createdAt: Date, expiresAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.subject = subject
        self.groups = groups
        self.method = method
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}

/// One entry of the audit trail: who did (or tried) what to which object, and how it ended.
public struct AuditRecord: Codable, Sendable, Hashable {
    public var id: Int64?
    public var at: Date
    public var actor: String
    public var groups: [String]
    /// RBAC vocabulary: `create`, `update`, `delete`, `sync`, `get`, … plus `login`/`logout`.
    public var action: String
    public var resource: String
    public var object: String
    /// `succeeded`, `failed` or `denied`.
    public var outcome: String
    public var detail: String?
    /// SHA-256 of the previous entry and of this one (hash chain; set by the store).
    public var previousHash: String?
    public var hash: String?

    public init(id: Int64? = nil, at: Date, actor: String, groups: [String] = [], action: String, resource: String, object: String, outcome: String, detail: String? = nil,
                previousHash: String? = nil, hash: String? = nil) {
        self.previousHash = previousHash
        self.hash = hash
        self.id = id
        self.at = at
        self.actor = actor
        self.groups = groups
        self.action = action
        self.resource = resource
        self.object = object
        self.outcome = outcome
        self.detail = detail
    }
}

/// Which audit entries to list; nil fields do not filter.
public struct AuditFilter: Sendable, Hashable {
    public var actor: String?
    public var app: String?
    public var project: String?
    public var cluster: String?
    public var since: Date?
    public var until: Date?

    public init(actor: String? = nil, app: String? = nil, project: String? = nil, cluster: String? = nil, since: Date? = nil, until: Date? = nil) {
        self.actor = actor
        self.app = app
        self.project = project
        self.cluster = cluster
        self.since = since
        self.until = until
    }
}

/// The result of walking the audit chain.
public struct AuditVerification: Sendable, Hashable {
    public var entries: Int
    /// The first entry that does not match the chain, and why; nil when the chain is intact.
    public var firstBrokenID: Int64?
    public var problem: String?
}

