import Crypto
import NIOSSL

/// SHA-256 fingerprints of certificates, as kubeadm prints its discovery hash: `sha256:<hex>`.
///
/// The agent pins the hub's CA by this value on first contact, before it has any other reason
/// to trust the hub, so the format is user-facing: it is printed by the hub, pasted into a join
/// command, and compared here.
public enum Fingerprint {
    public static func sha256(der: [UInt8]) -> String {
        "sha256:" + SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined()
    }

    public static func sha256(_ certificate: NIOSSLCertificate) throws -> String {
        sha256(der: try certificate.toDERBytes())
    }

    /// Accepts `sha256:<hex>` or bare hex, any case, with or without `:` between bytes.
    public static func normalize(_ pin: String) -> String {
        var s = pin.lowercased()
        if s.hasPrefix("sha256:") { s.removeFirst("sha256:".count) }
        s.removeAll { $0 == ":" }
        return "sha256:" + s
    }
}
