import ArgumentParser
import AsyncHTTPClient
import Foundation
import HawserProtocol

/// `hawser`: the command line for the hub. It talks to the hub only through the REST API.
@main
struct Hawser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hawser",
        abstract: "Manage a Hawser hub: clusters, applications and projects.",
        version: "0.1.0",
        subcommands: [Login.self, Logout.self, Version.self, ClusterCommand.self, RepoCommand.self, AppCommand.self, ProjectCommand.self, Apply.self, Export.self, ConfigRepoCommand.self, AccountCommand.self, AdminCommand.self, AuditCommand.self])
}

/// Connection flags shared by every command.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Hub API URL (default: from `hawser login`, or HAWSER_SERVER).") var server: String?
    @Option(help: "API token (default: from `hawser login`, or HAWSER_TOKEN).") var token: String?
    @Option(name: .shortAndLong, help: "Output: table or json.") var output: OutputFormat = .table

    func client() throws -> HubClient {
        let env = ProcessInfo.processInfo.environment
        let saved = CLIConfig.load()
        guard let server = server ?? env["HAWSER_SERVER"] ?? saved?.server else {
            throw CLIError("no hub configured: run `hawser login --server http://127.0.0.1:8080 --token TOKEN`")
        }
        return HubClient(server: server, token: token ?? env["HAWSER_TOKEN"] ?? saved?.token)
    }
}

enum OutputFormat: String, ExpressibleByArgument {
    case table, json
}

func printJSON<T: Encodable>(_ value: T) throws {
    let e = WireJSON.encoder()
    e.outputFormatting.insert(.prettyPrinted)
    print(String(decoding: try e.encode(value), as: UTF8.self))
}

/// Left-aligned columns, like kubectl and argocd.
func printTable(_ header: [String], _ rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
    for r in all {
        print(r.enumerated().map { i, c in i == r.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }.joined(separator: "  "))
    }
}

func ago(_ date: Date?) -> String {
    guard let date else { return "never" }
    let s = Int(Date().timeIntervalSince(date))
    if s < 60 { return "\(s)s ago" }
    if s < 3600 { return "\(s / 60)m ago" }
    if s < 86400 { return "\(s / 3600)h ago" }
    return "\(s / 86400)d ago"
}

struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Log in to a hub (API token, or a local account's password) and save the session for later commands.")
    @Option(help: "Hub API URL, e.g. http://127.0.0.1:8080 (default: the saved one).") var server: String?
    @Option(help: "An API token (the admin token the hub printed on first start, or one from `hawser account generate-token`).") var token: String?
    @Option(help: "Local account name, e.g. admin.") var username: String?
    @Option(help: "Password (default: HAWSER_PASSWORD, else asked).") var password: String?
    @Flag(help: "Single sign-on with the hub's identity provider, in a browser.") var sso = false
    @Option(help: "Loopback port for the SSO redirect (registered with the provider as http://127.0.0.1:PORT/auth/callback).") var ssoPort: Int = 8085

    func run() async throws {
        guard let server = server ?? CLIConfig.load()?.server else { throw ValidationError("--server is required the first time") }
        let session: String
        if let token {
            session = token
        } else if sso {
            session = try await SSOLogin(server: server, port: ssoPort).run().token
        } else if let username {
            let password = password ?? ProcessInfo.processInfo.environment["HAWSER_PASSWORD"] ?? readPassword("Password for \(username): ")
            let r: SessionResponse = try await HubClient(server: server, token: nil).post("/api/v1/session", LoginRequest(username: username, password: password))
            session = r.token
        } else {
            throw ValidationError("give --sso, --token, or --username (and --password)")
        }
        let me: UserInfo = try await HubClient(server: server, token: session).get("/api/v1/session")
        try CLIConfig(server: server, token: session).save()
        print("Logged in to \(server) as \(me.subject)\(me.groups.isEmpty ? "" : " (groups: \(me.groups.joined(separator: ", ")))"). Settings saved in \(CLIConfig.path).")
    }
}

struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "End the saved login session (its token stops working everywhere) and forget it.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await global.client().delete("/api/v1/session")
        if let saved = CLIConfig.load() { try CLIConfig(server: saved.server, token: nil).save() }
        print("Logged out.")
    }
}

/// Reads a line from the terminal without echoing it.
func readPassword(_ prompt: String) -> String {
    guard let p = getpass(prompt) else { return "" }
    return String(cString: p)
}

struct Version: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the CLI's and the hub's versions.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let info: VersionInfo = try await global.client().get("/api/version")
        if global.output == .json { return try printJSON(info) }
        print("hawser: 0.1.0")
        print("hub:    \(info.version) (protocol \(info.protocolVersions.map(String.init).joined(separator: ",")))")
        print("agents: \(info.agentAddress), CA \(info.caFingerprint)")
    }
}
