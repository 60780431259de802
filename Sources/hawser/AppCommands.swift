import ArgumentParser
import Foundation
import HawserProtocol

struct AppCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app", abstract: "Create, inspect, sync and delete applications.",
        subcommands: [Create.self, List.self, Get.self, Set.self, Sync.self, Refresh.self, Wait.self, History.self, Rollback.self, Summary.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an application from a directory of manifests in a Git repository.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Option(help: "Repository URL (https://, ssh://, git@host:org/repo.git, file://) or a local path.") var repo: String
        @Option(help: "Directory inside the repository.") var path: String = "."
        @Option(help: "Branch, tag, commit SHA or HEAD.") var revision: String = "HEAD"
        @Option(help: "Destination cluster name.") var cluster: String = ""
        @Option(help: "Deploy to every cluster whose labels match, e.g. 'env=prod,region in (eu,us)' (a fleet application; instead of --cluster).") var clusterSelector: String?
        @Option(help: "Fleet rollout: clusters (count, or percentage like 25%) that may run a new revision before it is Healthy.") var maxUnavailable: String?
        @Option(help: "Destination namespace for objects without one.") var namespace: String
        @Option(help: "Project (tenant).") var project: String = "default"
        @Flag(help: "Apply new revisions automatically.") var autoSync = false
        @Flag(help: "Undo drift in the live cluster (with --auto-sync).") var selfHeal = false
        @Flag(help: "Delete what Git no longer has.") var prune = false
        @Option(name: .customLong("sync-option"), help: "Argo CD sync option, repeatable: CreateNamespace=true, ServerSideApply=force, PruneLast=true.") var syncOptions: [String] = []
        @Option(help: "Retry a failed sync this many times (0: never).") var retryLimit: Int = 0
        @Option(help: "Seconds before the first retry.") var retryBackoff: Double = 5
        @Option(help: "Backoff multiplier between retries.") var retryFactor: Double = 2
        @Option(name: .customLong("ignore-difference"), help: "GROUP/KIND[/NAME]:POINTER[,POINTER] (core group empty: /ConfigMap:/data/x), repeatable.") var ignoreDifferences: [String] = []
        @Option(name: .customLong("label"), help: "Label KEY=VALUE on the application, repeatable (filter with `app list -l`).") var labels: [String] = []
        @OptionGroup(title: "Rendering") var source: SourceFlags

        func run() async throws {
            let ignored = try ignoreDifferences.map(parseIgnoreDifference)
            let labelMap = try parseLabels(labels)
            var repoURL = repo
            if !repo.contains("://"), !repo.hasPrefix("/"), !RepoURL.isSSH(repo) {
                repoURL = URL(fileURLWithPath: repo).standardizedFileURL.path
            }
            var spec = AppSpec(name: name, project: project, repoURL: repoURL, path: path, targetRevision: revision, cluster: cluster, namespace: namespace,
                               syncPolicy: SyncPolicy(automated: autoSync, selfHeal: selfHeal, prune: prune, syncOptions: syncOptions,
                                                      retry: retryLimit > 0 ? RetryPolicy(limit: retryLimit, backoffSeconds: retryBackoff, factor: retryFactor) : nil),
                               ignoreDifferences: ignored, labels: labelMap)
            spec.clusterSelector = clusterSelector
            spec.rollout = maxUnavailable.map(RolloutStrategy.init(maxUnavailable:))
            try source.apply(to: &spec)
            let app: AppView = try await global.client().post("/api/v1/applications", spec)
            if global.output == .json { return try printJSON(app) }
            print("Application \"\(app.spec.name)\" created.")
            printDetail(app)
        }
    }

    /// `argocd app set`: change only what is given; lists given replace the old ones.
    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change an application: source, destination namespace, project or sync policy.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Option(help: "Repository URL (https://, ssh://, git@host:org/repo.git, file://) or a local path.") var repo: String?
        @Option(help: "Directory inside the repository.") var path: String?
        @Option(help: "Branch, tag, commit SHA or HEAD.") var revision: String?
        @Option(help: "Destination namespace for objects without one.") var namespace: String?
        @Option(help: "Project (tenant); needs update permission in both projects.") var project: String?
        @Flag(inversion: .prefixedNo, help: "Apply new revisions automatically.") var autoSync: Bool?
        @Flag(inversion: .prefixedNo, help: "Undo drift in the live cluster.") var selfHeal: Bool?
        @Flag(inversion: .prefixedNo, help: "Delete what Git no longer has.") var prune: Bool?
        @Option(name: .customLong("sync-option"), help: "Argo CD sync option, repeatable (replaces the list).") var syncOptions: [String] = []
        @Option(name: .customLong("ignore-difference"), help: "GROUP/KIND[/NAME]:POINTER[,POINTER], repeatable (replaces the list).") var ignoreDifferences: [String] = []
        @Option(name: .customLong("label"), help: "Set label KEY=VALUE, repeatable.") var labels: [String] = []
        @Option(name: .customLong("remove-label"), help: "Remove label KEY, repeatable.") var removeLabels: [String] = []
        @Option(help: "A fleet application's cluster selector.") var clusterSelector: String?
        @Option(help: "A fleet application's rollout: count or percentage of clusters.") var maxUnavailable: String?
        @OptionGroup(title: "Rendering") var source: SourceFlags

        func run() async throws {
            let client = try global.client()
            var spec = (try await client.get("/api/v1/applications/\(name)", as: AppView.self)).spec
            if let repo { spec.repoURL = repo.contains("://") || repo.hasPrefix("/") || RepoURL.isSSH(repo) ? repo : URL(fileURLWithPath: repo).standardizedFileURL.path }
            if let path { spec.path = path }
            if let revision { spec.targetRevision = revision }
            if let namespace { spec.namespace = namespace }
            if let project { spec.project = project }
            if let autoSync { spec.syncPolicy.automated = autoSync }
            if let selfHeal { spec.syncPolicy.selfHeal = selfHeal }
            if let prune { spec.syncPolicy.prune = prune }
            if !syncOptions.isEmpty { spec.syncPolicy.syncOptions = syncOptions }
            if !ignoreDifferences.isEmpty { spec.ignoreDifferences = try ignoreDifferences.map(parseIgnoreDifference) }
            spec.labels.merge(try parseLabels(labels)) { _, new in new }
            for key in removeLabels { spec.labels[key] = nil }
            if let clusterSelector { spec.clusterSelector = clusterSelector }
            if let maxUnavailable { spec.rollout = RolloutStrategy(maxUnavailable: maxUnavailable) }
            try source.apply(to: &spec)
            let app: AppView = try await client.put("/api/v1/applications/\(name)", spec)
            if global.output == .json { return try printJSON(app) }
            print("Application \"\(name)\" updated.")
            printDetail(app)
        }
    }

    /// `argocd app wait`: blocks until the app is in sync and/or healthy, following the hub's
    /// event stream (no polling); for CI pipelines after `hawser app sync`.
    struct Wait: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Wait until the application is synced and/or healthy (both when neither flag is given).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Flag(help: "Wait for Synced.") var sync = false
        @Flag(help: "Wait for Healthy.") var health = false
        @Flag(help: "Wait for the last operation to have finished.") var operation = false
        @Option(help: "Give up after this many seconds (exit 1).") var timeout: Int = 300

        func satisfied(_ a: AppView) -> Bool {
            let all = !sync && !health && !operation
            return (!(sync || all) || a.sync == .synced) && (!(health || all) || a.health == .healthy)
                && (!operation || a.operationPhase != .running)
        }

        func run() async throws {
            let client = try global.client()
            let deadline = Duration.seconds(timeout)
            let result: AppView? = try await withThrowingTaskGroup(of: AppView?.self) { group in
                group.addTask {
                    for try await (event, data) in try await client.events("/api/v1/stream/applications?app=\(name)", timeout: deadline) {
                        if event == "deleted" { throw CLIError("application \(name) was deleted while waiting") }
                        guard event == "app", let view = try? WireJSON.decoder().decode(AppView.self, from: Data(data.utf8)) else { continue }
                        if satisfied(view) { return view }
                    }
                    throw CLIError("the hub closed the event stream; wait again")
                }
                group.addTask {
                    try await Task.sleep(for: deadline)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
            guard let app = result else {
                let now: AppView = try await client.get("/api/v1/applications/\(name)")
                throw CLIError("timed out after \(timeout) s waiting for \(name): sync \(now.sync.rawValue), health \(now.health.rawValue)")
            }
            if global.output == .json { return try printJSON(app) }
            print("\(name): \(app.sync.rawValue), \(app.health.rawValue)")
        }
    }

    struct Summary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Counts of applications by sync and health, per project and cluster.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            let s: AppSummary = try await global.client().get("/api/v1/summary")
            if global.output == .json { return try printJSON(s) }
            func row(_ scope: String, _ c: AppSummary.Counts) -> [String] {
                [scope, "\(c.total)", "\(c.sync["Synced"] ?? 0)", "\(c.sync["OutOfSync"] ?? 0)", "\(c.health["Healthy"] ?? 0)",
                 "\(c.health["Progressing"] ?? 0)", "\(c.health["Degraded"] ?? 0)", "\(c.health["Missing"] ?? 0)"]
            }
            printTable(["SCOPE", "APPS", "SYNCED", "OUTOFSYNC", "HEALTHY", "PROGRESSING", "DEGRADED", "MISSING"],
                       [row("all", s.all)] + s.projects.sorted { $0.key < $1.key }.map { row("project \($0.key)", $0.value) }
                        + s.clusters.sorted { $0.key < $1.key }.map { row("cluster \($0.key)", $0.value) })
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Past deployments: revision, when, by whom, result (newest first).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        func run() async throws {
            let r: ListResponse<HistoryEntry> = try await global.client().get("/api/v1/applications/\(name)/history")
            if global.output == .json { return try printJSON(r.items) }
            printTable(["ID", "DEPLOYED", "REVISION", "CLUSTER", "BY", "RESULT", "MESSAGE"], r.items.map { h in
                ["\(h.id)", WireJSON.formatDate(h.deployedAt), String(h.revision.prefix(8)), h.cluster, h.initiatedBy, h.result, h.message ?? ""]
            })
        }
    }

    /// `argocd app rollback APP ID`.
    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Re-apply the revision of a past deployment (auto-sync is turned off).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Argument(help: "History ID from `hawser app history`.") var id: Int64
        func run() async throws {
            let client = try global.client()
            let before: AppView = try await client.get("/api/v1/applications/\(name)")
            let app: AppView = try await client.post("/api/v1/applications/\(name)/rollback", RollbackRequest(id: id))
            if global.output == .json { return try printJSON(app) }
            if before.spec.syncPolicy.automated {
                print("Auto-sync of \(name) is now off, so Git does not roll it forward again; `hawser app set \(name) --auto-sync` turns it back on.")
            }
            print("Rolling \(name) back to history entry \(id); `hawser app sync \(name)` returns to \(app.spec.targetRevision).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List applications with their sync and health.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this project.") var project: String?
        @Option(help: "Only this cluster.") var cluster: String?
        @Option(help: "Only Synced, OutOfSync or Unknown.") var sync: String?
        @Option(help: "Only Healthy, Progressing, Degraded, Suspended, Missing or Unknown.") var health: String?
        @Option(help: "Only names starting with this.") var namePrefix: String?
        @Option(name: [.customShort("l"), .customLong("selector")], help: "Only apps whose labels match, e.g. team=payments,tier in (web,api).") var selector: String?

        func run() async throws {
            let filters = queryString([("project", project), ("cluster", cluster), ("sync", sync), ("health", health),
                                       ("namePrefix", namePrefix), ("selector", selector)], leading: "&")
            let client = try global.client()
            var items: [AppView] = []
            var next: String? = nil
            repeat {
                let page: ListResponse<AppView> = try await client.get("/api/v1/applications?limit=500" + filters + (next.map { "&continue=\($0)" } ?? ""))
                items += page.items
                next = page.continue
            } while next != nil
            let r = ListResponse(items: items)
            if global.output == .json { return try printJSON(r.items) }
            printTable(["NAME", "CLUSTER", "NAMESPACE", "PROJECT", "SYNC", "HEALTH", "REVISION", "CONDITIONS"], r.items.map { a in
                // A fleet app: its selector and how many clusters it runs on.
                [a.spec.name, a.spec.clusterSelector.map { "\($0) (\(a.message ?? ""))" } ?? a.spec.cluster, a.spec.namespace, a.spec.project, a.sync.rawValue, a.health.rawValue,
                 String((a.syncedRevision ?? "-").prefix(8)), a.conditions.map(\.type).joined(separator: ",")]
            })
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an application with its resources.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run() async throws {
            let app: AppView = try await global.client().get("/api/v1/applications/\(name)")
            if global.output == .json { return try printJSON(app) }
            printDetail(app)
        }
    }

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply the application's current desired state now.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run() async throws {
            let app: AppView = try await global.client().post("/api/v1/applications/\(name)/sync", Optional<HubClient.Empty>.none)
            if global.output == .json { return try printJSON(app) }
            print("Sync of \"\(name)\" requested from cluster \(app.spec.cluster).")
        }
    }

    struct Refresh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Re-read the application's revision from Git now.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run() async throws {
            let app: AppView = try await global.client().post("/api/v1/applications/\(name)/refresh", Optional<HubClient.Empty>.none)
            if global.output == .json { return try printJSON(app) }
            printDetail(app)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an application (and, by default, what it deployed).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Option(help: "Also delete the application's resources from the cluster.") var cascade: Bool = true

        func run() async throws {
            try await global.client().delete("/api/v1/applications/\(name)?cascade=\(cascade)")
            print("Application \"\(name)\" deleted\(cascade ? " with its resources" : "").")
        }
    }
}

