import CoreMetrics
import HawserWire
import Prometheus
import Synchronization

/// One component's metrics: swift-metrics instruments made by a Prometheus factory over a
/// registry of its own, rendered in Prometheus' text format for `/metrics`.
///
/// Why not `MetricsSystem.bootstrap`: that is once per process, and tests run several hubs and
/// agents in one process; each must count only its own work. Production code asks this type
/// for instruments instead of the global factory.
public final class MetricsRegistry: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    /// `durationBuckets`: histogram buckets per timer name (the factory's default stops at
    /// 10 s, too short for a reconcile with sync waves).
    public init(durationBuckets: [String: [Duration]] = [:]) {
        registry = PrometheusCollectorRegistry()
        var f = PrometheusMetricsFactory(registry: registry)
        f.durationHistogramBuckets = durationBuckets
        factory = f
    }

    public func counter(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: name, dimensions: dimensions, factory: factory)
    }

    /// A value that goes up and down (connected agents, queue depth).
    public func gauge(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: name, dimensions: dimensions, factory: factory)
    }

    /// A duration histogram, in seconds.
    public func timer(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Timer {
        CoreMetrics.Timer(label: name, dimensions: dimensions, factory: factory)
    }

    /// The Prometheus text exposition format (version 0.0.4).
    public func exposition() -> String { registry.emitToString() }

    /// Counts frames and their bytes by direction and type (`<prefix>_frames_total`,
    /// `<prefix>_frame_bytes_total`).
    /// Frame types of this protocol version; any other type is counted as `unknown`, so a
    /// peer that has not even authenticated cannot mint label values (one series each).
    static let frameTypes: Set<String> = ["hello", "welcome", "join", "assignment", "unassign", "status", "ack", "ping", "pong",
                                          "command", "renew", "certificate", "error", "bye"]

    public func frameObserver(prefix: String) -> FrameObserver {
        FrameObserver { [self] direction, type, bytes in
            let label = Self.frameTypes.contains(type) ? type : "unknown"
            counter("\(prefix)_frames_total", [("direction", direction.rawValue), ("type", label)]).increment()
            counter("\(prefix)_frame_bytes_total", [("direction", direction.rawValue)]).increment(by: bytes)
        }
    }
}

/// Gauges computed when scraped (apps by sync and health, connected agents) need label sets
/// that disappear to read 0 rather than keep their last value: this remembers which were set.
public final class GaugeFamily: Sendable {
    let metrics: MetricsRegistry
    let name: String
    private let seen = Mutex<Set<[String]>>([])
    let labelNames: [String]

    public init(_ metrics: MetricsRegistry, name: String, labels: [String]) {
        self.metrics = metrics
        self.name = name
        self.labelNames = labels
    }

    /// Sets every given label set to its value and removes the series of label sets that are
    /// gone (a deleted project or cluster must not be exported forever). One update at a time,
    /// so two concurrent scrapes cannot interleave their values.
    public func set(_ values: [[String]: Int]) {
        seen.withLock { s in
            for key in s where values[key] == nil { gauge(key).destroy() }
            for (key, value) in values { gauge(key).record(value) }
            s = Set(values.keys)
        }
    }

    private func gauge(_ key: [String]) -> CoreMetrics.Gauge {
        metrics.gauge(name, Array(zip(labelNames, key)))
    }
}

extension CoreMetrics.Timer {
    /// Records a measured `Duration` (swift-metrics' own takes nanoseconds).
    public func record(_ duration: Duration) {
        recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
