import HawserProtocol

/// An ID token split into its three JWS segments (RFC 7515 §7.1), with the header read and
/// judged before any key is touched.
///
/// The algorithm is decided here, by the hub, not by the token: only RS256 and ES256 pass. That
/// refuses `alg: none` and HS256 (whose "key" would be a public key an attacker also has), and
/// keeps jwt-kit from building a signer for whatever `alg` a forged header names when the
/// provider's JWK carries no `alg` of its own.
struct CompactJWS: Sendable {
    enum Algorithm: String, Sendable {
        case rs256 = "RS256"
        case es256 = "ES256"
    }

    let algorithm: Algorithm
    /// `kid`; optional because providers with a single key often omit it.
    let keyID: String?
    /// `header.payload` as sent: the bytes the signature covers.
    let signingInput: [UInt8]
    let signature: [UInt8]
    let payload: JSONValue

    /// An ID token is a few kilobytes; a megabyte is not one.
    static let maximumLength = 64 << 10

    init(_ token: String) throws(OIDCError) {
        guard token.utf8.count <= Self.maximumLength else { throw .malformedToken("longer than \(Self.maximumLength) bytes") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformedToken("not a compact JWS (three dot-separated parts)") }
        guard let headerBytes = Base64URL.decode(parts[0]), let header = try? JSONValue.parse(headerBytes),
              case .object(let fields) = header else {
            throw .malformedToken("header is not base64url JSON")
        }

        guard case .string(let alg)? = fields["alg"] else { throw .malformedToken("header has no alg") }
        guard let algorithm = Algorithm(rawValue: alg) else { throw .unsupportedAlgorithm(Self.printable(alg)) }
        if fields["crit"] != nil { throw .unsupportedHeader("crit extensions are not supported") }
        if case .string(let typ)? = fields["typ"], ["at+jwt", "application/at+jwt"].contains(typ.lowercased()) {
            throw .unsupportedHeader("typ \(typ) is an access token, not an ID token")
        }
        let keyID: String?
        switch fields["kid"] {
        case nil, .null?: keyID = nil
        case .string(let kid)?: keyID = kid
        default: throw .malformedToken("kid is not a string")
        }

        guard let signature = Base64URL.decode(parts[2]), !signature.isEmpty else { throw .malformedToken("signature is missing or not base64url") }
        guard let payloadBytes = Base64URL.decode(parts[1]), let payload = try? JSONValue.parse(payloadBytes),
              case .object = payload else {
            throw .malformedToken("payload is not a base64url JSON object")
        }
        self.algorithm = algorithm
        self.keyID = keyID
        self.signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        self.signature = signature
        self.payload = payload
    }

    /// The refused `alg` for the error message, only when it looks like an algorithm name.
    private static func printable(_ alg: String) -> String {
        alg.count <= 16 && alg.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" }) ? alg : "(unrecognised)"
    }
}
