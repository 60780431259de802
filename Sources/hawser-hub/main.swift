import ArgumentParser
import Foundation
import HubAuth
import HubNotify
import HubCore
import HubRender
import HubServer
import HawserLogging
import Logging

/// `hawser-hub`: the control plane. Flags map one-to-one onto `HubServer.Options`.
@main
struct HawserHub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hawser-hub",
        abstract: "Hawser's hub: projects, clusters and applications, rendered from Git and served to agents over mutual TLS.")

    @Option(help: "Directory for the SQLite store, the CA and the server certificate.") var dataDir: String = "./hawser-data"
    @Option(help: "REST API address, HOST:PORT.") var apiAddress: String = "127.0.0.1:8080"
    @Option(help: "Agent gateway address, HOST:PORT.") var agentAddress: String = "0.0.0.0:8443"
    @Option(help: "Address agents dial, HOST:PORT (printed in join commands). Default: 127.0.0.1 and the agent port.") var advertiseAddress: String?
    @Option(help: "Extra DNS name or IP for the server certificate (repeatable).") var serverName: [String] = []
    @Option(help: "Seconds between Git polls of each repository.") var pollInterval: Double = 180
    @Option(help: "Up to this many seconds are added at random to each repository's poll, so repositories do not all fetch at once. Default: a fifth of --poll-interval.") var pollJitter: Double?
    @Option(help: "Repositories fetched at once.") var gitFetchConcurrency: Int = 4
    @Option(help: "Seconds after which a fetch still transferring is cancelled.") var gitFetchTimeout: Double = 120
    @Option(help: "CA certificates (PEM) to trust for https Git remotes with a private CA.") var gitCaFile: String?
    @Option(help: "Seconds a kustomize or helm render may run before it is stopped.") var renderTimeout: Double = 60
    @Option(help: "Megabytes of manifests a kustomize or helm render may print.") var renderMaxOutputMb: Int = 32
    @Option(help: "Accept push webhooks at /api/webhook from a forge, repeatable: FORGE=FILE, FORGE one of github, gitlab, gitea, gogs, bitbucket, FILE holding the secret set in the forge's webhook.") var gitWebhookSecret: [String] = []
    @Option(help: "Seconds between heartbeats; a peer silent for three is dropped.") var heartbeatInterval: Double = 10
    @Option(help: "Seconds a sync or refresh waits for a disconnected cluster's agent before it expires (the app then says so).") var commandTtl: Double = 900
    @Option(help: "Lifetime of agent certificates, in hours.") var agentCertificateHours: Double = 720
    @Option(help: "RBAC policy in Argo CD's policy.csv format; re-read when it changes. Without it only the built-in roles exist (admin has role:admin).") var rbacPolicy: String?
    @Option(help: "Argo CD's policy.default: a role every logged-in caller has, e.g. role:readonly. Default: none.") var rbacDefaultRole: String = ""
    @Option(help: "OpenID Connect issuer URL for single sign-on, e.g. https://login.example.com/realms/acme.") var oidcIssuer: String?
    @Option(help: "OIDC client id of the hub.") var oidcClientId: String?
    @Option(help: "File holding the OIDC client secret (kept out of the process list and logs).") var oidcClientSecretFile: String?
    @Option(help: "OIDC scopes (comma-separated).") var oidcScopes: String = "openid,profile,email,groups"
    @Option(help: "ID token claim holding the user's groups (matched by `g, <group>, <role>` lines).") var oidcGroupsClaim: String = "groups"
    @Option(help: "The hub's URL as browsers reach it, for the SSO redirect (default: http://API address).") var externalUrl: String?
    @Option(help: "Webhook for notifications, repeatable: URL[;events=on-deployed,on-sync-failed,on-health-degraded][;secret-file=PATH] (HMAC-SHA256 signed).") var webhook: [String] = []
    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics, without credentials, as Argo CD's metrics ports do (e.g. 0.0.0.0:9468; keep it off the public network). Off when not given.") var metricsAddress: String?
    @Option(help: "trace, debug, info, notice, warning, error") var logLevel: String = "info"
    @Option(help: "text, or json (one object per line, for log pipelines).") var logFormat: String = "text"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        guard let format = LogFormat(rawValue: logFormat) else { throw ValidationError("--log-format must be text or json") }
        format.bootstrap(level: level)
        var o = HubServer.Options()
        o.dataDirectory = dataDir
        (o.apiHost, o.apiPort) = try Self.split(apiAddress, flag: "--api-address")
        (o.agentHost, o.agentPort) = try Self.split(agentAddress, flag: "--agent-address")
        o.advertiseAddress = advertiseAddress
        if let metricsAddress { o.metrics = try Self.split(metricsAddress, flag: "--metrics-address") }
        o.serverNames = serverName
        o.pollInterval = .milliseconds(Int(pollInterval * 1000))
        o.pollJitter = pollJitter.map { .milliseconds(Int($0 * 1000)) }
        o.gitFetchConcurrency = gitFetchConcurrency
        o.gitFetchTimeout = .milliseconds(Int(gitFetchTimeout * 1000))
        o.gitCAFile = gitCaFile
        o.renderLimits = RenderLimits(timeout: .milliseconds(Int(renderTimeout * 1000)), maxOutputBytes: renderMaxOutputMb << 20)
        for entry in gitWebhookSecret {
            guard let eq = entry.firstIndex(of: "="), GitWebhookVerifier.forges.contains(String(entry[..<eq])) else {
                throw ValidationError("--git-webhook-secret \(entry): expected FORGE=FILE with FORGE one of \(GitWebhookVerifier.forges.joined(separator: ", "))")
            }
            let file = String(entry[entry.index(after: eq)...])
            do { o.gitWebhookSecrets[String(entry[..<eq])] = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) } catch {
                throw ValidationError("cannot read --git-webhook-secret file \(file): \(error.localizedDescription)")
            }
        }
        o.heartbeatInterval = .milliseconds(Int(heartbeatInterval * 1000))
        guard commandTtl > 0 else { throw ValidationError("--command-ttl must be a positive number of seconds, e.g. 900") }
        o.commandTTL = .milliseconds(Int(commandTtl * 1000))
        o.agentCertificateLifetime = agentCertificateHours * 3600
        o.rbacPolicyFile = rbacPolicy
        o.rbacDefaultRole = rbacDefaultRole
        o.externalURL = externalUrl
        do { o.webhooks = try webhook.map(WebhookConfiguration.parse) } catch { throw ValidationError("\(error)") }
        if let oidcIssuer {
            guard let oidcClientId else { throw ValidationError("--oidc-issuer needs --oidc-client-id") }
            var secret: String?
            if let file = oidcClientSecretFile {
                do { secret = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) } catch {
                    throw ValidationError("cannot read --oidc-client-secret-file \(file): \(error.localizedDescription)")
                }
            }
            o.oidc = OIDCConfiguration(issuer: oidcIssuer, clientID: oidcClientId, clientSecret: secret,
                                       scopes: oidcScopes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                                       groupsClaim: oidcGroupsClaim)
        }
        let server = try await HubServer.start(o)
        let info = server.hub.versionInfo()
        print("Hawser hub \(info.version)")
        print("  API:          http://\(o.apiHost):\(server.apiPort)")
        print("  Agent port:   \(o.agentHost):\(server.agentPort) (agents dial \(info.agentAddress))")
        print("  CA:           \(info.caFingerprint)\(server.createdCA ? " (created in \(dataDir))" : "")")
        if let token = server.initialAdminToken {
            print("  Admin token:  \(token)")
            print("                shown once; log in with: hawser login --server http://\(o.apiHost):\(server.apiPort) --token \(token)")
        }
        fflush(nil)
        try await server.wait()
    }

    static func split(_ s: String, flag: String) throws -> (String, Int) {
        guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]) else {
            throw ValidationError("\(flag) must be HOST:PORT, got \"\(s)\"")
        }
        return (String(s[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
    }
}
