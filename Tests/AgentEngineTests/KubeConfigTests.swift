@testable import AgentKube
import Foundation
import Testing

struct KubeConfigTests {
    /// A fresh folder holding `config` and any extra files, removed after the test body.
    static func withKubeconfig(_ yaml: String, files: [String: String] = [:], _ body: (String) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kubeconfig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, text) in files {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let path = folder.appendingPathComponent("config").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        try body(path)
    }

    static func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }

    static let twoContexts = """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: dev-cluster
          cluster:
            server: https://10.0.0.1:6443/
            certificate-authority-data: \(b64("-----BEGIN CERTIFICATE-----\nDEV\n-----END CERTIFICATE-----\n"))
        - name: prod-cluster
          cluster:
            server: https://prod.example.com
            certificate-authority: certs/prod-ca.pem
            insecure-skip-tls-verify: false
        users:
        - name: dev-admin
          user:
            client-certificate-data: \(b64("CERT"))
            client-key-data: \(b64("KEY"))
        - name: prod-bot
          user:
            token: s3cret
        contexts:
        - name: dev
          context: {cluster: dev-cluster, user: dev-admin}
        - name: prod
          context: {cluster: prod-cluster, user: prod-bot, namespace: apps}
        """

    @Test func currentContextWithInlineData() throws {
        try Self.withKubeconfig(Self.twoContexts, files: ["certs/prod-ca.pem": "PRODCA"]) { path in
            let config = try KubeConfig.load(path: path)
            #expect(config.server == "https://10.0.0.1:6443")
            #expect(config.caPEM == "-----BEGIN CERTIFICATE-----\nDEV\n-----END CERTIFICATE-----\n")
            #expect(config.clientCertificatePEM == "CERT")
            #expect(config.clientKeyPEM == "KEY")
            #expect(config.token == nil)
            #expect(config.namespace == nil)
            #expect(config.insecureSkipTLSVerify == false)
        }
    }

    @Test func namedContextWithFileRelativeToKubeconfigAndToken() throws {
        try Self.withKubeconfig(Self.twoContexts, files: ["certs/prod-ca.pem": "PRODCA"]) { path in
            let config = try KubeConfig.load(path: path, context: "prod")
            #expect(config.server == "https://prod.example.com")
            #expect(config.caPEM == "PRODCA")
            #expect(config.token == "s3cret")
            #expect(config.clientCertificatePEM == nil)
            #expect(config.namespace == "apps")
        }
    }

    @Test func tokenFileIsReadAndRemembered() throws {
        let yaml = """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k:6443", insecure-skip-tls-verify: true}}]
            users: [{name: u, user: {tokenFile: secrets/token}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            """
        try Self.withKubeconfig(yaml, files: ["secrets/token": "abc123\n"]) { path in
            let config = try KubeConfig.load(path: path)
            #expect(config.token == "abc123")
            #expect(config.tokenFile?.hasSuffix("/secrets/token") == true)
            #expect(config.tokenFile?.hasPrefix("/") == true)
            #expect(config.insecureSkipTLSVerify)
        }
    }

    @Test func missingCurrentContextNamesTheFileAndTheChoices() throws {
        let yaml = Self.twoContexts.replacingOccurrences(of: "current-context: dev\n", with: "")
        try Self.withKubeconfig(yaml) { path in
            let error = #expect(throws: KubeConfigError.self) { try KubeConfig.load(path: path) }
            #expect(error?.description == "kubeconfig \(path): no current-context is set; pass a context name (contexts: dev, prod)")
        }
    }

    @Test func unknownContextClusterAndUserAreNamed() throws {
        try Self.withKubeconfig(Self.twoContexts) { path in
            let error = #expect(throws: KubeConfigError.self) { try KubeConfig.load(path: path, context: "staging") }
            #expect(error?.description.contains("context \"staging\" not found") == true)
            #expect(error?.description.contains(path) == true)
        }
        let danglingUser = Self.twoContexts.replacingOccurrences(of: "user: dev-admin}", with: "user: nobody}")
        try Self.withKubeconfig(danglingUser) { path in
            let error = #expect(throws: KubeConfigError.self) { try KubeConfig.load(path: path) }
            #expect(error?.description.contains("user \"nobody\" (context \"dev\") not found (users: dev-admin, prod-bot)") == true)
        }
    }

    @Test func missingReferencedFileIsNamed() throws {
        try Self.withKubeconfig(Self.twoContexts) { path in
            let error = #expect(throws: KubeConfigError.self) { try KubeConfig.load(path: path, context: "prod") }
            #expect(error?.description.contains("certificate-authority of cluster \"prod-cluster\"") == true)
            #expect(error?.description.contains("certs/prod-ca.pem") == true)
        }
    }

    @Test func missingFileIsNamed() {
        let error = #expect(throws: KubeConfigError.self) { try KubeConfig.load(path: "/nonexistent/kubeconfig") }
        #expect(error?.description.hasPrefix("kubeconfig /nonexistent/kubeconfig: cannot read file") == true)
    }

    @Test func execPluginsAreExplained() throws {
        let yaml = """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k"}}]
            users: [{name: eks, user: {exec: {command: aws, args: [eks, get-token]}}}]
            contexts: [{name: c, context: {cluster: k, user: eks}}]
            """
        try Self.withKubeconfig(yaml) { path in
            let error = #expect(throws: KubeConfigError.self) { try KubeConfig.load(path: path) }
            #expect(error?.description.contains("exec or auth-provider plugin") == true)
        }
    }

    @Test func inClusterReadsTheServiceAccount() throws {
        try Self.withKubeconfig("", files: ["sa/token": "tok\n", "sa/ca.crt": "CA", "sa/namespace": "hawser"]) { path in
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("sa").path
            let config = try KubeConfig.inCluster(
                environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], folder: folder)
            #expect(config.server == "https://10.96.0.1:443")
            #expect(config.token == "tok")
            #expect(config.tokenFile == folder + "/token")
            #expect(config.caPEM == "CA")
            #expect(config.namespace == "hawser")
        }
        #expect(throws: KubeConfigError.self) { try KubeConfig.inCluster(environment: [:]) }
    }

    @Test func clientRejectsBadServerURLAndBadPEM() {
        #expect(throws: KubeConfigError.self) { try KubeClient(config: KubeConfig(server: "not a url")) }
        #expect(throws: KubeConfigError.self) { try KubeClient(config: KubeConfig(server: "https://k", caPEM: "garbage")) }
    }
}
