import Foundation

/// A registered Git repository: where it is and how to reach it. Secrets are stored only
/// sealed (AES-GCM, with a key the store never sees), so a copy of the database alone does not
/// reveal them.
public struct RepositoryRecord: Codable, Sendable, Hashable {
    /// As the user gave it; fetches use this spelling.
    public var url: String
    /// `RepoURL.normalized(url)`: the primary key, so two spellings of one repository clash.
    public var normalizedURL: String
    public var username: String?
    /// The sealed password or SSH key (`nil`: none), opened only to fetch.
    public var sealedSecret: Data?
    public var hasPassword: Bool
    public var hasSSHKey: Bool
    public var insecure: Bool
    public var sshKnownHosts: [String]
    public var createdAt: Date
    public var updatedAt: Date

    public init(url: String, normalizedURL: String, username: String? = nil, sealedSecret: Data? = nil, hasPassword: Bool = false,
                hasSSHKey: Bool = false, insecure: Bool = false, sshKnownHosts: [String] = [], createdAt: Date, updatedAt: Date) {
        self.url = url
        self.normalizedURL = normalizedURL
        self.username = username
        self.sealedSecret = sealedSecret
        self.hasPassword = hasPassword
        self.hasSSHKey = hasSSHKey
        self.insecure = insecure
        self.sshKnownHosts = sshKnownHosts
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
