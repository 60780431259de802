import ArgumentParser
import Foundation
import HawserProtocol

struct RepoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repo", abstract: "Register Git repositories and their credentials.",
        subcommands: [Add.self, List.self, Get.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a repository (https, ssh or local) and check the hub can fetch it.",
            discussion: """
            Credentials are sent once to the hub, which stores them encrypted and never shows
            them again. Public and local repositories need no registration.

              hawser repo add https://git.example.com/org/app.git --username git --password-file token.txt
              hawser repo add git@git.example.com:org/app.git --ssh-key deploy_key --ssh-known-hosts known_hosts
            """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Repository URL: https://…, ssh://…, git@host:org/repo.git, file://… or a local path.") var url: String
        @Option(help: "Username for HTTPS (any non-empty name for a forge's access token).") var username: String?
        @Option(help: "Password or access token for HTTPS (visible to other users in the process list: prefer --password-file).") var password: String?
        @Option(help: "File holding the password or access token.") var passwordFile: String?
        @Option(help: "Private key file for SSH.") var sshKey: String?
        @Option(help: "known_hosts file (from ssh-keyscan HOST) the SSH server's key must match.") var sshKnownHosts: String?
        @Flag(help: "Accept any TLS certificate or SSH host key (test setups only).") var insecureSkipServerVerification = false
        @Flag(help: "Replace the settings of a repository that is already registered.") var upsert = false

        func run() async throws {
            var pw = password
            if let file = passwordFile {
                pw = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let key = try sshKey.map { try String(contentsOfFile: $0, encoding: .utf8) }
            let hosts = try sshKnownHosts.map { file in
                try String(contentsOfFile: file, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
                    .filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            }
            let body = RepositoryCreateRequest(url: url, username: username, password: pw, sshPrivateKey: key, sshKnownHosts: hosts,
                                               insecure: insecureSkipServerVerification ? true : nil, upsert: upsert ? true : nil)
            let r: RepositoryView = try await global.client().post("/api/v1/repositories", body)
            if global.output == .json { return try printJSON(r) }
            print("Repository \(r.url) registered (\(r.type)); default branch \(r.defaultBranch.map(shortRef) ?? "unknown").")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered repositories and whether the hub can fetch them.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let r: ListResponse<RepositoryView> = try await global.client().get("/api/v1/repositories")
            if global.output == .json { return try printJSON(r.items) }
            printTable(["URL", "TYPE", "CREDENTIALS", "INSECURE", "STATUS", "LAST FETCH", "APPS", "MESSAGE"], r.items.map { v in
                [v.url, v.type, credentials(v), v.insecure ? "true" : "false", v.connectionState, ago(v.lastFetchedAt), "\(v.applications)", v.message ?? ""]
            })
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one repository: connection state, default branch and branches.")
        @OptionGroup var global: GlobalOptions
        @Argument var url: String

        func run() async throws {
            let v: RepositoryView = try await global.client().get("/api/v1/repositories/\(encode(url))")
            if global.output == .json { return try printJSON(v) }
            printTable(["FIELD", "VALUE"], [
                ["URL", v.url], ["Type", v.type], ["Credentials", credentials(v)], ["Username", v.username ?? "-"],
                ["Insecure", v.insecure ? "true" : "false"], ["SSH known hosts", "\(v.sshKnownHosts)"],
                ["Connection", v.connectionState], ["Message", v.message ?? "-"], ["Last fetch", ago(v.lastFetchedAt)],
                ["Default branch", v.defaultBranch.map(shortRef) ?? "-"], ["Applications", "\(v.applications)"],
            ] + (v.branches ?? [:]).sorted { $0.key < $1.key }.map { ["Branch \($0.key)", String($0.value.prefix(12))] })
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Forget a repository's registration and credentials.")
        @OptionGroup var global: GlobalOptions
        @Argument var url: String

        func run() async throws {
            try await global.client().delete("/api/v1/repositories/\(encode(url))")
            if global.output != .json { print("Repository \(url) removed.") }
        }
    }

    static func encode(_ url: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return url.addingPercentEncoding(withAllowedCharacters: allowed) ?? url
    }
}

private func encode(_ url: String) -> String { RepoCommand.encode(url) }

private func credentials(_ v: RepositoryView) -> String {
    v.hasSSHKey ? "ssh key" : v.hasPassword ? "password" : "none"
}

private func shortRef(_ ref: String) -> String {
    ref.hasPrefix("refs/heads/") ? String(ref.dropFirst("refs/heads/".count)) : ref
}