/// `apps/Deployment/web:/spec/replicas,/spec/template/metadata` → an ignore rule.
func parseIgnoreDifference(_ s: String) throws -> IgnoreDifference {
    guard let colon = s.firstIndex(of: ":") else {
        throw ValidationError("--ignore-difference \(s): expected GROUP/KIND[/NAME]:POINTER, e.g. apps/Deployment:/spec/replicas")
    }
    let target = s[..<colon].split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    let pointers = s[s.index(after: colon)...].split(separator: ",").map(String.init)
    guard target.count == 2 || target.count == 3, !target[1].isEmpty, !pointers.isEmpty else {
        throw ValidationError("--ignore-difference \(s): expected GROUP/KIND[/NAME]:POINTER (core group empty: /ConfigMap:/data)")
    }
    return IgnoreDifference(group: target[0], kind: target[1], name: target.count == 3 ? target[2] : nil, jsonPointers: pointers)
}

/// `KEY=VALUE` pairs of `--label`.
func parseLabels(_ pairs: [String]) throws -> [String: String] {
    var out: [String: String] = [:]
    for p in pairs {
        guard let eq = p.firstIndex(of: "="), eq != p.startIndex else { throw ValidationError("--label \(p): expected KEY=VALUE, e.g. team=payments") }
        out[String(p[..<eq])] = String(p[p.index(after: eq)...])
    }
    return out
}

