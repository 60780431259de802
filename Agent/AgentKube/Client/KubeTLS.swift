import NIOSSL

extension KubeConfig {
    /// The TLS settings for talking to the API server: the kubeconfig's CA as the only trust
    /// root (as kubectl does), and the client certificate when the identity is one.
    func makeTLSConfiguration() throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caPEM {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
            } catch {
                throw KubeConfigError("the certificate authority is not valid PEM: \(error)")
            }
        }
        if let clientCertificatePEM, let clientKeyPEM {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(clientCertificatePEM.utf8))
                    .map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(clientKeyPEM.utf8), format: .pem))
            } catch {
                throw KubeConfigError("the client certificate or key is not valid PEM: \(error)")
            }
        }
        if insecureSkipTLSVerify {
            // client-go refuses this combination: a CA that is then ignored is a trap.
            guard caPEM == nil else {
                throw KubeConfigError("the kubeconfig sets both a certificate authority and insecure-skip-tls-verify; remove one")
            }
            tls.certificateVerification = .none
        }
        return tls
    }
}
