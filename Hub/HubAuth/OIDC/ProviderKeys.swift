import Foundation
import HawserProtocol
import JWTKit

/// One download of the provider's JWKS, reduced to the keys that can verify ID tokens here.
///
/// jwt-kit verifies signatures but trusts its caller on key choice: an unknown `kid` falls back
/// to a default key, and a JWK without `alg` gets a signer for whatever algorithm is asked. So
/// this type decides which key a token may use (its `kid`, of the type its `alg` needs) and
/// hands jwt-kit only that key.
struct ProviderKeys: Sendable {
    /// What the hub knows about one usable key, beyond jwt-kit's signer.
    struct Descriptor: Sendable, Hashable {
        var algorithm: CompactJWS.Algorithm
        /// The `kid` jwt-kit files the key under: the provider's, or a made-up one for a
        /// provider that leaves `kid` out (jwt-kit requires one).
        var storageID: String
    }

    enum Outcome: Sendable {
        case verified(JSONValue)
        /// No key fits: an unknown `kid`, or (without `kid`) no key verified the signature.
        /// Either may mean the provider rotated keys since this set was fetched.
        case noMatchingKey
    }

    /// Increases with every download, so a caller can tell whether the set changed while it waited.
    let generation: Int
    private let byKeyID: [String: Descriptor]
    private let all: [Descriptor]
    private let collection: JWTKeyCollection

    var keyIDs: [String] { byKeyID.keys.sorted() }

    /// Parses a JWKS, skipping keys that cannot sign ID tokens for us (encryption keys, HMAC,
    /// RSA under 2048 bits, curves other than P-256, unparseable entries) rather than failing the
    /// whole set because a provider also publishes a key type we do not use.
    init(jwks: [UInt8], generation: Int) async throws(OIDCError) {
        guard case .object(let root)? = try? JSONValue.parse(jwks), case .array(let entries)? = root["keys"] else {
            throw .keySetFailed("not a JSON Web Key Set (no keys array)")
        }
        let collection = JWTKeyCollection()
        var byKeyID: [String: Descriptor] = [:]
        var all: [Descriptor] = []
        for (index, entry) in entries.enumerated() {
            guard case .object(var fields) = entry, let algorithm = Self.algorithm(for: fields) else { continue }
            let kid = fields["kid"]?.stringValue
            let storageID = kid ?? "hawser-unnamed-key-\(index)"
            fields["kid"] = .string(storageID)
            guard let jwk = try? JSONDecoder().decode(JWK.self, from: Data(JSONValue.object(fields).jsonBytes())),
                  (try? await collection.add(jwk: jwk)) != nil,
                  (try? await collection.getKey(for: JWKIdentifier(string: storageID), alg: algorithm.rawValue)) != nil else { continue }
            let descriptor = Descriptor(algorithm: algorithm, storageID: storageID)
            if let kid { byKeyID[kid] = descriptor }
            all.append(descriptor)
        }
        guard !all.isEmpty else { throw .keySetFailed("no RS256 or ES256 signing key in the set") }
        self.generation = generation
        self.byKeyID = byKeyID
        self.all = all
        self.collection = collection
    }

    /// The one algorithm a JWK may verify: RS256 for RSA, ES256 for EC P-256, and only if the
    /// JWK's own `alg` and `use` (when present) agree.
    private static func algorithm(for fields: [String: JSONValue]) -> CompactJWS.Algorithm? {
        if let use = fields["use"], use != .string("sig") { return nil }
        let algorithm: CompactJWS.Algorithm
        switch (fields["kty"]?.stringValue, fields["crv"]?.stringValue) {
        case ("RSA"?, _): algorithm = .rs256
        case ("EC"?, "P-256"?): algorithm = .es256
        default: return nil
        }
        if let alg = fields["alg"], alg != .string(algorithm.rawValue) { return nil }
        return algorithm
    }

    func verify(_ jws: CompactJWS) async throws(OIDCError) -> Outcome {
        if let kid = jws.keyID {
            guard let key = byKeyID[kid] else { return .noMatchingKey }
            guard key.algorithm == jws.algorithm else { throw .keyAlgorithmMismatch }
            guard await signatureHolds(jws, key) else { throw .badSignature }
            return .verified(jws.payload)
        }
        for key in all where key.algorithm == jws.algorithm {
            if await signatureHolds(jws, key) { return .verified(jws.payload) }
        }
        return .noMatchingKey
    }

    private func signatureHolds(_ jws: CompactJWS, _ key: Descriptor) async -> Bool {
        guard let algorithm = try? await collection.getKey(for: JWKIdentifier(string: key.storageID), alg: key.algorithm.rawValue),
              algorithm.name == key.algorithm.rawValue else { return false }
        return (try? algorithm.verify(jws.signature, signs: jws.signingInput)) ?? false
    }
}
