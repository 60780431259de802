import Foundation
import HawserProtocol

/// The claim checks of OIDC Core §3.1.3.7 on a payload whose signature already holds.
///
/// Pure: the time is a parameter, so expiry and clock-skew rules are tested without waiting, and
/// the hub's injected clock decides what "now" is.
struct IDTokenClaimsValidator: Sendable {
    var issuer: String
    var clientID: String
    var groupsClaim: String
    /// Tolerated clock skew between hub and provider, applied to `exp`, `nbf` and `iat`.
    var leeway: TimeInterval

    func validate(_ payload: JSONValue, nonce expectedNonce: String?, now: Date) throws(OIDCError) -> OIDCIdentity {
        guard case .object(let claims) = payload else { throw .malformedToken("payload is not a JSON object") }

        guard let iss = claims["iss"] else { throw .missingClaim("iss") }
        guard iss == .string(issuer) else { throw .wrongIssuer }

        let audiences: [String]
        switch claims["aud"] {
        case .string(let one)?: audiences = [one]
        case .array(let many)?: audiences = many.compactMap(\.stringValue)
        default: throw .missingClaim("aud")
        }
        guard audiences.contains(clientID) else { throw .wrongAudience }
        // With several audiences, azp says which of them the token was issued to; a token
        // obtained by another client that merely lists us must not log anyone in here.
        switch claims["azp"] {
        case nil where audiences.count > 1: throw .wrongAuthorizedParty
        case nil: break
        case let azp?: guard azp == .string(clientID) else { throw .wrongAuthorizedParty }
        }

        guard let exp = Self.numericDate(claims["exp"]) else { throw .missingClaim("exp") }
        guard now < exp.addingTimeInterval(leeway) else { throw .expired }
        if let nbfClaim = claims["nbf"] {
            guard let nbf = Self.numericDate(nbfClaim) else { throw .malformedToken("nbf is not a number") }
            guard nbf <= now.addingTimeInterval(leeway) else { throw .notYetValid }
        }
        guard let iat = Self.numericDate(claims["iat"]) else { throw .missingClaim("iat") }
        guard iat <= now.addingTimeInterval(leeway) else { throw .issuedInFuture }

        if let expectedNonce {
            guard let nonce = claims["nonce"]?.stringValue, Self.constantTimeEqual(nonce, expectedNonce) else { throw .nonceMismatch }
        }

        guard let subject = claims["sub"]?.stringValue, !subject.isEmpty else { throw .missingClaim("sub") }
        return OIDCIdentity(
            subject: subject,
            email: claims["email"]?.stringValue,
            emailVerified: claims["email_verified"]?.boolValue ?? (claims["email_verified"]?.stringValue == "true"),
            name: claims["name"]?.stringValue,
            preferredUsername: claims["preferred_username"]?.stringValue,
            groups: Self.groups(claims[groupsClaim]),
            issuer: issuer,
            expiry: exp)
    }

    /// A list of strings, or one string (some providers send a lone group that way); anything
    /// else in the claim is ignored rather than guessed at.
    static func groups(_ claim: JSONValue?) -> [String] {
        switch claim {
        case .string(let one)?: [one]
        case .array(let many)?: many.compactMap(\.stringValue)
        default: []
        }
    }

    /// NumericDate (RFC 7519 §2): seconds since the epoch, integer or not.
    static func numericDate(_ value: JSONValue?) -> Date? {
        switch value {
        case .int(let seconds)?: Date(timeIntervalSince1970: TimeInterval(seconds))
        case .double(let seconds)? where seconds.isFinite: Date(timeIntervalSince1970: seconds)
        default: nil
        }
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
