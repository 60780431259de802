/// The provider metadata from `{issuer}/.well-known/openid-configuration` (OIDC Discovery §3),
/// reduced to the fields the hub uses.
public struct OIDCDiscoveryDocument: Sendable, Hashable, Decodable {
    public let issuer: String
    public let authorizationEndpoint: String
    public let tokenEndpoint: String
    public let jwksURI: String
    public let userinfoEndpoint: String?
    /// RP-initiated logout (OIDC RP-Initiated Logout §2.1), absent at many providers.
    public let endSessionEndpoint: String?
    /// Absent means `client_secret_basic` only (OIDC Discovery §3).
    public let tokenEndpointAuthMethodsSupported: [String]?
    public let idTokenSigningAlgValuesSupported: [String]?

    enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case jwksURI = "jwks_uri"
        case userinfoEndpoint = "userinfo_endpoint"
        case endSessionEndpoint = "end_session_endpoint"
        case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
        case idTokenSigningAlgValuesSupported = "id_token_signing_alg_values_supported"
    }

    /// Refuses a document for another issuer (a provider serving several tenants, or a hostile
    /// one, must not be able to vouch for a different `iss`) and endpoints the hub would not call.
    func validated(forIssuer configured: String) throws(OIDCError) -> Self {
        guard issuer == configured else { throw .issuerMismatch(configured: configured, discovered: issuer) }
        for endpoint in [authorizationEndpoint, tokenEndpoint, jwksURI] + [endSessionEndpoint].compactMap({ $0 }) {
            _ = try EndpointPolicy.check(endpoint)
        }
        return self
    }
}
