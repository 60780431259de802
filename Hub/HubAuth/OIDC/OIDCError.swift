/// Why single sign-on failed, precise enough for the hub's log and the login page.
///
/// No case carries the token or a value taken from it (claims can hold personal data, and a token
/// in a log is a credential); only facts about the provider's own documents are quoted.
public enum OIDCError: Error, Sendable, Hashable, CustomStringConvertible {
    // Configuration and provider documents
    case invalidConfiguration(String)
    /// An endpoint is neither https nor plain http on a loopback address.
    case insecureEndpoint(String)
    case discoveryFailed(String)
    /// The discovery document names another issuer than the one configured (OIDC Discovery §4.3).
    case issuerMismatch(configured: String, discovered: String)
    case keySetFailed(String)

    // The ID token
    case malformedToken(String)
    /// `alg` is not RS256 or ES256 (this refuses `none`, HMAC and everything else).
    case unsupportedAlgorithm(String)
    /// The header's `crit` or `typ` asks for processing this client does not do.
    case unsupportedHeader(String)
    /// No key of the provider has the token's `kid`, even after refreshing the key set.
    case unknownKey
    /// The key named by `kid` cannot produce the token's `alg` (an EC key for RS256…).
    case keyAlgorithmMismatch
    case badSignature
    case missingClaim(String)
    case wrongIssuer
    case wrongAudience
    /// `azp` is present and is not this client (required when there are several audiences).
    case wrongAuthorizedParty
    case expired
    case notYetValid
    case issuedInFuture
    case nonceMismatch

    // The token endpoint
    case clientAuthenticationUnsupported(String)
    /// The provider refused the code exchange; `error` and `description` are the provider's
    /// RFC 6749 §5.2 fields.
    case tokenEndpoint(status: Int, error: String?, description: String?)
    case tokenResponseInvalid(String)
    case transport(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let why): "invalid OIDC configuration: \(why)"
        case .insecureEndpoint(let url): "refusing insecure OIDC endpoint \(url): use https (plain http only on loopback)"
        case .discoveryFailed(let why): "OIDC discovery failed: \(why)"
        case .issuerMismatch(let configured, let discovered):
            "OIDC discovery document names issuer \(discovered), configured issuer is \(configured) (they must match exactly)"
        case .keySetFailed(let why): "OIDC key set (jwks_uri) could not be loaded: \(why)"
        case .malformedToken(let why): "malformed ID token: \(why)"
        case .unsupportedAlgorithm(let alg): "ID token algorithm \(alg) refused: only RS256 and ES256 are accepted"
        case .unsupportedHeader(let why): "ID token header refused: \(why)"
        case .unknownKey: "ID token is signed with a key the provider does not publish"
        case .keyAlgorithmMismatch: "ID token's algorithm does not match the provider key it names"
        case .badSignature: "ID token signature is invalid"
        case .missingClaim(let claim): "ID token lacks the required claim \(claim)"
        case .wrongIssuer: "ID token was issued by another issuer"
        case .wrongAudience: "ID token is not for this client (aud)"
        case .wrongAuthorizedParty: "ID token was issued to another client (azp)"
        case .expired: "ID token has expired"
        case .notYetValid: "ID token is not valid yet (nbf)"
        case .issuedInFuture: "ID token is issued in the future (iat): check the clocks"
        case .nonceMismatch: "ID token nonce does not match this login"
        case .clientAuthenticationUnsupported(let why): "no usable client authentication at the token endpoint: \(why)"
        case .tokenEndpoint(let status, let error, let description):
            "token endpoint refused the code (HTTP \(status)\(error.map { ", \($0)" } ?? "")\(description.map { ": \($0)" } ?? ""))"
        case .tokenResponseInvalid(let why): "token endpoint response invalid: \(why)"
        case .transport(let why): "OIDC provider unreachable: \(why)"
        }
    }
}
