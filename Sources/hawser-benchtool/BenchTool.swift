import ArgumentParser
import AsyncHTTPClient
import Foundation
import HawserProtocol
import HubCore
import HubServer
import HubStore
import Logging
import NIOCore

/// `make bench`'s helper for the API at scale: fills a hub's data directory with applications
/// and agent statuses, and times HTTP requests (p50/p99) against a running hub. Not shipped.
@main
struct BenchTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hawser-benchtool", subcommands: [Seed.self, Load.self, Fanout.self, LoadGen.self])
}

/// Creates clusters, projects and applications through the hub's own domain code (so renders
/// are real), then writes one agent status per application straight into the store: what
/// thousands of agents' reports leave behind, without running thousands of agents.
struct Seed: AsyncParsableCommand {
    @Option var dataDir: String
    @Option var repo: String
    @Option var apps: Int = 10_000
    @Option var clusters: Int = 3
    @Option var projects: Int = 5

    func run() async throws {
        var logger = Logger(label: "bench.seed")
        logger.logLevel = .warning
        var o = HubServer.Options()
        o.dataDirectory = dataDir
        o.apiPort = 0
        o.agentPort = 0
        o.agentHost = "127.0.0.1"
        o.pollInterval = .seconds(86_400)
        let server = try await HubServer.start(o, logger: logger)
        let hub = server.hub
        if let token = server.initialAdminToken {
            try token.write(toFile: dataDir + "/bench-admin-token", atomically: true, encoding: .utf8)
        }
        var clusterIDs: [String: String] = [:]
        for c in 0..<clusters {
            let added = try await hub.addCluster(ClusterCreateRequest(name: "cluster-\(c)", labels: ["region": ["eu", "us", "ap"][c % 3]]))
            clusterIDs[added.cluster.name] = added.cluster.id
        }
        for p in 0..<projects {
            _ = try await hub.createProject(ProjectView(name: "team-\(p)", spec: ProjectSpec(sourceRepos: ["*"], destinations: [ProjectDestination(name: "*", namespace: "*")])))
        }
        let started = ContinuousClock.now
        let healths = ["Healthy", "Healthy", "Healthy", "Healthy", "Healthy", "Healthy", "Healthy", "Progressing", "Degraded", "Missing"]
        for i in 0..<apps {
            let name = String(format: "app-%05d", i)
            let cluster = "cluster-\(i % clusters)"
            _ = try await hub.createApp(AppSpec(name: name, project: "team-\(i % projects)", repoURL: repo, path: "app", cluster: cluster,
                                                namespace: "ns-\(i % 50)", labels: ["tier": ["web", "api", "worker"][i % 3]]))
            guard let render = try await hub.store.render(app: name) else { throw ValidationError("\(name) has no render") }
            // 1 in 10 out of sync; health spread as above.
            let sync = i % 10 == 3 ? "OutOfSync" : "Synced"
            let resources = render.manifests.map { m in
                ResourceStatus(key: ResourceKey(group: "", version: "v1", kind: "ConfigMap", namespace: "ns-\(i % 50)", name: m.object[path: ["metadata", "name"]]?.stringValue ?? ""), status: .synced, health: .healthy)
            }
            try await hub.store.saveStatus(AppStatusRecord(appName: name, clusterId: clusterIDs[cluster] ?? "", revision: render.revision, observedGeneration: render.generation,
                                                           sync: sync, health: healths[i % healths.count], resources: resources, reportedAt: Date()))
            if (i + 1) % 1000 == 0 { print("  \(i + 1) apps (\(ContinuousClock.now - started))") }
        }
        await server.shutdown()
        print("seeded \(apps) applications on \(clusters) clusters in \(projects) projects in \(ContinuousClock.now - started)")
    }
}

/// Sends `requests` GETs one after another (after a warm-up) and prints latency percentiles as
/// one JSON object: `{"p50_ms":…, "p99_ms":…, "mean_ms":…, "max_ms":…, "bytes":…}`.
struct Load: AsyncParsableCommand {
    @Option var url: String
    @Option(help: "Sent as a bearer token, or as the session cookie with --cookie (web UI pages).") var token: String
    @Flag var cookie = false
    @Option var requests: Int = 1000
    @Option var warmup: Int = 50

    func run() async throws {
        var samples: [Double] = []
        var bytes = 0
        for i in 0..<(warmup + requests) {
            var request = HTTPClientRequest(url: url)
            if cookie {
                request.headers.add(name: "Cookie", value: "hawser_session=\(token)")
            } else {
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
            }
            let t0 = ContinuousClock.now
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 64 << 20)
            let elapsed = ContinuousClock.now - t0
            guard response.status == .ok else { throw ValidationError("\(url): HTTP \(response.status.code): \(String(buffer: body).prefix(300))") }
            if i >= warmup {
                samples.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                bytes = body.readableBytes
            }
        }
        samples.sort()
        func pct(_ p: Double) -> Double { samples[min(samples.count - 1, Int((Double(samples.count) * p).rounded(.up)) - 1)] }
        let mean = samples.reduce(0, +) / Double(samples.count)
        print(String(format: "{\"p50_ms\": %.2f, \"p99_ms\": %.2f, \"mean_ms\": %.2f, \"max_ms\": %.2f, \"bytes\": %d}", pct(0.5), pct(0.99), mean, samples.last ?? 0, bytes))
    }
}
