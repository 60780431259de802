import Foundation

/// Who signed in, as asserted by a verified ID token: what the hub's sessions and RBAC use.
public struct OIDCIdentity: Sendable, Hashable, Codable {
    /// `sub`: stable and unique within the issuer; `issuer` + `subject` identifies a user.
    public var subject: String
    public var email: String?
    public var name: String?
    public var preferredUsername: String?
    /// From the configured groups claim; empty when the claim is absent.
    public var groups: [String]
    public var issuer: String
    /// The ID token's `exp`; a session may end earlier but should not outlive it by much.
    public var expiry: Date

    public init(subject: String, email: String? = nil, name: String? = nil, preferredUsername: String? = nil,
                groups: [String] = [], issuer: String, expiry: Date) {
        self.subject = subject
        self.email = email
        self.name = name
        self.preferredUsername = preferredUsername
        self.groups = groups
        self.issuer = issuer
        self.expiry = expiry
    }
}
