import Foundation

extension KubeConfig {
    /// Where Kubernetes mounts a pod's service-account credentials.
    public static let serviceAccountFolder = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The configuration of an agent running as a pod: the API server from
    /// `KUBERNETES_SERVICE_HOST`/`_PORT`, the service account's token (re-read as the kubelet
    /// rotates it), CA and namespace.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        folder: String = serviceAccountFolder
    ) throws -> KubeConfig {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
              let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw KubeConfigError("not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set")
        }
        let tokenPath = folder + "/token"
        func read(_ file: String) throws -> String {
            do {
                return try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw KubeConfigError("in-cluster config: cannot read \(file): \(error.localizedDescription)")
            }
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host  // IPv6 service addresses
        return KubeConfig(
            server: "https://\(hostPart):\(port)",
            caPEM: try read(folder + "/ca.crt"),
            token: try read(tokenPath).trimmingCharacters(in: .whitespacesAndNewlines),
            tokenFile: tokenPath,
            namespace: (try? read(folder + "/namespace"))?.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
