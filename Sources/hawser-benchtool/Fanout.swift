import AgentLink
import AgentRuntime
import ArgumentParser
import AsyncHTTPClient
import Crypto
import Foundation
import HawserProtocol
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// `make bench`'s Git fan-out measurement against a running hub: registers `clusters` clusters
/// and joins a lightweight agent for each (real TLS link, real frames; it records assignments
/// and applies nothing), creates `apps` applications on one repository spread over the clusters
/// and `paths` directories, waits until every agent holds its assignments, then commits to
/// every directory, sends one signed push webhook, and times until every agent has received the
/// new commit for every app. Prints one JSON object.
struct Fanout: AsyncParsableCommand {
    @Option var api: String
    @Option var token: String
    @Option(help: "Directory for the agents' state.") var workDir: String
    @Option var repo: String
    @Option var webhookSecret: String
    @Option var apps: Int = 1000
    @Option var clusters: Int = 50
    @Option var paths: Int = 10
    @Option(help: "The hub's /metrics URL: fetches and renders are counted around the push.") var metrics: String
    @Flag(help: "Create apps/clusters fleet applications (cluster selector) instead of single-cluster ones: the same number of deployments.") var fleet = false

    func run() async throws {
        var logger = Logger(label: "bench.fanout")
        logger.logLevel = .error
        let client = HTTPClient.shared
        let hubAPI = APIClient(url: api, token: token)

        // Clusters and their agents.
        let counter = Received()
        var links: [Task<Void, Never>] = []
        for c in 0..<clusters {
            let name = "cluster-\(c)"
            let added = try await hubAPI.call(.POST, "/api/v1/clusters", ClusterCreateRequest(name: name, labels: ["bench": "fanout"]), as: ClusterCreateResponse.self)
            let hub = String(added.joinCommand.split(separator: " ").drop { $0 != "--hub" }.dropFirst().first ?? "")
            let state = AgentStateDirectory(path: workDir + "/" + name)
            try FileManager.default.createDirectory(atPath: state.path, withIntermediateDirectories: true)
            let identity = try await AgentJoin.join(hub: hub, token: added.bootstrapToken, caPin: added.caFingerprint, stateDirectory: state)
            let agent = CountingAgent(state: state, clusterId: identity.clusterId, cluster: name, counter: counter)
            let link = HubLink(options: .init(endpoint: try HubEndpoint(identity.hub)), delegate: agent, logger: logger)
            links.append(Task { await link.run() })
        }

        // Applications: `apps` over `clusters` and `paths`.
        let createStart = ContinuousClock.now
        if fleet {
            for i in 0..<(apps / clusters) {
                let spec = AppSpec(name: String(format: "fleet-%04d", i), repoURL: repo, path: "p-\(i % paths)", cluster: "",
                                   namespace: "ns-\(i % 20)", clusterSelector: "bench=fanout")
                _ = try await hubAPI.call(.POST, "/api/v1/applications", spec, as: AppView.self)
            }
        } else {
            for i in 0..<apps {
                let spec = AppSpec(name: String(format: "app-%04d", i), repoURL: repo, path: "p-\(i % paths)", cluster: "cluster-\(i % clusters)",
                                   namespace: "ns-\(i % 20)")
                _ = try await hubAPI.call(.POST, "/api/v1/applications", spec, as: AppView.self)
            }
        }
        let created = ContinuousClock.now - createStart
        try await counter.wait(until: { $0.count == apps }, timeout: .seconds(600))
        let first = counter.snapshot()

        // One commit to every directory, then one signed push webhook.
        let shellRepo = repo
        for p in 0..<paths {
            try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-\(p)\ndata:\n  round: \"\(UUID().uuidString)\"\n"
                .write(toFile: "\(shellRepo)/p-\(p)/settings.yaml", atomically: true, encoding: .utf8)
        }
        let sha = try git(["-C", repo, "add", "-A"]) + git(["-C", repo, "-c", "user.name=Hawser Bench", "-c", "user.email=bench@hawser.invalid", "commit", "-qm", "bench: round 2"])
            + git(["-C", repo, "rev-parse", "HEAD"])
        let newSHA = sha.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = Data(#"{"ref":"refs/heads/main","repository":{"clone_url":"\#(repo)"}}"#.utf8)
        let signature = "sha256=" + HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(webhookSecret.utf8))).map { String(format: "%02x", $0) }.joined()
        var hook = HTTPClientRequest(url: api + "/api/webhook")
        hook.method = .POST
        hook.headers.add(name: "X-GitHub-Event", value: "push")
        hook.headers.add(name: "X-Hub-Signature-256", value: signature)
        hook.body = .bytes(ByteBuffer(data: body))
        let before = try await Self.scrape(metrics)
        let pushed = ContinuousClock.now
        let answer = try await client.execute(hook, timeout: .seconds(30))
        guard answer.status == .ok else { throw ValidationError("webhook refused: \(answer.status)") }
        try await counter.wait(until: { state in state.count == apps && state.values.allSatisfy { $0.revision == newSHA } }, timeout: .seconds(600))
        let fanout = ContinuousClock.now - pushed
        let second = counter.snapshot()
        // Give late counters a moment: assignments are sent after the render is recorded.
        try await Task.sleep(for: .milliseconds(200))
        let after = try await Self.scrape(metrics)
        func delta(_ name: String) -> Double { (after[name] ?? 0) - (before[name] ?? 0) }
        for link in links { link.cancel() }

