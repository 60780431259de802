import Foundation
import Yams

extension KubeConfig {
    /// Loads one context of a kubeconfig file, as kubectl would.
    ///
    /// Supports inline credentials (`certificate-authority-data`, `client-certificate-data`,
    /// `client-key-data`, `token`) and file references (`certificate-authority`,
    /// `client-certificate`, `client-key`, `tokenFile`); relative paths are resolved against the
    /// kubeconfig's folder, as kubectl does. Exec and auth-provider plugins are not run.
    ///
    /// - Parameter context: the context to use; the file's `current-context` when `nil`.
    public static func load(path: String, context: String? = nil) throws -> KubeConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw KubeConfigError("kubeconfig \(path): cannot read file: \(error.localizedDescription)")
        }
        let file: KubeConfigFile
        do {
            file = try YAMLDecoder().decode(KubeConfigFile.self, from: text)
        } catch {
            throw KubeConfigError("kubeconfig \(path): not a valid kubeconfig: \(error)")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try file.resolve(context: context, path: path, folder: folder)
    }
}

/// The parts of the kubeconfig format (`clientcmd/api/v1`) that Hawser uses.
struct KubeConfigFile: Decodable {
    struct Named<T: Decodable>: Decodable {
        var name: String
        var value: T?

        enum CodingKeys: String, CodingKey { case name, cluster, user, context }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            value = try c.decodeIfPresent(T.self, forKey: .cluster)
                ?? c.decodeIfPresent(T.self, forKey: .user)
                ?? c.decodeIfPresent(T.self, forKey: .context)
        }
    }

    struct Cluster: Decodable {
        var server: String?
        var certificateAuthority: String?
        var certificateAuthorityData: String?
        var insecureSkipTLSVerify: Bool?

        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthority = "certificate-authority"
            case certificateAuthorityData = "certificate-authority-data"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
        }
    }

    struct User: Decodable {
        var clientCertificate: String?
        var clientCertificateData: String?
        var clientKey: String?
        var clientKeyData: String?
        var token: String?
        var tokenFile: String?
        var exec: ExecPresence?
        var authProvider: ExecPresence?

        enum CodingKeys: String, CodingKey {
            case clientCertificate = "client-certificate"
            case clientCertificateData = "client-certificate-data"
            case clientKey = "client-key"
            case clientKeyData = "client-key-data"
            case token, tokenFile, exec
            case authProvider = "auth-provider"
        }
    }

    /// Only records that a plugin section exists, to explain why it is not used.
    struct ExecPresence: Decodable {
        init(from decoder: Decoder) throws {}
    }

    struct Context: Decodable {
        var cluster: String?
        var user: String?
        var namespace: String?
    }

    var clusters: [Named<Cluster>]?
    var users: [Named<User>]?
    var contexts: [Named<Context>]?
    var currentContext: String?

    enum CodingKeys: String, CodingKey {
        case clusters, users, contexts
        case currentContext = "current-context"
    }

    func resolve(context requested: String?, path: String, folder: String) throws -> KubeConfig {
        func fail(_ message: String) -> KubeConfigError { KubeConfigError("kubeconfig \(path): \(message)") }

        guard let contextName = requested ?? currentContext.flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw fail("no current-context is set; pass a context name (contexts: \(names(contexts)))")
        }
        guard let context = contexts?.first(where: { $0.name == contextName })?.value else {
            throw fail("context \"\(contextName)\" not found (contexts: \(names(contexts)))")
        }
        guard let clusterName = context.cluster, !clusterName.isEmpty else {
            throw fail("context \"\(contextName)\" names no cluster")
        }
        guard let cluster = clusters?.first(where: { $0.name == clusterName })?.value else {
            throw fail("cluster \"\(clusterName)\" (context \"\(contextName)\") not found (clusters: \(names(clusters)))")
        }
        guard let server = cluster.server, !server.isEmpty else {
            throw fail("cluster \"\(clusterName)\" has no server")
        }

        var user = User()
        if let userName = context.user, !userName.isEmpty {
            guard let found = users?.first(where: { $0.name == userName })?.value else {
                throw fail("user \"\(userName)\" (context \"\(contextName)\") not found (users: \(names(users)))")
            }
            user = found
        }

        let field = FieldReader(path: path, folder: folder)
        var config = KubeConfig(
            server: server,
            caPEM: try field.pem(inline: cluster.certificateAuthorityData, file: cluster.certificateAuthority,
                                 what: "certificate-authority of cluster \"\(clusterName)\""),
            clientCertificatePEM: try field.pem(inline: user.clientCertificateData, file: user.clientCertificate,
                                                what: "client-certificate of user \"\(context.user ?? "")\""),
            clientKeyPEM: try field.pem(inline: user.clientKeyData, file: user.clientKey,
                                        what: "client-key of user \"\(context.user ?? "")\""),
            token: user.token.flatMap { $0.isEmpty ? nil : $0 },
            tokenFile: user.tokenFile.map(field.absolute),
            insecureSkipTLSVerify: cluster.insecureSkipTLSVerify ?? false,
            namespace: context.namespace.flatMap { $0.isEmpty ? nil : $0 })
        if config.token == nil, let tokenFile = config.tokenFile {
            config.token = try field.text(at: tokenFile, what: "tokenFile of user \"\(context.user ?? "")\"")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if (config.clientCertificatePEM == nil) != (config.clientKeyPEM == nil) {
            throw fail("user \"\(context.user ?? "")\" has a client certificate without a key, or a key without a certificate")
        }
        if config.token == nil, config.clientCertificatePEM == nil, user.exec != nil || user.authProvider != nil {
            throw fail("user \"\(context.user ?? "")\" uses an exec or auth-provider plugin, which Hawser does not run; use a token or client certificate")
        }
        return config
    }

    private func names<T>(_ list: [Named<T>]?) -> String {
        let all = (list ?? []).map(\.name)
        return all.isEmpty ? "none" : all.joined(separator: ", ")
    }
}

/// Reads credentials that a kubeconfig gives inline (base64) or as a file path.
private struct FieldReader {
    var path: String
    var folder: String

    func absolute(_ file: String) -> String {
        if file.hasPrefix("/") { return file }
        if file.hasPrefix("~/") {
            return FileManager.default.homeDirectoryForCurrentUser.path + String(file.dropFirst())
        }
        return URL(fileURLWithPath: folder).appendingPathComponent(file).path
    }

    func text(at file: String, what: String) throws -> String {
        do {
            return try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw KubeConfigError("kubeconfig \(path): cannot read \(what) from \(file): \(error.localizedDescription)")
        }
    }

    /// The inline value wins over the file, as in kubectl.
    func pem(inline: String?, file: String?, what: String) throws -> String? {
        if let inline, !inline.isEmpty {
            let compact = inline.filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: compact), let text = String(data: data, encoding: .utf8) else {
                throw KubeConfigError("kubeconfig \(path): \(what) (-data) is not valid base64-encoded PEM")
            }
            return text
        }
        if let file, !file.isEmpty {
            return try text(at: absolute(file), what: what)
        }
        return nil
    }
}
