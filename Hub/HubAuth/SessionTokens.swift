import Crypto
import Foundation
import JWTKit

/// The hub's own session tokens: ES256-signed JWTs naming the session (`jti`), the user
/// (`sub`) and the groups the login established, with an expiry.
///
/// The signature lets the hub reject a forged or altered token before touching the database;
/// the session row named by `jti` is what makes a token revocable at logout. The signing key is
/// the hub's own (a P-256 key in its data directory), never the identity provider's.
public struct SessionTokens: Sendable {
    public static let issuer = "hawser"
    public static let audience = "hawser-api"

    let keys: JWTKeyCollection
    let now: @Sendable () -> Date

    /// The claims a session token carries.
    public struct Claims: JWTPayload, Equatable {
        public var iss: IssuerClaim
        public var aud: AudienceClaim
        public var sub: SubjectClaim
        public var jti: IDClaim
        public var iat: IssuedAtClaim
        public var exp: ExpirationClaim
        public var groups: [String]

        public func verify(using algorithm: some JWTAlgorithm) async throws {
            // Time and audience are checked by `SessionTokens.verify` against the injected clock.
        }
    }

    /// - Parameter privateKeyPEM: the hub's session signing key (PKCS#8 or SEC1 PEM, P-256).
    public init(privateKeyPEM: String, now: @escaping @Sendable () -> Date = { Date() }) async throws {
        let key = try ES256PrivateKey(pem: privateKeyPEM)
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: "hawser-session")
        self.keys = keys
        self.now = now
    }

    /// A fresh P-256 key in PEM, for a hub starting without one.
    public static func newPrivateKeyPEM() -> String {
        P256.Signing.PrivateKey().pemRepresentation
    }

    public func sign(sessionID: String, subject: String, groups: [String], expiresAt: Date) async throws -> String {
        let claims = Claims(iss: .init(value: Self.issuer), aud: .init(value: [Self.audience]), sub: .init(value: subject),
                            jti: .init(value: sessionID), iat: .init(value: now()), exp: .init(value: expiresAt), groups: groups)
        return try await keys.sign(claims, kid: "hawser-session")
    }

    /// The claims of a token this hub signed and that has not expired; throws otherwise.
    public func verify(_ token: String) async throws -> Claims {
        let claims: Claims
        do {
            claims = try await keys.verify(token, as: Claims.self)
        } catch {
            throw SessionTokenError("the session token's signature is not this hub's")
        }
        guard claims.iss.value == Self.issuer, claims.aud.value.contains(Self.audience) else {
            throw SessionTokenError("the token was not issued for this hub's API")
        }
        guard claims.exp.value > now() else {
            throw SessionTokenError("the session has expired; log in again")
        }
        return claims
    }
}

public struct SessionTokenError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}
