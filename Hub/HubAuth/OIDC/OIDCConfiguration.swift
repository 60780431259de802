/// How the hub signs users in with an OpenID Connect provider (Dex, Keycloak, Okta, Entra ID…).
///
/// Stored in the hub's configuration file, hence `Codable`; missing optional fields take the
/// defaults below so a minimal entry is just `issuer` and `clientID`.
public struct OIDCConfiguration: Codable, Sendable, Hashable {
    /// The provider's issuer identifier, e.g. `https://dex.example.com` or
    /// `https://login.microsoftonline.com/<tenant>/v2.0`. Compared byte for byte with the
    /// discovery document's and every ID token's `iss`, so a trailing slash matters.
    public var issuer: String
    public var clientID: String
    /// `nil` for a public client; PKCE then is the only proof at the token endpoint.
    public var clientSecret: String?
    public var scopes: [String]
    /// The ID-token claim that lists the user's groups (`groups` for Dex and Okta, `roles` or a
    /// custom claim elsewhere). A single string is read as one group.
    public var groupsClaim: String

    public static let defaultScopes = ["openid", "profile", "email", "groups"]
    public static let defaultGroupsClaim = "groups"

    public init(issuer: String, clientID: String, clientSecret: String? = nil,
                scopes: [String] = OIDCConfiguration.defaultScopes, groupsClaim: String = OIDCConfiguration.defaultGroupsClaim) {
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scopes = scopes
        self.groupsClaim = groupsClaim
    }

    enum CodingKeys: String, CodingKey {
        case issuer, clientID, clientSecret, scopes, groupsClaim
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        issuer = try c.decode(String.self, forKey: .issuer)
        clientID = try c.decode(String.self, forKey: .clientID)
        clientSecret = try c.decodeIfPresent(String.self, forKey: .clientSecret)
        scopes = try c.decodeIfPresent([String].self, forKey: .scopes) ?? Self.defaultScopes
        groupsClaim = try c.decodeIfPresent(String.self, forKey: .groupsClaim) ?? Self.defaultGroupsClaim
    }
}

/// The client secret stays out of logs that print the configuration.
extension OIDCConfiguration: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        "OIDCConfiguration(issuer: \(issuer), clientID: \(clientID), clientSecret: \(clientSecret == nil ? "nil" : "<redacted>"), "
            + "scopes: \(scopes), groupsClaim: \(groupsClaim))"
    }

    public var debugDescription: String { description }
}
