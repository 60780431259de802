import Crypto
import _CryptoExtras
import Foundation

/// Passwords of local accounts (`admin` and break-glass users), stored only as scrypt hashes.
///
/// scrypt is memory-hard, so a stolen database costs an attacker real hardware per guess. The
/// stored form carries its own parameters (`scrypt$N$r$p$salt$hash`, base64 parts), so the
/// work factor can be raised later without breaking existing hashes.
public enum PasswordHash {
    /// N = 2^15, r = 8, p = 1: about 32 MiB and tens of milliseconds per check.
    static let rounds = 1 << 15, blockSize = 8, parallelism = 1, keyBytes = 32

    public static func make(_ password: String) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var rng = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = UInt8.random(in: .min ... .max, using: &rng) }
        let key = try derive(password, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        return ["scrypt", "\(rounds)", "\(blockSize)", "\(parallelism)", Data(salt).base64EncodedString(), Data(key).base64EncodedString()]
            .joined(separator: "$")
    }

    /// Constant-time comparison of the derived key; a malformed stored hash never matches.
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let n = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
              n > 1, n <= 1 << 20, r > 0, r <= 32, p > 0, p <= 16,
              let salt = Data(base64Encoded: parts[4]), let expected = Data(base64Encoded: parts[5]),
              let key = try? derive(password, salt: Array(salt), rounds: n, blockSize: r, parallelism: p) else { return false }
        guard key.count == expected.count else { return false }
        var diff: UInt8 = 0
        for (a, b) in zip(key, expected) { diff |= a ^ b }
        return diff == 0
    }

    private static func derive(_ password: String, salt: [UInt8], rounds: Int, blockSize: Int, parallelism: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: keyBytes,
                                           rounds: rounds, blockSize: blockSize, parallelism: parallelism, maxMemory: 256 << 20)
        return key.withUnsafeBytes { Array($0) }
    }
}
