import Foundation

/// Who signed in, as asserted by a verified ID token: what the hub's sessions and RBAC use.
public struct OIDCIdentity: Sendable, Hashable, Codable {
    /// `sub`: stable and unique within the issuer; `issuer` + `subject` identifies a user.
    public var subject: String
    public var email: String?
    /// The provider's `email_verified`; an unverified address must not name anyone.
    public var emailVerified: Bool
    public var name: String?
    public var preferredUsername: String?
    /// From the configured groups claim; empty when the claim is absent.
    public var groups: [String]
    public var issuer: String
    /// The ID token's `exp`; a session may end earlier but should not outlive it by much.
    public var expiry: Date

    public init(subject: String, email: String? = nil, emailVerified: Bool = false, name: String? = nil, preferredUsername: String? = nil,
                groups: [String] = [], issuer: String, expiry: Date) {
        self.emailVerified = emailVerified
        self.subject = subject
        self.email = email
        self.name = name
        self.preferredUsername = preferredUsername
        self.groups = groups
        self.issuer = issuer
        self.expiry = expiry
    }
}
