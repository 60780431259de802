import Foundation
import HawserProtocol
import HubRBAC
import HubStore

/// What an application list can be narrowed to (`GET /api/v1/applications?…`).
public struct AppListFilter: Sendable, Hashable {
    public var project: String?
    public var cluster: String?
    public var namePrefix: String?
    public var sync: SyncStatusCode?
    public var health: HealthStatusCode?
    /// The app's labels must match (`team=payments,tier in (web,api)`).
    public var selector: LabelSelector?

    public init(project: String? = nil, cluster: String? = nil, namePrefix: String? = nil, sync: SyncStatusCode? = nil, health: HealthStatusCode? = nil,
                selector: LabelSelector? = nil) {
        self.selector = selector
        self.project = project
        self.cluster = cluster
        self.namePrefix = namePrefix
        self.sync = sync
        self.health = health
    }
}

extension AppListFilter {
    /// Reads a list's query parameters (`project`, `cluster`, `namePrefix`, `sync`, `health`,
    /// `selector`), for the REST API and the web UI alike; an empty value means no filter.
    /// `problems` names each value that cannot be read and what to write instead.
    public static func parse(_ parameter: (String) -> String?) -> (filter: AppListFilter, problems: [String]) {
        func text(_ name: String) -> String? { parameter(name).flatMap { $0.isEmpty ? nil : $0 } }
        var filter = AppListFilter(project: text("project"), cluster: text("cluster"), namePrefix: text("namePrefix"))
        var problems: [String] = []
        if let s = text("sync") {
            if let code = SyncStatusCode(rawValue: s) { filter.sync = code } else { problems.append("sync=\(s): use Synced, OutOfSync or Unknown") }
        }
        if let h = text("health") {
            if let code = HealthStatusCode(rawValue: h) { filter.health = code } else {
                problems.append("health=\(h): use Healthy, Progressing, Degraded, Suspended, Missing or Unknown")
            }
        }
        if let s = text("selector") {
            do { filter.selector = try LabelSelector.parse(s) } catch {
                problems.append("selector=\(s): \(error); write e.g. team=payments,tier in (web,api)")
            }
        }
        return (filter, problems)
    }
}

/// Lists and the summary read one query's worth of rows at a time, without manifests or
/// resource rows, and keep only what the caller may `get`, so a page costs the same with ten
/// apps or ten thousand.
extension Hub {
    /// One page in name order. `continue` is opaque to callers (the last name examined).
    public func appsPage(for p: Principal, filter: AppListFilter, limit: Int, continue token: String?) async throws -> ListResponse<AppView> {
        let limit = max(1, min(limit, 1000))
        var after = try token.map(Self.decodeContinue)
        var items: [AppView] = []
        let query = AppListQuery(project: filter.project, cluster: filter.cluster, namePrefix: filter.namePrefix,
                                 sync: filter.sync?.rawValue, health: filter.health?.rawValue)
        let chunkSize = max(limit * 2, 200)
        var visibility = try await appVisibility(for: p)
        while true {
            let chunk = try await store.appListings(query, afterName: after, limit: chunkSize)
            let views = try await listViews(chunk)
            for (row, v) in zip(chunk, views) {
                after = row.app.name
                if let s = filter.sync, v.sync != s { continue }
                if let h = filter.health, v.health != h { continue }
                if let s = filter.selector, !s.matches(row.app.labels) { continue }
                guard visibility.canGet(project: row.app.project, name: row.app.name) else { continue }
                items.append(v)
                // Full: more may follow (an empty last page is possible, as in Kubernetes).
                if items.count == limit { return ListResponse(items: items, continue: after.map(Self.encodeContinue)) }
            }
            if chunk.count < chunkSize { return ListResponse(items: items, continue: nil) }
        }
    }

    /// Counts by sync and health, overall, per project and per cluster.
    public func summary(for p: Principal) async throws -> AppSummary {
        var visibility = try await appVisibility(for: p)
        var out = AppSummary()
        // Usually the caller sees whole projects or none: then the shared counts answer.
        let counts = try await statusCounts()
        let wide = Set(counts.map(\.project)).map { ($0, visibility.projectWide($0)) }
        if wide.allSatisfy({ $0.1 != nil }) {
            let visible = Set(wide.filter { $0.1 == true }.map(\.0))
            for c in counts where visible.contains(c.project) {
                // Apps count once (a fleet app by its aggregate); clusters count what runs on them.
                if !c.deployment {
                    out.all.add(sync: c.sync, health: c.health, count: c.count)
                    out.projects[c.project, default: .init()].add(sync: c.sync, health: c.health, count: c.count)
                }
                if !c.cluster.isEmpty { out.clusters[c.cluster, default: .init()].add(sync: c.sync, health: c.health, count: c.count) }
            }
            return out
        }
        for row in Self.foldFleets(try await store.appStatusRows()) {
            guard visibility.canGet(project: row.project, name: Self.listedName(row.name)) else { continue }
            if !row.deployment {
                out.all.add(sync: row.sync, health: row.health)
                out.projects[row.project, default: .init()].add(sync: row.sync, health: row.health)
            }
            if !row.cluster.isEmpty { out.clusters[row.cluster, default: .init()].add(sync: row.sync, health: row.health) }
        }
        return out
    }

    /// List views of a page of rows: fleet applications with their deployments' aggregate,
    /// read in one more query for the whole page.
    func listViews(_ rows: [AppListing]) async throws -> [AppView] {
        let fleets = rows.filter { $0.app.isFleet }.map(\.app.name)
        var byParent: [String: [AppStatusRow]] = [:]
        for row in try await store.deploymentStatusRows(parents: fleets) { byParent[row.parent ?? "", default: []].append(row) }
        return rows.map { row in
            var v = Self.listView(row)
            if row.app.isFleet {
                let states = (byParent[row.app.name] ?? []).map {
                    Self.effectiveStatus(sync: $0.sync, health: $0.health, observedGeneration: $0.observedGeneration, generation: $0.generation, rendered: $0.rendered)
                }
                v.sync = FleetAggregate.sync(states.map(\.0))
                v.health = FleetAggregate.health(states.map(\.1))
                v.message = "\(states.count) cluster\(states.count == 1 ? "" : "s")"
            }
            return v
        }
    }

    /// The list's view of an app: like `view(_:)`, minus resource rows and the operation.
    static func listView(_ row: AppListing) -> AppView {
        let a = row.app
        let (sync, health) = effectiveStatus(sync: row.sync, health: row.health, observedGeneration: row.observedGeneration,
                                             generation: row.generation, rendered: row.renderRevision != nil)
        let spec = Self.spec(a)
        return AppView(spec: spec, targetCommit: row.commit.map(CommitInfo.init), syncedRevision: row.statusRevision, sync: sync, health: health,
                       conditions: row.renderConditions + row.statusConditions, resources: [],
                       operationPhase: row.operationPhase.flatMap(OperationPhase.init(rawValue:)), message: row.message,
                       reportedAt: row.reportedAt, createdAt: a.createdAt)
    }

    public static func encodeContinue(_ name: String) -> String {
        Secrets.base64url(Data(name.utf8))
    }

    public static func decodeContinue(_ token: String) throws -> String {
        var t = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        guard let d = Data(base64Encoded: t), let s = String(data: d, encoding: .utf8) else {
            throw HubError(.invalid, "continue=\(token) is not a token this hub gave out; start again without it")
        }
        return s
    }
}
