import ArgumentParser
import Foundation
import HawserProtocol
import Yams

/// `hawser proj …`: projects (tenants), with Argo CD's `argocd proj` verbs. Every change is a
/// read of the project, an edit, and a `PUT` of the whole spec.
struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proj", abstract: "Manage projects: where a team's apps may come from and go to.",
        subcommands: [Create.self, List.self, Get.self, Set.self, Delete.self,
                      AddSource.self, RemoveSource.self, AddDestination.self, RemoveDestination.self,
                      AllowClusterResource.self, DenyClusterResource.self, AllowNamespaceResource.self, DenyNamespaceResource.self,
                      Windows.self, Role.self])

    /// Flags shared by `create` and `set`.
    struct SpecOptions: ParsableArguments {
        @Option(help: "Description.") var description: String?
        @Option(name: [.customShort("s"), .customLong("src")], help: "Permitted source repository glob (repeatable; replaces the list).") var sources: [String] = []
        @Option(name: [.customShort("d"), .customLong("dest")], help: "Permitted destination CLUSTER,NAMESPACE globs, '!' to deny (repeatable; replaces the list).") var destinations: [String] = []

        func apply(to spec: inout ProjectSpec) throws {
            if let description { spec.description = description }
            if !sources.isEmpty { spec.sourceRepos = sources }
            if !destinations.isEmpty { spec.destinations = try destinations.map(parseDestination) }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a project, from flags or from an AppProject file (YAML or JSON).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Project name (optional with --file, which names it).") var name: String?
        @OptionGroup var spec: SpecOptions
        @Option(name: [.customShort("f"), .customLong("file")], help: "An Argo CD AppProject (metadata.name + spec) or a bare spec.") var file: String?

        func run() async throws {
            var project = ProjectView(name: name ?? "", spec: ProjectSpec())
            if let file { project = try loadProjectFile(file, name: name) }
            try spec.apply(to: &project.spec)
            guard !project.name.isEmpty else { throw ValidationError("name the project: `hawser proj create NAME` or metadata.name in --file") }
            let r: ProjectView = try await global.client().post("/api/v1/projects", project)
            if global.output == .json { return try printJSON(r) }
            print("Project \"\(r.name)\" created.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List projects.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let r: ListResponse<ProjectView> = try await global.client().get("/api/v1/projects")
            if global.output == .json { return try printJSON(r.items) }
            printTable(["NAME", "DESCRIPTION", "DESTINATIONS", "SOURCES", "CLUSTER-RESOURCE-WHITELIST", "APPS"], r.items.map { p in
                [p.name, p.spec.description ?? "", summary(p.spec.destinations.map(describe)), summary(p.spec.sourceRepos),
                 summary(p.spec.clusterResourceWhitelist.map(describe)), "\(p.applications ?? 0)"]
            })
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one project.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run() async throws {
            let p: ProjectView = try await global.client().get("/api/v1/projects/\(name)")
            if global.output == .json { return try printJSON(p) }
            let s = p.spec
            printTable(["FIELD", "VALUE"], [
                ["Name", p.name], ["Description", s.description ?? ""], ["Applications", "\(p.applications ?? 0)"],
                ["Source repositories", s.sourceRepos.joined(separator: ", ")],
                ["Destinations", s.destinations.map(describe).joined(separator: ", ")],
                ["Cluster resource whitelist", s.clusterResourceWhitelist.map(describe).joined(separator: ", ")],
                ["Cluster resource blacklist", s.clusterResourceBlacklist.map(describe).joined(separator: ", ")],
                ["Namespace resource whitelist", s.namespaceResourceWhitelist.isEmpty ? "(all)" : s.namespaceResourceWhitelist.map(describe).joined(separator: ", ")],
                ["Namespace resource blacklist", s.namespaceResourceBlacklist.map(describe).joined(separator: ", ")],
                ["Roles", s.roles.map(\.name).joined(separator: ", ")],
                ["Sync windows", s.syncWindows.isEmpty ? "" : "\(s.syncWindows.count) (`hawser proj windows list \(p.name)`)"],
            ])
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a project's description, sources or destinations (given lists replace the old ones).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @OptionGroup var spec: SpecOptions

        func run() async throws {
            try await editProject(global, name) { try spec.apply(to: &$0) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a project (it must have no applications).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run() async throws {
            try await global.client().delete("/api/v1/projects/\(name)")
            print("Project \"\(name)\" deleted.")
        }
    }

    struct AddSource: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Permit a source repository (glob).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Argument var repo: String
        func run() async throws {
            try await editProject(global, name) { s in if !s.sourceRepos.contains(repo) { s.sourceRepos.append(repo) } }
        }
    }

    struct RemoveSource: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a permitted source repository.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Argument var repo: String
        func run() async throws {
            try await editProject(global, name) { s in
                guard s.sourceRepos.contains(repo) else { throw CLIError("project \(name) has no source \(repo)") }
                s.sourceRepos.removeAll { $0 == repo }
            }
        }
    }

    struct AddDestination: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Permit a destination: cluster name glob and namespace glob ('!' prefix denies).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Argument var cluster: String
        @Argument var namespace: String
        func run() async throws {
            let d = ProjectDestination(name: cluster, namespace: namespace)
            try await editProject(global, name) { s in if !s.destinations.contains(d) { s.destinations.append(d) } }
        }
    }

    struct RemoveDestination: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a destination.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Argument var cluster: String
        @Argument var namespace: String
        func run() async throws {
            try await editProject(global, name) { s in
                let before = s.destinations.count
                s.destinations.removeAll { ($0.name ?? $0.server) == cluster && $0.namespace == namespace }
                guard s.destinations.count < before else { throw CLIError("project \(name) has no destination \(cluster),\(namespace)") }
            }
        }
    }

    struct AllowClusterResource: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let apps create a cluster-scoped kind (group '' is the core group).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: KindArguments
        func run() async throws {
            let gk = target.groupKind
            try await editProject(global, target.name) { s in
                s.clusterResourceBlacklist.removeAll { $0 == gk }
                if !s.clusterResourceWhitelist.contains(gk) { s.clusterResourceWhitelist.append(gk) }
            }
        }
    }

    struct DenyClusterResource: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forbid a cluster-scoped kind (removed from the whitelist, added to the blacklist).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: KindArguments
        func run() async throws {
            let gk = target.groupKind
            try await editProject(global, target.name) { s in
                s.clusterResourceWhitelist.removeAll { $0 == gk }
                if !s.clusterResourceBlacklist.contains(gk) { s.clusterResourceBlacklist.append(gk) }
            }
        }
    }

    struct AllowNamespaceResource: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let apps create a namespaced kind (an empty whitelist allows all).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: KindArguments
        func run() async throws {
            let gk = target.groupKind
            try await editProject(global, target.name) { s in
                s.namespaceResourceBlacklist.removeAll { $0 == gk }
                if !s.namespaceResourceWhitelist.isEmpty, !s.namespaceResourceWhitelist.contains(gk) { s.namespaceResourceWhitelist.append(gk) }
            }
        }
    }

    struct DenyNamespaceResource: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forbid a namespaced kind (added to the blacklist).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: KindArguments
        func run() async throws {
            let gk = target.groupKind
            try await editProject(global, target.name) { s in
                s.namespaceResourceWhitelist.removeAll { $0 == gk }
                if !s.namespaceResourceBlacklist.contains(gk) { s.namespaceResourceBlacklist.append(gk) }
            }
        }
    }

    /// `PROJECT GROUP KIND`, as `argocd proj allow-cluster-resource` takes them.
    struct KindArguments: ParsableArguments {
        @Argument(help: "Project name.") var name: String
        @Argument(help: "API group ('' for the core group; globs allowed).") var group: String
        @Argument(help: "Kind (globs allowed).") var kind: String
        var groupKind: GroupKind { GroupKind(group: group, kind: kind) }
    }

    // MARK: Sync windows

    struct Windows: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "windows", abstract: "Sync windows: when syncs may (allow) or may not (deny) run.",
            subcommands: [Add.self, List.self, Delete.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a sync window.")
            @OptionGroup var global: GlobalOptions
            @Argument var name: String
            @Option(help: "allow or deny.") var kind: String
            @Option(help: "Five-field cron schedule, e.g. \"0 22 * * *\".") var schedule: String
            @Option(help: "How long each window lasts, e.g. 1h, 30m.") var duration: String
            @Option(help: "Application globs (comma-separated).") var applications: String?
            @Option(help: "Namespace globs (comma-separated).") var namespaces: String?
            @Option(help: "Cluster globs (comma-separated).") var clusters: String?
            @Flag(help: "Allow manual syncs while the window blocks automated ones.") var manualSync = false
            @Option(help: "IANA time zone of the schedule (default UTC).") var timeZone: String?

            func run() async throws {
                guard let k = SyncWindow.Kind(rawValue: kind) else { throw ValidationError("--kind must be allow or deny") }
                func list(_ s: String?) -> [String] { s.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? [] }
                let w = SyncWindow(kind: k, schedule: schedule, duration: duration, applications: list(applications),
                                   namespaces: list(namespaces), clusters: list(clusters), manualSync: manualSync, timeZone: timeZone)
                try await editProject(global, name) { $0.syncWindows.append(w) }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List a project's sync windows.")
            @OptionGroup var global: GlobalOptions
            @Argument var name: String

            func run() async throws {
                let p: ProjectView = try await global.client().get("/api/v1/projects/\(name)")
                if global.output == .json { return try printJSON(p.spec.syncWindows) }
                printTable(["ID", "KIND", "SCHEDULE", "DURATION", "TIMEZONE", "APPLICATIONS", "NAMESPACES", "CLUSTERS", "MANUALSYNC"],
                           p.spec.syncWindows.enumerated().map { i, w in
                    ["\(i)", w.kind.rawValue, w.schedule, w.duration, w.timeZone ?? "UTC", summary(w.applications), summary(w.namespaces),
                     summary(w.clusters), w.manualSync ? "Enabled" : "Disabled"]
                })
            }
        }

        struct Delete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Delete a sync window by its ID (from `windows list`).")
            @OptionGroup var global: GlobalOptions
            @Argument var name: String
            @Argument var id: Int
            func run() async throws {
                try await editProject(global, name) { s in
                    guard s.syncWindows.indices.contains(id) else { throw CLIError("project \(name) has no sync window \(id); see `hawser proj windows list \(name)`") }
                    s.syncWindows.remove(at: id)
                }
            }
        }
    }

    // MARK: Roles

    struct Role: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "role", abstract: "Project roles: policies for a team, held by SSO groups or tokens.",
            subcommands: [Create.self, Delete.self, List.self, AddPolicy.self, RemovePolicy.self, AddGroup.self, RemoveGroup.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create a project role.")
            @OptionGroup var global: GlobalOptions
            @Argument var project: String
            @Argument var role: String
            @Option(help: "Description.") var description: String?
            func run() async throws {
                try await editProject(global, project) { s in
                    guard !s.roles.contains(where: { $0.name == role }) else { throw CLIError("project \(project) already has a role \(role)") }
                    s.roles.append(ProjectRole(name: role, description: description))
                }
            }
        }

        struct Delete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Delete a project role.")
            @OptionGroup var global: GlobalOptions
            @Argument var project: String
            @Argument var role: String
            func run() async throws {
                try await editProject(global, project) { s in
                    guard s.roles.contains(where: { $0.name == role }) else { throw CLIError("project \(project) has no role \(role)") }
                    s.roles.removeAll { $0.name == role }
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List a project's roles with their policies and groups.")
            @OptionGroup var global: GlobalOptions
            @Argument var project: String
            func run() async throws {
                let p: ProjectView = try await global.client().get("/api/v1/projects/\(project)")
                if global.output == .json { return try printJSON(p.spec.roles) }
                printTable(["ROLE", "DESCRIPTION", "POLICIES", "GROUPS"], p.spec.roles.map { r in
                    [r.name, r.description ?? "", r.policies.joined(separator: " | "), r.groups.joined(separator: ",")]
                })
            }
        }

        /// `argocd proj role add-policy P R -a sync -o '*' --permission allow`.
        struct AddPolicy: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a policy to a project role (object is an app glob inside the project).")
            @OptionGroup var global: GlobalOptions
            @Argument var project: String
            @Argument var role: String
            @Option(name: [.customShort("a"), .customLong("action")], help: "get, create, update, delete, sync, override, rollback or *.") var action: String
            @Option(name: .customLong("object"), help: "Application glob inside the project (Argo CD's -o; here -o is the output format).") var object: String = "*"
            @Option(help: "allow or deny.") var permission: String = "allow"
            @Option(help: "Resource (applications).") var resource: String = "applications"
            func run() async throws {
                let line = "p, proj:\(project):\(role), \(resource), \(action), \(project)/\(object), \(permission)"
                try await editProject(global, project) { s in
                    guard let i = s.roles.firstIndex(where: { $0.name == role }) else { throw CLIError("project \(project) has no role \(role); create it with `hawser proj role create \(project) \(role)`") }
                    if !s.roles[i].policies.contains(line) { s.roles[i].policies.append(line) }
                }
            }
        }

        struct RemovePolicy: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a policy from a project role.")
            @OptionGroup var global: GlobalOptions
            @Argument var project: String
            @Argument var role: String
            @Option(name: [.customShort("a"), .customLong("action")]) var action: String
            @Option(name: .customLong("object")) var object: String = "*"
            @Option var permission: String = "allow"
            @Option var resource: String = "applications"
            func run() async throws {
                let line = "p, proj:\(project):\(role), \(resource), \(action), \(project)/\(object), \(permission)"
                try await editProject(global, project) { s in
                    guard let i = s.roles.firstIndex(where: { $0.name == role }), s.roles[i].policies.contains(line) else {
                        throw CLIError("role \(role) of project \(project) has no policy \"\(line)\"")
                    }
                    s.roles[i].policies.removeAll { $0 == line }
                }
            }
        }

        struct AddGroup: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Give an SSO group a project role.")
            @OptionGroup var global: GlobalOptions
            @Argument var project: String
            @Argument var role: String
            @Argument var group: String
            func run() async throws {
                try await editProject(global, project) { s in
                    guard let i = s.roles.firstIndex(where: { $0.name == role }) else { throw CLIError("project \(project) has no role \(role)") }
                    if !s.roles[i].groups.contains(group) { s.roles[i].groups.append(group) }
                }
            }
        }

        struct RemoveGroup: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Take a project role from an SSO group.")
            @OptionGroup var global: GlobalOptions
            @Argument var project: String
            @Argument var role: String
            @Argument var group: String
            func run() async throws {
                try await editProject(global, project) { s in
                    guard let i = s.roles.firstIndex(where: { $0.name == role }), s.roles[i].groups.contains(group) else {
                        throw CLIError("role \(role) of project \(project) has no group \(group)")
                    }
                    s.roles[i].groups.removeAll { $0 == group }
                }
            }
        }
    }
}

