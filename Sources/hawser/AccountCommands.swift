import ArgumentParser
import Foundation
import HawserProtocol

/// `hawser account …`: passwords of local accounts and API tokens, like `argocd account`.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Local account passwords and API tokens.",
        subcommands: [GetUserInfo.self, UpdatePassword.self, GenerateToken.self, ListTokens.self, DeleteToken.self])

    struct GetUserInfo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get-user-info", abstract: "Who the saved login is: subject and groups.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            let me: UserInfo = try await global.client().get("/api/v1/session")
            if global.output == .json { return try printJSON(me) }
            print("Subject: \(me.subject)")
            print("Groups:  \(me.groups.joined(separator: ", "))")
        }
    }

    struct UpdatePassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "update-password", abstract: "Set a local account's password (your own needs the current one).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Account (default: admin).") var account: String = "admin"
        @Option(help: "Current password (asked when the account has one and it is not given).") var currentPassword: String?
        @Option(help: "New password, at least 8 characters (default: asked).") var newPassword: String?

        func run() async throws {
            let new = newPassword ?? readPassword("New password for \(account): ")
            try await global.client().putNoContent("/api/v1/accounts/\(account)/password",
                                                   PasswordUpdateRequest(currentPassword: currentPassword, newPassword: new))
            print("Password of \(account) updated.")
        }
    }

    struct GenerateToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "generate-token", abstract: "Make an API token for automation: a project role's or an account's.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Project of the role.") var project: String?
        @Option(help: "Project role the token acts as (see `hawser proj role list`).") var role: String?
        @Option(help: "Local account the token acts as (default: yourself, without --project).") var account: String?
        @Option(help: "Lifetime, e.g. 30d, 12h, 90m (default: no expiry).") var expiresIn: String?
        @Option(help: "What the token is for.") var description: String?

        func run() async throws {
            let seconds = try expiresIn.map(parseLifetime)
            let r: TokenCreateResponse = try await global.client().post("/api/v1/tokens", TokenCreateRequest(
                project: project, role: role, account: account, expiresInSeconds: seconds, description: description))
            if global.output == .json { return try printJSON(r) }
            print(r.token)
            FileHandle.standardError.write(Data("Token \(r.info.id) for \(r.info.subject)\(r.info.expiresAt.map { ", expires \(WireJSON.formatDate($0))" } ?? ""); shown once, store it now.\n".utf8))
        }
    }

    struct ListTokens: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list-tokens", abstract: "List API tokens you may see.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            let r: ListResponse<TokenView> = try await global.client().get("/api/v1/tokens")
            if global.output == .json { return try printJSON(r.items) }
            printTable(["ID", "SUBJECT", "CREATED BY", "CREATED", "EXPIRES", "STATE", "DESCRIPTION"], r.items.map { t in
                [t.id, t.subject, t.createdBy, ago(t.createdAt), t.expiresAt.map(WireJSON.formatDate) ?? "never",
                 t.revokedAt != nil ? "revoked" : (t.expiresAt.map { $0 < Date() } ?? false ? "expired" : "active"), t.description ?? ""]
            })
        }
    }

    struct DeleteToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete-token", abstract: "Revoke an API token (it stops working at once).")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String
        func run() async throws {
            try await global.client().delete("/api/v1/tokens/\(id)")
            print("Token \(id) revoked.")
        }
    }
}

/// `30d`, `12h`, `90m`, `45s`, or combinations like `1d12h`.
func parseLifetime(_ s: String) throws -> Double {
    var total = 0.0, number = ""
    for c in s {
        if c.isNumber { number.append(c); continue }
        guard let n = Double(number) else { throw ValidationError("invalid lifetime \"\(s)\": expected e.g. 30d, 12h, 90m") }
        switch c {
        case "d": total += n * 86400
        case "h": total += n * 3600
        case "m": total += n * 60
        case "s": total += n
        default: throw ValidationError("invalid lifetime \"\(s)\": unit \(c) is not one of d, h, m, s")
        }
        number = ""
    }
    guard number.isEmpty, total > 0 else { throw ValidationError("invalid lifetime \"\(s)\": expected e.g. 30d, 12h, 90m") }
    return total
}

