import CoreMetrics
import HawserMetrics
import HawserProtocol
import HawserWire

/// The agent's Prometheus metrics (`hawser-agent run --metrics-address`). Reconcile durations,
/// syncs, errors and frames are counted as they happen; apps by sync and health, the queue of
/// pending reconciles and the connection state are read from the reconciler when scraped.
public final class AgentMetrics: Sendable {
    public let registry = MetricsRegistry(durationBuckets: [
        "hawser_agent_reconcile_duration_seconds": [.milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                                                    .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
                                                    .seconds(60), .seconds(300)],
    ])
    let applications: GaugeFamily

    public init() {
        applications = GaugeFamily(registry, name: "hawser_agent_applications", labels: ["sync_status", "health_status"])
    }

    public var frameObserver: FrameObserver { registry.frameObserver(prefix: "hawser_agent_link") }

    func reconciled(_ duration: Duration, trigger: String) {
        registry.timer("hawser_agent_reconcile_duration_seconds", [("trigger", trigger)]).record(duration)
    }

    func synced(_ phase: OperationPhase) {
        registry.counter("hawser_agent_syncs_total", [("phase", phase.rawValue)]).increment()
        if phase != .succeeded { error("sync") }
    }

    /// `kind`: comparison (invalid manifests), invalid_spec (project rules), sync.
    func error(_ kind: String) {
        registry.counter("hawser_agent_errors_total", [("kind", kind)]).increment()
    }
}

extension Reconciler {
    /// The exposition, after refreshing the gauges read from this reconciler.
    public func metricsExposition() -> String {
        var apps: [[String]: Int] = [:]
        for s in statuses.values { apps[[s.sync.rawValue, s.health.rawValue], default: 0] += 1 }
        metrics.applications.set(apps)
        metrics.registry.gauge("hawser_agent_assignments").record(snapshot.assignments.count)
        metrics.registry.gauge("hawser_agent_reconcile_queue_depth").record(pending.count)
        metrics.registry.gauge("hawser_agent_connected").record(sender == nil ? 0 : 1)
        metrics.registry.gauge("hawser_agent_status_queue_length").record(outbox.count)
        metrics.registry.gauge("hawser_agent_status_queue_dropped").record(outbox.droppedTotal)
        return metrics.registry.exposition()
    }
}
