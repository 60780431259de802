import Foundation
import HawserProtocol
@testable import HubAuth
import Testing

/// The claim rules on payloads whose signature is taken as good: no keys, no network, time given.
struct IDTokenClaimsValidatorTests {
    let validator = IDTokenClaimsValidator(issuer: "https://idp.example.com", clientID: "hawser", groupsClaim: "groups", leeway: 60)
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A valid payload with `set` claims replaced or added and `removing` claims taken out.
    func claims(_ set: [String: JSONValue] = [:], removing: [String] = []) -> JSONValue {
        var c: [String: JSONValue] = ["iss": "https://idp.example.com", "sub": "alice", "aud": "hawser",
                                      "exp": .int(1_800_000_600), "iat": .int(1_800_000_000), "nonce": "n-1",
                                      "groups": ["team-a", "team-b"], "email": "alice@example.com"]
        c.merge(set) { $1 }
        for key in removing { c[key] = nil }
        return .object(c)
    }

    func check(_ payload: JSONValue, nonce: String? = "n-1", at time: Date? = nil) throws(OIDCError) -> OIDCIdentity {
        try validator.validate(payload, nonce: nonce, now: time ?? now)
    }

    @Test func aValidTokenGivesTheIdentity() throws {
        let identity = try check(claims())
        #expect(identity == OIDCIdentity(subject: "alice", email: "alice@example.com", groups: ["team-a", "team-b"],
                                         issuer: "https://idp.example.com", expiry: Date(timeIntervalSince1970: 1_800_000_600)))
    }

    @Test func issuerIsComparedExactly() {
        #expect(throws: OIDCError.wrongIssuer) { try check(claims(["iss": "https://idp.example.com/"])) }
        #expect(throws: OIDCError.missingClaim("iss")) { try check(claims(removing: ["iss"])) }
    }

    @Test func audienceAndAuthorizedParty() throws {
        #expect(throws: OIDCError.wrongAudience) { try check(claims(["aud": "other"])) }
        #expect(throws: OIDCError.wrongAudience) { try check(claims(["aud": ["other", "another"]])) }
        #expect(throws: OIDCError.missingClaim("aud")) { try check(claims(removing: ["aud"])) }
        #expect(try check(claims(["aud": ["hawser"]])).subject == "alice")
        // Several audiences: azp must name us.
        #expect(throws: OIDCError.wrongAuthorizedParty) { try check(claims(["aud": ["hawser", "other"]])) }
        #expect(throws: OIDCError.wrongAuthorizedParty) { try check(claims(["aud": ["hawser", "other"], "azp": "other"])) }
        #expect(try check(claims(["aud": ["hawser", "other"], "azp": "hawser"])).subject == "alice")
        #expect(throws: OIDCError.wrongAuthorizedParty) { try check(claims(["azp": "other"])) }
    }

    @Test func timesWithLeeway() throws {
        let exp = Date(timeIntervalSince1970: 1_800_000_600)
        #expect(try check(claims(), at: exp.addingTimeInterval(59)).subject == "alice")
        #expect(throws: OIDCError.expired) { try check(claims(), at: exp.addingTimeInterval(60)) }
        #expect(throws: OIDCError.missingClaim("exp")) { try check(claims(removing: ["exp"])) }
        #expect(throws: OIDCError.missingClaim("exp")) { try check(claims(["exp": "1800000600"])) }
        #expect(try check(claims(["exp": .double(1_800_000_600.5)])).expiry == Date(timeIntervalSince1970: 1_800_000_600.5))

        #expect(try check(claims(["nbf": .int(1_800_000_060)])).subject == "alice")
        #expect(throws: OIDCError.notYetValid) { try check(claims(["nbf": .int(1_800_000_061)])) }
        #expect(throws: OIDCError.malformedToken("nbf is not a number")) { try check(claims(["nbf": "soon"])) }

        #expect(try check(claims(["iat": .int(1_800_000_060)])).subject == "alice")
        #expect(throws: OIDCError.issuedInFuture) { try check(claims(["iat": .int(1_800_000_061)])) }
        #expect(throws: OIDCError.missingClaim("iat")) { try check(claims(removing: ["iat"])) }
    }

    @Test func nonce() throws {
        #expect(throws: OIDCError.nonceMismatch) { try check(claims(), nonce: "n-2") }
        #expect(throws: OIDCError.nonceMismatch) { try check(claims(removing: ["nonce"])) }
        #expect(throws: OIDCError.nonceMismatch) { try check(claims(["nonce": 1])) }
        #expect(try check(claims(), nonce: nil).subject == "alice", "no nonce expected: not checked")
    }

    @Test func subjectIsRequired() {
        #expect(throws: OIDCError.missingClaim("sub")) { try check(claims(removing: ["sub"])) }
        #expect(throws: OIDCError.missingClaim("sub")) { try check(claims(["sub": ""])) }
        #expect(throws: OIDCError.missingClaim("sub")) { try check(claims(["sub": 42])) }
    }

    @Test func groupsClaimShapes() {
        #expect(IDTokenClaimsValidator.groups("admins") == ["admins"])
        #expect(IDTokenClaimsValidator.groups(["a", 1, "b", nil, ["c"]]) == ["a", "b"])
        #expect(IDTokenClaimsValidator.groups(nil) == [])
        #expect(IDTokenClaimsValidator.groups(["admins": true]) == [])
    }

    @Test func profileClaims() throws {
        let identity = try check(claims(["name": "Alice", "preferred_username": "al"], removing: ["email"]))
        #expect(identity.name == "Alice")
        #expect(identity.preferredUsername == "al")
        #expect(identity.email == nil)
    }
}
