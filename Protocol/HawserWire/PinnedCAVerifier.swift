import Foundation
import NIOCore
import NIOSSL
import X509

/// Verifies a hub's TLS certificate chain on first contact, when the agent has no CA yet but
/// a fingerprint from the join command (kubeadm's "discovery token CA cert hash" idea).
///
/// The chain passes when one of its certificates hashes to the pin, is a CA, and signs the
/// leaf (checked with swift-certificates' verifier, including validity dates). Anything else
/// fails the handshake: a man in the middle cannot present a CA with the pinned hash.
public struct PinnedCAVerifier: Sendable {
    public let pin: String

    public init(pin: String) {
        self.pin = Fingerprint.normalize(pin)
    }

    public enum Outcome: Sendable, Equatable {
        case trusted(caDER: [UInt8])
        case rejected(String)
    }

    public func evaluate(chain: [NIOSSLCertificate], now: Date = Date()) async -> Outcome {
        guard let leafCert = chain.first else { return .rejected("the hub presented no certificate") }
        do {
            let ders = try chain.map { try $0.toDERBytes() }
            guard let caDER = ders.first(where: { Fingerprint.sha256(der: $0) == pin }) else {
                let seen = ders.map { Fingerprint.sha256(der: $0) }.joined(separator: ", ")
                return .rejected("no certificate from the hub matches --ca-sha256 \(pin) (the hub presented \(seen)); check the fingerprint printed by the hub or `hawser cluster add`")
            }
            let ca = try Certificate(derEncoded: caDER)
            let leaf = try Certificate(derEncoded: try leafCert.toDERBytes())
            var verifier = Verifier(rootCertificates: CertificateStore([ca])) {
                RFC5280Policy(fixedValidationTime: now)
            }
            switch await verifier.validate(leaf: leaf, intermediates: CertificateStore()) {
            case .validCertificate:
                return .trusted(caDER: caDER)
            case .couldNotValidate(let failures):
                return .rejected("the hub's certificate is not valid under the pinned CA: \(failures.map { String(describing: $0.policyFailureReason) }.joined(separator: "; "))")
            }
        } catch {
            return .rejected("could not read the hub's certificates: \(error)")
        }
    }

    /// Adapts `evaluate` to NIOSSL's custom verification callback.
    public func callback(onRejected: @escaping @Sendable (String) -> Void) -> NIOSSLCustomVerificationCallback {
        { chain, promise in
            let verifier = self
            promise.completeWithTask {
                switch await verifier.evaluate(chain: chain) {
                case .trusted: return .certificateVerified
                case .rejected(let why):
                    onRejected(why)
                    return .failed
                }
            }
        }
    }
}
