import Crypto
import Foundation
import HawserWire
import SwiftASN1
import X509

/// The hub's own certificate authority. It signs the hub's server certificate and every
/// agent's client certificate; agents trust nothing else (they pin its fingerprint on join).
///
/// Everything happens in-process with swift-certificates and swift-crypto: no openssl CLI,
/// no files outside the data directory, keys written 0600.
public struct CertificateAuthority: Sendable {
    public let certificate: Certificate
    let key: P256.Signing.PrivateKey

    /// Subject common names of agent certificates are `cluster:<id>`; the gateway maps a
    /// verified certificate back to its cluster with `clusterId(of:)`.
    static let clusterPrefix = "cluster:"

    public init(certificate: Certificate, key: P256.Signing.PrivateKey) {
        self.certificate = certificate
        self.key = key
    }

    /// A new CA valid for ten years.
    public static func create(commonName: String = "Hawser hub CA", now: Date = Date()) throws -> CertificateAuthority {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("Hawser")
            CommonName(commonName)
        }
        let cert = try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: Certificate.PublicKey(key.publicKey))
            },
            issuerPrivateKey: .init(key)
        )
        return CertificateAuthority(certificate: cert, key: key)
    }

    public var certificatePEM: String { (try? certificate.serializeAsPEM().pemString) ?? "" }
    public var keyPEM: String { key.pemRepresentation }
    public var derBytes: [UInt8] {
        var s = DER.Serializer()
        try? s.serialize(certificate)
        return s.serializedBytes
    }
    /// `sha256:<hex>` of the CA certificate's DER: what `hawser-agent join --ca-sha256` expects.
    public var fingerprint: String { Fingerprint.sha256(der: derBytes) }

    /// A server certificate for the hub's agent port, valid for a year, naming every address
    /// agents may dial (DNS names and IP literals).
    public func issueServerCertificate(names: [String], now: Date = Date()) throws -> IssuedIdentity {
        let key = P256.Signing.PrivateKey()
        var sans: [GeneralName] = []
        for n in Set(names).sorted() {
            if let ip = IPAddressBytes(n) { sans.append(.ipAddress(ASN1OctetString(contentBytes: ip[...]))) } else { sans.append(.dnsName(n)) }
        }
        let cert = try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(365 * 86400),
            issuer: certificate.subject,
            subject: try DistinguishedName {
                OrganizationName("Hawser")
                CommonName("hawser-hub")
            },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(sans)
            },
            issuerPrivateKey: .init(self.key)
        )
        return IssuedIdentity(certificate: cert, keyPEM: key.pemRepresentation)
    }

    /// Signs an agent's CSR for `clusterId`. The CSR's own subject is ignored: the hub decides
    /// the identity, the agent only proves it holds the key.
    public func signClientCertificate(csrPEM: String, clusterId: String, lifetime: TimeInterval, now: Date = Date()) throws -> Certificate {
        let csr = try Self.validateCSR(csrPEM)
        return try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: csr.publicKey,
            notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(lifetime),
            issuer: certificate.subject,
            subject: try DistinguishedName {
                OrganizationName("hawser-agents")
                CommonName(Self.clusterPrefix + clusterId)
            },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
            },
            issuerPrivateKey: .init(key)
        )
    }

    /// Parses a PEM CSR and checks it is signed by the key it carries (proof of possession).
    /// Callers validate before spending anything on the request, e.g. a one-time token.
    public static func validateCSR(_ csrPEM: String) throws -> CertificateSigningRequest {
        let csr: CertificateSigningRequest
        do {
            csr = try CertificateSigningRequest(pemEncoded: csrPEM)
        } catch {
            throw PKIError("the certificate signing request is not a valid PEM CSR: \(error)")
        }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else {
            throw PKIError("the certificate signing request's signature does not match its public key")
        }
        return csr
    }

    /// The cluster id an agent certificate was issued for, or `nil` for any other certificate.
    public static func clusterId(of certificate: Certificate) -> String? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                let cn = String(describing: attribute.value)
                if cn.hasPrefix(clusterPrefix) { return String(cn.dropFirst(clusterPrefix.count)) }
            }
        }
        return nil
    }
}

/// A certificate with its private key, ready to be written to disk.
public struct IssuedIdentity: Sendable {
    public let certificate: Certificate
    public let keyPEM: String
    public var certificatePEM: String { (try? certificate.serializeAsPEM().pemString) ?? "" }
}

public struct PKIError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Certificate {
    /// Serial number as lowercase hex, the form stored with the cluster and shown to users.
    public var serialHex: String {
        serialNumber.bytes.map { String(format: "%02x", $0) }.joined()
    }

    public var pemString: String { (try? serializeAsPEM().pemString) ?? "" }
}

/// Parses an IPv4 or IPv6 literal into its bytes for a SAN; `nil` for a DNS name.
func IPAddressBytes(_ s: String) -> [UInt8]? {
    var v4 = in_addr()
    if inet_pton(AF_INET, s, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, s, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
    return nil
}
