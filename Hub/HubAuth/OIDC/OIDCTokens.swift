/// What the token endpoint returned for an authorization code. The ID token is not verified
/// yet: pass it to ``OIDCProvider/verifyIDToken(_:nonce:)`` with the login's nonce.
public struct OIDCTokens: Sendable, Hashable {
    public var idToken: String
    public var accessToken: String?
    public var refreshToken: String?
    /// Lifetime of the access token in seconds, as the provider stated it.
    public var expiresIn: Int?

    public init(idToken: String, accessToken: String? = nil, refreshToken: String? = nil, expiresIn: Int? = nil) {
        self.idToken = idToken
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresIn = expiresIn
    }
}

/// Tokens are credentials: printing them (a log line, an error report) shows only their shape.
extension OIDCTokens: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        func redacted(_ token: String?) -> String { token.map { "<\($0.utf8.count) bytes>" } ?? "nil" }
        return "OIDCTokens(idToken: \(redacted(idToken)), accessToken: \(redacted(accessToken)), "
            + "refreshToken: \(redacted(refreshToken)), expiresIn: \(expiresIn.map(String.init) ?? "nil"))"
    }

    public var debugDescription: String { description }
}
