import ArgumentParser
import Foundation
import HawserProtocol

/// `hawser apply -f`: Applications and AppProjects from files, in Argo CD's shape or Hawser's.
struct Apply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or change applications and projects from YAML files (Argo CD's or Hawser's).",
        discussion: """
        Reads Application and AppProject documents: apiVersion argoproj.io/v1alpha1 (Argo CD's
        files as they are) or hawser.io/v1 (the same shape, plus spec.destination.clusterSelector
        and spec.rollout for fleets). The whole set is checked first and applied in one step, or
        not at all; fields Hawser does not support are reported as warnings.

          hawser apply -f guestbook.yaml
          hawser apply -f apps/ --dry-run
          hawser apply -f argocd-apps/ --destination-server https://kubernetes.default.svc=prod-eu-1
        """)
    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("f"), .long], help: "A file, a directory (read recursively) or - for standard input; repeatable.") var filename: [String]
    @Flag(help: "Check and show what would change, change nothing.") var dryRun = false
    @Option(help: "Map an Argo CD destination.server URL to a Hawser cluster: URL=CLUSTER; repeatable.") var destinationServer: [String] = []

    func run() async throws {
        guard !filename.isEmpty else { throw ValidationError("give the files to apply with -f FILE|DIR") }
        var files: [ApplyRequest.File] = []
        for f in filename { files += try Self.readFiles(f) }
        guard !files.isEmpty else { throw CLIError("no .yaml, .yml or .json files in \(filename.joined(separator: ", "))") }
        let body = ApplyRequest(files: files, dryRun: dryRun, serverClusters: try parseServerClusters(destinationServer))
        let r: ApplyResponse = try await global.client().post("/api/v1/apply", body)
        if global.output == .json { return try printJSON(r) }
        for w in r.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        for o in r.objects { print("\(o.kind.lowercased())/\(o.name) \(o.action.rawValue)\(r.dryRun ? " (dry run)" : "")") }
    }

    /// The file, or the YAML and JSON files under a directory (dot-files skipped), in path order.
    static func readFiles(_ path: String) throws -> [ApplyRequest.File] {
        if path == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            return [ApplyRequest.File(path: "<stdin>", content: String(decoding: data, as: UTF8.self))]
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CLIError("\(path): no such file or directory") }
        guard isDirectory.boolValue else { return [ApplyRequest.File(path: path, content: try String(contentsOfFile: path, encoding: .utf8))] }
        guard let walker = FileManager.default.enumerator(atPath: path) else { return [] }
        var out: [ApplyRequest.File] = []
        for case let relative as String in walker {
            guard !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                  ["yaml", "yml", "json"].contains((relative as NSString).pathExtension.lowercased()) else { continue }
            let full = (path as NSString).appendingPathComponent(relative)
            out.append(ApplyRequest.File(path: full, content: try String(contentsOfFile: full, encoding: .utf8)))
        }
        return out.sorted { $0.path < $1.path }
    }
}

/// `URL=CLUSTER` pairs.
func parseServerClusters(_ pairs: [String]) throws -> [String: String] {
    var out: [String: String] = [:]
    for p in pairs {
        guard let eq = p.lastIndex(of: "="), eq != p.startIndex, p.index(after: eq) != p.endIndex else {
            throw ValidationError("--destination-server \"\(p)\": write URL=CLUSTER, e.g. https://kubernetes.default.svc=prod-eu-1")
        }
        out[String(p[..<eq])] = String(p[p.index(after: eq)...])
    }
    return out
}

/// `hawser export`: what `hawser apply` reads back unchanged.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write projects and applications as hawser.io/v1 YAML that `hawser apply` reads back unchanged.",
        discussion: """
          hawser export > everything.yaml
          hawser export -d config/          # config/projects/NAME.yaml, config/applications/NAME.yaml
          hawser export --kind application --project team-a
        """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "application or project (default: both).") var kind: String?
    @Option(help: "Only this project and its applications.") var project: String?
    @Option(name: [.customShort("d"), .long], help: "Write one file per object under this directory instead of printing.") var directory: String?

    func run() async throws {
        var query: [String] = []
        if let kind { query.append("kind=\(kind)") }
        if let project { query.append("project=\(project.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? project)") }
        let r: ExportResponse = try await global.client().get("/api/v1/export" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
        if global.output == .json { return try printJSON(r) }
        guard let directory else {
            print(r.documents.map(\.yaml).joined(separator: "---\n"), terminator: "")
            return
        }
        for d in r.documents {
            let target = (directory as NSString).appendingPathComponent(d.path)
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try d.yaml.write(toFile: target, atomically: true, encoding: .utf8)
        }
        print("wrote \(r.documents.count) file\(r.documents.count == 1 ? "" : "s") to \(directory)")
    }
}