/// `hawser admin …`: operator tools.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "admin", abstract: "Operator tools.", subcommands: [RBAC.self])

    struct RBAC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rbac", abstract: "Explain RBAC decisions.", subcommands: [Can.self])

        /// Like `argocd admin settings rbac can`, but asked of the running hub's policy.
        struct Can: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "May SUBJECT do ACTION on RESOURCE OBJECT? Prints yes/no and the policy line that decided.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "User, account, or proj:PROJECT:ROLE.") var subject: String
            @Argument(help: "get, create, update, delete, sync, override, rollback.") var action: String
            @Argument(help: "applications, projects, clusters, repositories, accounts, audit, configrepos.") var resource: String
            @Argument(help: "PROJECT/APP for applications, else the name (default: any).") var object: String?
            @Option(help: "SSO groups of the subject (comma-separated).") var groups: String?

            func run() async throws {
                let r: RBACCanResponse = try await global.client().post("/api/v1/rbac/can", RBACCanRequest(
                    subject: subject, groups: groups.map { $0.split(separator: ",").map(String.init) }, action: action, resource: resource, object: object))
                if global.output == .json { return try printJSON(r) }
                print(r.allowed ? "Yes" : "No")
                print(r.reason)
                for line in r.lines { print("  \(line)") }
                if !r.allowed { throw ExitCode(1) }
            }
        }
    }
}

/// `hawser audit …`: who did what, where and when, and whether the trail was tampered with.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The audit trail.", subcommands: [List.self, Export.self, Verify.self])

    struct Filters: ParsableArguments {
        @Option(help: "Only this user (or token subject, or agent).") var user: String?
        @Option(help: "Only this application.") var app: String?
        @Option(help: "Only this project.") var project: String?
        @Option(help: "Only this cluster.") var cluster: String?
        @Option(help: "From this time on (RFC 3339, e.g. 2026-11-28T09:00:00Z, or 1h / 7d ago).") var since: String?
        @Option(help: "Before this time (RFC 3339, or 1h / 7d ago).") var until: String?

        func query() throws -> String {
            var items: [URLQueryItem] = []
            for (name, value) in [("user", user), ("app", app), ("project", project), ("cluster", cluster)] {
                if let value { items.append(.init(name: name, value: value)) }
            }
            for (name, value) in [("since", since), ("until", until)] {
                guard let value else { continue }
                let date = WireJSON.parseDate(value) ?? (try? parseLifetime(value)).map { Date().addingTimeInterval(-$0) }
                guard let date else { throw ValidationError("--\(name) \(value): give an RFC 3339 time or a duration like 1h or 7d") }
                items.append(.init(name: name, value: WireJSON.formatDate(date)))
            }
            var c = URLComponents()
            c.queryItems = items
            return c.percentEncodedQuery.map { "&" + $0.replacingOccurrences(of: "+", with: "%2B") } ?? ""
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Newest entries first.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var filters: Filters
        @Option(help: "How many entries.") var limit: Int = 50
        func run() async throws {
            let r: ListResponse<AuditEventView> = try await global.client().get("/api/v1/audit?limit=\(limit)" + filters.query())
            if global.output == .json { return try printJSON(r.items) }
            printTable(["ID", "TIME", "ACTOR", "ACTION", "RESOURCE", "OBJECT", "OUTCOME", "DETAIL"], r.items.map { e in
                ["\(e.id)", WireJSON.formatDate(e.at), e.actor, e.action, e.resource, e.object, e.outcome, e.detail ?? ""]
            })
        }
    }

    /// JSON Lines, oldest first, the whole (filtered) trail: for a SIEM or an archive.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the trail as JSON Lines, oldest first.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var filters: Filters
        func run() async throws {
            let client = try global.client()
            var before: Int64? = nil
            var pages: [[AuditEventView]] = []
            while true {
                let page: ListResponse<AuditEventView> = try await client.get("/api/v1/audit?limit=1000" + (before.map { "&before=\($0)" } ?? "") + filters.query())
                if page.items.isEmpty { break }
                pages.append(page.items)
                before = page.items.last?.id
            }
            let e = WireJSON.encoder()
            for entry in pages.reversed().flatMap({ $0.reversed() }) {
                print(String(decoding: try e.encode(entry), as: UTF8.self))
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check the hash chain; names the first entry that was changed, removed or inserted.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            let r: AuditVerifyResponse = try await global.client().get("/api/v1/audit/verify")
            if global.output == .json { try printJSON(r) } else if r.intact {
                print("The audit trail is intact: \(r.entries) entries, each linked to the one before.")
            } else {
                print("The audit trail is broken at entry \(r.firstBrokenID ?? 0): \(r.problem ?? "")")
            }
            if !r.intact { throw ExitCode(1) }
        }
    }
}