/// GET, edit, PUT: the CLI's way to change one part of a project.
func editProject(_ global: GlobalOptions, _ name: String, _ edit: (inout ProjectSpec) throws -> Void) async throws {
    let client = try global.client()
    var p: ProjectView = try await client.get("/api/v1/projects/\(name)")
    try edit(&p.spec)
    let r: ProjectView = try await client.put("/api/v1/projects/\(name)", ProjectView(name: p.name, spec: p.spec))
    if global.output == .json { return try printJSON(r) }
    print("Project \"\(name)\" updated.")
}

/// `CLUSTER,NAMESPACE` (Argo CD's `--dest SERVER,NAMESPACE`).
func parseDestination(_ s: String) throws -> ProjectDestination {
    let parts = s.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
        throw ValidationError("--dest \(s): expected CLUSTER,NAMESPACE (globs; '*' for any, '!' to deny), e.g. --dest 'prod-*,team-a'")
    }
    return ProjectDestination(name: parts[0], namespace: parts[1])
}

func describe(_ d: ProjectDestination) -> String { "\(d.name ?? d.server ?? "*"),\(d.namespace)" }
func describe(_ gk: GroupKind) -> String { "\(gk.group.isEmpty ? "''" : gk.group)/\(gk.kind)" }

func summary(_ items: [String]) -> String {
    items.count <= 3 ? items.joined(separator: ",") : items.prefix(3).joined(separator: ",") + ",+\(items.count - 3)"
}

/// An Argo CD `AppProject` document (`metadata.name` + `spec`), or a bare spec, in YAML or JSON.
func loadProjectFile(_ path: String, name: String?) throws -> ProjectView {
    let text: String
    do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
        throw CLIError("cannot read \(path): \(error.localizedDescription)")
    }
    struct Document: Decodable {
        struct Metadata: Decodable { var name: String? }
        var kind: String?
        var metadata: Metadata?
        var spec: ProjectSpec?
    }
    do {
        let doc = try YAMLDecoder().decode(Document.self, from: text)
        if let spec = doc.spec {
            if let kind = doc.kind, kind != "AppProject" { throw CLIError("\(path) is a \(kind), not an AppProject") }
            return ProjectView(name: name ?? doc.metadata?.name ?? "", spec: spec)
        }
        return ProjectView(name: name ?? "", spec: try YAMLDecoder().decode(ProjectSpec.self, from: text))
    } catch let error as CLIError {
        throw error
    } catch {
        throw CLIError("\(path) is not a valid AppProject: \(error)")
    }
}