        func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        let result: [String: Double] = [
            "apps": Double(apps), "clusters": Double(clusters), "paths": Double(paths),
            "create_seconds": ms(created) / 1000,
            "push_to_all_assigned_ms": ms(fanout),
            "assignments_first": Double(first.frames), "assignment_bytes_first": Double(first.bytes),
            "assignments_push": Double(second.frames - first.frames), "assignment_bytes_push": Double(second.bytes - first.bytes),
            "fetches_push": delta("hawser_git_fetches_total"), "fetch_seconds_push": delta("hawser_git_fetch_duration_seconds_sum"),
            "renders_push": delta("hawser_renders_total{cache=\"miss\"}"), "render_cache_hits_push": delta("hawser_renders_total{cache=\"hit\"}"),
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// Sums of the series the benchmark reads, by name (and `{cache="…"}` for renders).
    static func scrape(_ url: String) async throws -> [String: Double] {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 64 << 20))
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let value = Double(parts[parts.count - 1]) else { continue }
            let series = String(parts[0])
            let name = String(series.prefix { $0 != "{" })
            out[name, default: 0] += value
            if name == "hawser_renders_total" {
                out[series.contains("cache=\"hit\"") ? "hawser_renders_total{cache=\"hit\"}" : "hawser_renders_total{cache=\"miss\"}", default: 0] += value
            }
        }
        return out
    }

    func git(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git"] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ValidationError("git \(args.joined(separator: " ")) failed") }
        return String(decoding: data, as: UTF8.self)
    }
}

/// What the bench agents received: per app, the newest revision; frames and bytes overall.
final class Received: Sendable {
    struct Snapshot { var frames: Int; var bytes: Int }
    private let state = Mutex<(apps: [String: (revision: String, generation: Int)], frames: Int, bytes: Int)>(([:], 0, 0))

    func record(_ cluster: String, _ a: Assignment, bytes: Int) {
        state.withLock {
            $0.apps["\(cluster)/\(a.appId)"] = (a.revision, a.generation)
            $0.frames += 1
            $0.bytes += bytes
        }
    }

    func snapshot() -> Snapshot { state.withLock { Snapshot(frames: $0.frames, bytes: $0.bytes) } }

    func wait(until done: ([String: (revision: String, generation: Int)]) -> Bool, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while !state.withLock({ done($0.apps) }) {
            guard ContinuousClock.now < deadline else { throw ValidationError("timed out waiting for assignments") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}

/// An agent that holds assignments and applies nothing.
struct CountingAgent: HubLinkDelegate {
    let state: AgentStateDirectory
    let clusterId: String
    let cluster: String
    let counter: Received

    func credentials() async throws -> LinkCredentials { try state.credentials() }
    func hello() async -> Hello {
        Hello(protocolVersions: ProtocolVersion.supported, agentVersion: "bench", clusterId: clusterId, kubernetesVersion: nil, lastApplied: [:], bundles: [])
    }
    func connected(_ welcome: Welcome, sender: FrameSender) async {}
    func received(_ frame: Frame) async {
        guard case .assignment(let a) = frame else { return }
        let bytes = (try? WireJSON.encoder().encode(a).count) ?? 0
        counter.record(cluster, a, bytes: bytes)
    }
    func disconnected() async {}
}
