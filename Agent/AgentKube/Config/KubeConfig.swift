/// Everything needed to reach one Kubernetes API server as one identity.
///
/// Credentials are held as PEM text rather than file paths: a kubeconfig may inline them
/// (`*-data`) or point at files, and resolving both to text once keeps the client simple.
public struct KubeConfig: Sendable, Hashable {
    /// `https://host:port`, without a trailing slash.
    public var server: String
    /// Certificate authorities to trust for the server, PEM; `nil` uses the system roots.
    public var caPEM: String?
    public var clientCertificatePEM: String?
    public var clientKeyPEM: String?
    /// A bearer token.
    public var token: String?
    /// A file the token is re-read from: in-cluster service-account tokens are rotated by the
    /// kubelet, so a token read once at start-up expires under a long-running agent.
    public var tokenFile: String?
    public var insecureSkipTLSVerify: Bool
    /// The context's default namespace, when the kubeconfig (or service account) names one.
    public var namespace: String?

    public init(
        server: String,
        caPEM: String? = nil,
        clientCertificatePEM: String? = nil,
        clientKeyPEM: String? = nil,
        token: String? = nil,
        tokenFile: String? = nil,
        insecureSkipTLSVerify: Bool = false,
        namespace: String? = nil
    ) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.caPEM = caPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.token = token
        self.tokenFile = tokenFile
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.namespace = namespace
    }
}

/// A kubeconfig or in-cluster configuration that cannot be used, with what to fix.
public struct KubeConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
