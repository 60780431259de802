import CoreMetrics
import Foundation
import HawserMetrics
import HawserWire
import HubStore

/// The hub's Prometheus metrics (`GET /metrics`). Counters and histograms are updated where the
/// work happens; gauges of state (apps by sync and health, connected agents, queue depths) are
/// computed when Prometheus scrapes, from the store and the live sessions, so they cannot drift.
public final class HubMetrics: Sendable {
    public let registry = MetricsRegistry(durationBuckets: [
        "hawser_render_duration_seconds": [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                           .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60)],
        "hawser_git_fetch_duration_seconds": [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                              .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120)],
        "hawser_http_request_duration_seconds": [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                                 .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)],
    ])
    let applications: GaugeFamily
    let clusters: GaugeFamily

    public init() {
        applications = GaugeFamily(registry, name: "hawser_applications", labels: ["project", "cluster", "sync_status", "health_status"])
        clusters = GaugeFamily(registry, name: "hawser_clusters", labels: ["state", "connected"])
    }

    /// Frames in and out on agent connections, by type.
    public var frameObserver: FrameObserver { registry.frameObserver(prefix: "hawser_agent_link") }

    func rendered(_ duration: Duration, result: String) {
        registry.timer("hawser_render_duration_seconds", [("result", result)]).record(duration)
    }

    /// One fetch of a repository into its mirror.
    func fetched(result: String, duration: Duration) {
        registry.counter("hawser_git_fetches_total", [("result", result)]).increment()
        registry.timer("hawser_git_fetch_duration_seconds", [("result", result)]).record(duration)
    }

    /// A render asked of the cache: `hit` (shared with another app or cluster) or `miss` (run).
    func renderLookup(hit: Bool) {
        registry.counter("hawser_renders_total", [("cache", hit ? "hit" : "miss")]).increment()
    }

    /// Statuses from an agent's stream: stored, resends already stored, or about an app gone.
    func statusesDelivered(_ outcomes: [StatusDeliveryOutcome]) {
        var stored = 0, duplicate = 0, skipped = 0
        for outcome in outcomes {
            switch outcome {
            case .stored: stored += 1
            case .duplicate: duplicate += 1
            case .skipped: skipped += 1
            }
        }
        for (result, n) in [("stored", stored), ("duplicate", duplicate), ("skipped", skipped)] where n > 0 {
            registry.counter("hawser_agent_statuses_total", [("result", result)]).increment(by: Int64(n))
        }
    }

    /// Something went wrong that an operator may need to look at: `component` says where.
    public func error(_ component: String) {
        registry.counter("hawser_errors_total", [("component", component)]).increment()
    }

    /// One API request (method and status class only: paths and names would make a series per app).
    public func request(method: String, status: Int, duration: Duration) {
        let code = "\(status / 100)xx"
        registry.counter("hawser_http_requests_total", [("method", method), ("code", code)]).increment()
        registry.timer("hawser_http_request_duration_seconds", [("method", method)]).record(duration)
    }
}



extension Hub {
    /// The exposition, after refreshing the gauges computed from state.
    public func metricsExposition() async -> String {
        do {
            var apps: [[String]: Int] = [:]
            for c in try await statusCounts() where !c.deployment {
                apps[[c.project, c.cluster, c.sync.rawValue, c.health.rawValue], default: 0] += c.count
            }
            metrics.applications.set(apps)
            let connected = Set(await sessions.all().map(\.clusterId))
            var clusterCounts: [[String]: Int] = [:]
            for c in try await store.clusters() {
                clusterCounts[[c.state.rawValue, connected.contains(c.id) ? "true" : "false"], default: 0] += 1
            }
            metrics.clusters.set(clusterCounts)
            metrics.registry.gauge("hawser_agents_connected").record(connected.count)
            metrics.registry.gauge("hawser_refresh_queue_depth").record(await refreshQueue.depth)
            metrics.registry.gauge("hawser_event_stream_subscribers").record(await appEvents.count)
            metrics.registry.gauge("hawser_webhook_deliveries_pending").record(notifier.pending)
            metrics.registry.gauge("hawser_webhook_deliveries_failed").record(notifier.failed)
        } catch {
            metrics.error("metrics")
            logger.warning("cannot compute metrics gauges", metadata: ["error": "\(error)"])
        }
        return metrics.registry.exposition()
    }
}
