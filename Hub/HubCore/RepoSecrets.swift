import Crypto
import Foundation
import HawserWire

/// Seals repository credentials with AES-256-GCM before they reach the store, with a key kept
/// in its own 0600 file in the data directory (`repo-credentials.key`): a leaked database or
/// backup alone does not reveal a password or SSH key. The URL is bound in as authenticated
/// data, so a sealed secret copied onto another repository's row does not open.
public struct RepoSecrets: Sendable {
    struct Secret: Codable {
        var password: String?
        var sshPrivateKey: String?
    }

    let key: SymmetricKey

    public init(key: SymmetricKey) {
        self.key = key
    }

    /// Loads the key, creating it on first start.
    public static func loadOrCreate(keyFile: String) throws -> RepoSecrets {
        if let text = try? String(contentsOfFile: keyFile, encoding: .utf8) {
            guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
                throw HubError(.invalid, "\(keyFile) does not hold a 32-byte base64 key; restore it from a backup (without it, registered repository credentials cannot be read and must be added again)")
            }
            return RepoSecrets(key: SymmetricKey(data: data))
        }
        let key = SymmetricKey(size: .bits256)
        try SecretFile.write(key.withUnsafeBytes { Data($0) }.base64EncodedString() + "\n", to: keyFile)
        return RepoSecrets(key: key)
    }

    func seal(_ secret: Secret, url: String) throws -> Data {
        let plain = try JSONEncoder().encode(secret)
        guard let combined = try AES.GCM.seal(plain, using: key, authenticating: Data(url.utf8)).combined else {
            throw HubError(.unavailable, "cannot seal repository credentials")
        }
        return combined
    }

    func open(_ sealed: Data, url: String) throws -> Secret {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return try JSONDecoder().decode(Secret.self, from: try AES.GCM.open(box, using: key, authenticating: Data(url.utf8)))
        } catch {
            throw HubError(.unavailable, "the stored credentials of \(url) cannot be decrypted (repo-credentials.key replaced?); register them again with `hawser repo add \(url) --upsert ...`")
        }
    }
}
