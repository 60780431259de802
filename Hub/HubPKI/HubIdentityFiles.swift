import Crypto
import Foundation
import HawserWire
import X509

/// The hub's CA and server certificate in its data directory: created on first start,
/// loaded afterwards. Files are written 0600 because `ca-key.pem` can mint agent identities.
public struct HubIdentityFiles: Sendable {
    public let directory: String
    public var caCertificatePath: String { directory + "/ca.pem" }
    public var caKeyPath: String { directory + "/ca-key.pem" }
    public var serverCertificatePath: String { directory + "/server.pem" }
    public var serverKeyPath: String { directory + "/server-key.pem" }

    public init(directory: String) { self.directory = directory }

    public struct Loaded: Sendable {
        public let authority: CertificateAuthority
        public let serverCertificatePEM: String
        public let serverKeyPEM: String
        /// True when this call created the CA (first start).
        public let created: Bool
    }

    /// Loads the CA, creating it when absent; the server certificate is re-issued when it is
    /// missing, expires within 30 days, or does not cover every name in `serverNames`.
    public func loadOrCreate(serverNames: [String], now: Date = Date()) throws -> Loaded {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var created = false
        let ca: CertificateAuthority
        if fm.fileExists(atPath: caCertificatePath) {
            let cert = try Certificate(pemEncoded: try String(contentsOfFile: caCertificatePath, encoding: .utf8))
            let key = try P256.Signing.PrivateKey(pemRepresentation: try String(contentsOfFile: caKeyPath, encoding: .utf8))
            ca = CertificateAuthority(certificate: cert, key: key)
        } else {
            ca = try CertificateAuthority.create(now: now)
            try Self.writeSecret(ca.keyPEM, to: caKeyPath)
            try Self.writeSecret(ca.certificatePEM, to: caCertificatePath)
            created = true
        }
        if let existing = try? Certificate(pemEncoded: String(contentsOfFile: serverCertificatePath, encoding: .utf8)),
           let key = try? String(contentsOfFile: serverKeyPath, encoding: .utf8),
           existing.notValidAfter > now.addingTimeInterval(30 * 86400),
           existing.issuer == ca.certificate.subject,
           Self.covers(existing, serverNames)
        {
            return Loaded(authority: ca, serverCertificatePEM: existing.pemString, serverKeyPEM: key, created: created)
        }
        let server = try ca.issueServerCertificate(names: serverNames, now: now)
        try Self.writeSecret(server.keyPEM, to: serverKeyPath)
        try Self.writeSecret(server.certificatePEM, to: serverCertificatePath)
        return Loaded(authority: ca, serverCertificatePEM: server.certificatePEM, serverKeyPEM: server.keyPEM, created: created)
    }

    static func covers(_ cert: Certificate, _ names: [String]) -> Bool {
        guard let sans = try? cert.extensions.subjectAlternativeNames else { return false }
        let have = Set(sans.map { String(describing: $0) })
        let want = Set(names.map { n in
            if let ip = IPAddressBytes(n) { return String(describing: GeneralName.ipAddress(.init(contentBytes: ip[...]))) }
            return String(describing: GeneralName.dnsName(n))
        })
        return want.isSubset(of: have)
    }

    static func writeSecret(_ text: String, to path: String) throws {
        try SecretFile.write(text, to: path)
    }
}