/// A query string with every value percent-encoded (selectors hold `=`, `,`, `(` and spaces).
func queryString(_ items: [(String, String?)], leading: String) -> String {
    let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
    let parts = items.compactMap { k, v in v.map { "\(k)=\($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0)" } }
    return parts.isEmpty ? "" : leading + parts.joined(separator: "&")
}

func printDetail(_ a: AppView) {
    printTable(["FIELD", "VALUE"], [
        ["Name", a.spec.name], ["Project", a.spec.project],
        ["Labels", a.spec.labels.isEmpty ? "-" : a.spec.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")],
        ["Source", "\(a.spec.repoURL) \(a.spec.path) @ \(a.spec.targetRevision)"],
        ["Target commit", a.targetCommit.map { "\($0.sha.prefix(8)) \($0.message.split(separator: "\n").first ?? "") (\($0.author))" } ?? "-"],
        ["Destination", a.spec.clusterSelector.map { "clusters matching \($0), namespace \(a.spec.namespace)" + (a.spec.rollout.map { "; rollout maxUnavailable \($0.maxUnavailable)" } ?? "") }
            ?? "\(a.spec.cluster)/\(a.spec.namespace)"],
        ["Sync policy", (a.spec.syncPolicy.automated ? "Automated" + (a.spec.syncPolicy.selfHeal ? " (self-heal)" : "") + (a.spec.syncPolicy.prune ? " (prune)" : "") : "Manual")
            + (a.spec.syncPolicy.syncOptions.isEmpty ? "" : "; " + a.spec.syncPolicy.syncOptions.joined(separator: ","))],
        ["Sync status", a.sync.rawValue + (a.syncedRevision.map { " to \($0.prefix(8))" } ?? "")],
        ["Health", a.health.rawValue],
        ["Last operation", a.operation.map { "\($0.phase.rawValue) at \(String($0.revision.prefix(8)))" + ($0.retryCount > 0 ? " (retry \($0.retryCount))" : "") + ($0.message.map { ": \($0)" } ?? "") } ?? a.operationPhase?.rawValue ?? "-"],
        ["Reported", ago(a.reportedAt)],
    ])
    for c in a.conditions { print("\nCONDITION \(c.type): \(c.message)") }
    if let op = a.operation, op.resources.contains(where: { $0.status != .synced }) {
        print("\nLAST OPERATION (\(op.phase.rawValue))")
        printTable(["WAVE", "KIND", "NAMESPACE", "NAME", "RESULT", "MESSAGE"], op.resources.filter { $0.status != .synced }.map { r in
            [String(r.wave), r.key.kind, r.key.namespace, r.key.name, r.status.rawValue, (r.message ?? "").replacingOccurrences(of: "\n", with: "; ")]
        })
    }
    if let m = a.message { print("\n\(m)") }
    if let rows = a.destinations {
        print("")
        printTable(["CLUSTER", "SYNC", "HEALTH", "TARGET", "SYNCED", "OPERATION", "DEPLOYMENT", "MESSAGE"], rows.map { d in
            [d.cluster, d.sync.rawValue, d.health.rawValue, String(d.targetRevision?.prefix(8) ?? "-"), String(d.syncedRevision?.prefix(8) ?? "-"),
             d.operationPhase?.rawValue ?? "-", d.deployment, String((d.message ?? "").split(separator: "\n").first ?? "")]
        })
    }
    if !a.resources.isEmpty {
        print("")
        printTable(["GROUP", "KIND", "NAMESPACE", "NAME", "STATUS", "HEALTH", "MESSAGE"], a.resources.map { r in
            [r.key.group, r.key.kind, r.key.namespace, r.key.name, r.status.rawValue, r.health?.rawValue ?? "",
             String((r.message ?? "").split(separator: "\n").first ?? "")]
        })
        // What differs, in full, for each resource out of sync.
        for r in a.resources where r.status == .outOfSync {
            guard let m = r.message, m.contains("\n") else { continue }
            print("\nDIFF \(r.key)")
            print(m)
        }
    }
}
