import Crypto
import Foundation
import HawserProtocol
import AgentLink
import X509

/// `hawser-agent join`: make a key pair, send a CSR with the bootstrap token, store the
/// certificate the hub signs. The key never leaves the agent.
public enum AgentJoin {
    public static func join(hub: String, token: String, caPin: String, stateDirectory: AgentStateDirectory) async throws -> AgentStateDirectory.Identity {
        let endpoint = try HubEndpoint(hub)
        let (keyPEM, csrPEM) = try makeKeyAndCSR()
        let issued = try await JoinClient.join(endpoint, caPin: caPin, request: Join(token: token, csrPEM: csrPEM, agentVersion: AgentVersion.current))
        let identity = AgentStateDirectory.Identity(clusterId: issued.clusterId, clusterName: issued.clusterName, hub: endpoint.description)
        try stateDirectory.saveIdentity(identity, keyPEM: keyPEM, issued: issued)
        return identity
    }

    /// A fresh P-256 key and a CSR proving possession of it. The subject is a placeholder: the
    /// hub decides the certificate's identity.
    public static func makeKeyAndCSR() throws -> (keyPEM: String, csrPEM: String) {
        let key = P256.Signing.PrivateKey()
        let csr = try CertificateSigningRequest(
            version: .v1,
            subject: try DistinguishedName { CommonName("hawser-agent") },
            privateKey: .init(key),
            attributes: .init(),
            signatureAlgorithm: .ecdsaWithSHA256)
        return (key.pemRepresentation, try csr.serializeAsPEM().pemString)
    }
}

public enum AgentVersion {
    public static let current = "0.1.0"
}

/// When to renew: once two thirds of the certificate's lifetime has passed (kubelet and
/// cert-manager use similar fractions), leaving a third to survive hub outages.
public func renewalDue(notBefore: Date, notAfter: Date, now: Date) -> Bool {
    let lifetime = notAfter.timeIntervalSince(notBefore)
    return now >= notBefore.addingTimeInterval(lifetime * 2 / 3)
}
