import AsyncHTTPClient
import Foundation
import HawserMetrics
import HawserProtocol
import Testing

/// What operators wire into their platform: a readiness probe and machine-readable logs.
@Suite struct OperabilityTests {
    @Test func readyzSaysReadyWhenTheStoreAnswersAndThePolicyIsValid() async throws {
        let h = try await HubHarness.start()
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: h.apiURL + "/readyz"), timeout: .seconds(10))
        #expect(response.status.code == 200)
        #expect(String(buffer: try await response.body.collect(upTo: 1024)) == "ready\n")
        await h.stop()
    }

    @Test func theHubLogsOneJSONObjectPerLineWhenAsked() async throws {
        let dir = tempDirectory("json-logs")
        let hub = try Proc.binary("hawser-hub")
        // Started, then interrupted: it logs its start and its graceful shutdown.
        let out = try await Proc.run("sh", ["-c", "timeout -s INT 5 \"$0\" --data-dir \"$1\" --api-address 127.0.0.1:0 --agent-address 127.0.0.1:0 --log-format json 2>&1 >/dev/null", hub, dir])
        let lines = out.stdout.split(separator: "\n").filter { !$0.isEmpty }
        #expect(!lines.isEmpty, "no log lines: \(out.stdout) \(out.stderr)")
        for line in lines {
            let object = try JSONValue.parse(Array(line.utf8))
            #expect(object["level"]?.stringValue != nil && object["message"]?.stringValue != nil && object["time"]?.stringValue != nil, "\(line)")
        }
        #expect(lines.contains { $0.contains("Server started and listening") })
        let bad = try await Proc.run(hub, ["--data-dir", dir, "--log-format", "xml"])
        #expect(!bad.ok && bad.stderr.contains("--log-format must be text or json"), "\(bad.stderr)")
    }

    /// Prometheus scrapes the hub's `/metrics` (no credentials) and the agent's: apps by sync
    /// and health, connected agents, frames, renders, reconciles and API requests.
    @Test func hubAndAgentExposePrometheusMetrics() async throws {
        let s = try await ClusterSetup.start("metered", hub: { $0.metrics = ("127.0.0.1", 0) })
        let metricsURL = "http://127.0.0.1:\(try #require(s.hub.server.metricsPort))/metrics"
        let repo = try await TestRepo.create(files: ["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop\ndata:\n  a: b\n"])
        let r = try await s.hub.cli("app", "create", "shop", "--repo", repo.path, "--path", "app", "--cluster", "metered", "--namespace", "default", "--auto-sync")
        #expect(r.ok, "\(r.stderr)")
        try await eventually("shop synced") { try await s.app("shop").sync == .synced }

        var hubText = ""
        try await eventually("the hub's gauges show the synced app") {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: metricsURL), timeout: .seconds(10))
            hubText = String(buffer: try await response.body.collect(upTo: 1 << 20))
            return response.status.code == 200
                && sample(hubText, "hawser_applications", ["project": "default", "cluster": "metered", "sync_status": "Synced"]) == 1
        }
        #expect(sample(hubText, "hawser_agents_connected", [:]) == 1, "\(hubText)")
        #expect(sample(hubText, "hawser_clusters", ["state": "registered", "connected": "true"]) == 1)
        #expect((sample(hubText, "hawser_render_duration_seconds_count", ["result": "succeeded"]) ?? 0) >= 1)
        #expect((sample(hubText, "hawser_agent_link_frames_total", ["direction": "in", "type": "status"]) ?? 0) >= 1)
        #expect((sample(hubText, "hawser_agent_link_frames_total", ["direction": "out", "type": "assignment"]) ?? 0) >= 1)
        #expect((sample(hubText, "hawser_http_requests_total", ["method": "POST", "code": "2xx"]) ?? 0) >= 1)
        #expect(hubText.contains("# TYPE hawser_render_duration_seconds histogram"))
        // Not on the API port users reach.
        let onAPI = try await HTTPClient.shared.execute(HTTPClientRequest(url: s.hub.apiURL + "/metrics"), timeout: .seconds(10))
        #expect(onAPI.status.code == 404)

        let agentText = await s.agent.runner.reconciler.metricsExposition()
        #expect(sample(agentText, "hawser_agent_applications", ["sync_status": "Synced"]) == 1, "\(agentText)")
        #expect(sample(agentText, "hawser_agent_connected", [:]) == 1)
        #expect(sample(agentText, "hawser_agent_assignments", [:]) == 1)
        #expect((sample(agentText, "hawser_agent_reconcile_duration_seconds_count", ["trigger": "assigned"]) ?? 0) >= 1)
        #expect((sample(agentText, "hawser_agent_syncs_total", ["phase": "Succeeded"]) ?? 0) >= 1)
        #expect((sample(agentText, "hawser_agent_link_frames_total", ["direction": "out", "type": "status"]) ?? 0) >= 1)

        // The agent's endpoint (`--metrics-address`) serves the same over HTTP.
        let server = try await MetricsHTTPServer.start(host: "127.0.0.1", port: 0) { await s.agent.runner.reconciler.metricsExposition() }
        let port = server.localAddress?.port ?? 0
        let scraped = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(10))
        #expect(scraped.status.code == 200 && scraped.headers.first(name: "content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(String(buffer: try await scraped.body.collect(upTo: 1 << 20)).contains("hawser_agent_connected 1"))
        let missing = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/nope"), timeout: .seconds(10))
        #expect(missing.status.code == 404)
        await server.close()
        await s.stop()
    }
}

/// Metric labels come from a fixed vocabulary: a peer that has not authenticated cannot add
/// series (memory) by sending frames of made-up types, and gone label sets are removed.
@Suite struct MetricsCardinalityTests {
    @Test func unknownFrameTypesAreCountedAsUnknown() {
        let metrics = MetricsRegistry()
        let observer = metrics.frameObserver(prefix: "t")
        observer.observe(.inbound, "status", 10)
        for i in 0..<50 { observer.observe(.inbound, "junk-\(i)", 10) }
        let text = metrics.exposition()
        #expect(!text.contains("junk-"))
        #expect(sample(text, "t_frames_total", ["direction": "in", "type": "unknown"]) == 50)
        #expect(sample(text, "t_frames_total", ["direction": "in", "type": "status"]) == 1)
    }

    @Test func labelSetsThatAreGoneAreRemoved() {
        let metrics = MetricsRegistry()
        let family = GaugeFamily(metrics, name: "t_apps", labels: ["project"])
        family.set([["a"]: 1, ["b"]: 2])
        #expect(sample(metrics.exposition(), "t_apps", ["project": "b"]) == 2)
        family.set([["a"]: 3])
        let text = metrics.exposition()
        #expect(sample(text, "t_apps", ["project": "a"]) == 3)
        #expect(!text.contains("project=\"b\""), "\(text)")
    }
}

/// The value of the sample `name{labels…}` in a Prometheus exposition, when exactly one matches.
func sample(_ text: String, _ name: String, _ labels: [String: String]) -> Double? {
    let matches = text.split(separator: "\n").filter { line in
        guard line.hasPrefix(name + "{") || line.hasPrefix(name + " ") else { return false }
        return labels.allSatisfy { line.contains("\($0.key)=\"\($0.value)\"") }
    }
    guard matches.count == 1, let value = matches[0].split(separator: " ").last else { return nil }
    return Double(value)
}