/// `hawser config-repo`: the hub's applications, projects and RBAC policy from Git.
struct ConfigRepoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config-repo", abstract: "Reconcile the hub's applications, projects and RBAC policy from a Git repository (app of apps).",
        subcommands: [Add.self, List.self, Get.self, Refresh.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the hub apply a directory of Application, AppProject and RBAC policy files, commit by commit.",
            discussion: """
            Every commit is applied whole or not at all; what it defines can then only be changed
            in Git (the API refuses, naming the file), and each change is audited with the commit
            and its author. Private repositories are registered first with `hawser repo add`.

              hawser config-repo add https://git.example.com/platform/config.git --path clusters/prod --prune
            """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Repository URL (https, ssh, file:// or a local path).") var url: String
        @Option(help: "Directory in the repository (default: its root).") var path: String = "."
        @Option(help: "Branch, tag or commit (default: the remote's default branch).") var revision: String = "HEAD"
        @Option(help: "Name (default: from the URL and path).") var name: String?
        @Flag(help: "Delete applications and projects whose file was removed (else they are kept, no longer managed, and reported).") var prune = false
        @Option(help: "Map an Argo CD destination.server URL to a Hawser cluster: URL=CLUSTER; repeatable.") var destinationServer: [String] = []

        func run() async throws {
            let body = ConfigRepoCreateRequest(name: name, url: url, path: path, revision: revision, prune: prune,
                                               serverClusters: try parseServerClusters(destinationServer))
            let v: ConfigRepoView = try await global.client().post("/api/v1/configrepos", body)
            if global.output == .json { return try printJSON(v) }
            print("Config repository \(v.name) added: \(v.url) path \(v.path) at \(v.revision)\(v.prune ? ", pruning" : "").")
            ConfigRepoCommand.printState(v)
            if !v.errors.isEmpty { throw ExitCode(2) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List config repositories and the commit each applied.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let r: ListResponse<ConfigRepoView> = try await global.client().get("/api/v1/configrepos")
            if global.output == .json { return try printJSON(r.items) }
            printTable(["NAME", "URL", "PATH", "REVISION", "PRUNE", "APPLIED", "BY", "OBJECTS", "STATUS"], r.items.map { v in
                [v.name, v.url, v.path, v.revision, v.prune ? "true" : "false", v.appliedCommit.map { String($0.sha.prefix(8)) } ?? "-",
                 v.appliedCommit?.author ?? "-", "\(v.objects.count)", v.errors.isEmpty ? "Applied" : "Refused: \(v.errors.count) error(s)"]
            })
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a config repository: the applied commit, what it defines, and why a newer commit was refused.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run() async throws {
            let v: ConfigRepoView = try await global.client().get("/api/v1/configrepos/\(name)")
            if global.output == .json { return try printJSON(v) }
            print("\(v.name): \(v.url) path \(v.path) at \(v.revision)\(v.prune ? ", pruning" : ""), added by \(v.createdBy)")
            ConfigRepoCommand.printState(v)
        }
    }

    struct Refresh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fetch and apply the repository now (the hub also polls, and takes push webhooks).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run() async throws {
            let v: ConfigRepoView = try await global.client().post("/api/v1/configrepos/\(name)/refresh", Optional<String>.none)
            if global.output == .json { return try printJSON(v) }
            ConfigRepoCommand.printState(v)
            if !v.errors.isEmpty { throw ExitCode(2) }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Stop reconciling from the repository; what it defined stays, editable again.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run() async throws {
            try await global.client().delete("/api/v1/configrepos/\(name)")
            print("Config repository \(name) removed; its applications and projects stay and can be changed through the API again.")
        }
    }

    static func printState(_ v: ConfigRepoView) {
        if let c = v.appliedCommit {
            print("Applied commit \(c.sha.prefix(8)) by \(c.author) (\(c.message.split(separator: "\n").first ?? "")), \(ago(v.appliedAt)).")
        }
        if !v.errors.isEmpty, let c = v.lastCommit {
            print("Commit \(c.sha.prefix(8)) by \(c.author) was refused; nothing of it was applied:")
        }
        for e in v.errors { print("  error: \(e)") }
        for w in v.warnings { print("  warning: \(w)") }
        if !v.objects.isEmpty {
            printTable(["KIND", "NAME", "FILE", "STATE"], v.objects.map { [$0.kind, $0.name, $0.file ?? "-", $0.action == .orphaned ? "removed from Git, kept" : "managed"] })
        }
    }
}
