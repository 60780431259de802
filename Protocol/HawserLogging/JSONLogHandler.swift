import Foundation
import Logging

/// One JSON object per line on standard error, for log pipelines (Loki, Elasticsearch, Cloud
/// Logging): `{"time":…,"level":…,"logger":…,"message":…,"source":…, <metadata>}`.
///
/// Shared by the hub and the agent (`--log-format json`), so one parser reads both. Metadata
/// keys become top-level fields; the fixed fields win a clash. Values are strings, except
/// nested metadata, which stays nested.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    let label: String
    private static let lock = NSLock()

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
                    file: String, function: String, line: UInt) {
        var object: [String: Any] = [:]
        for (k, v) in metadata.merging(explicit ?? [:], uniquingKeysWith: { _, new in new }) { object[k] = Self.plain(v) }
        object["time"] = Self.timestamp()
        object["level"] = level.rawValue
        object["logger"] = label
        object["message"] = message.description
        object["source"] = source
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        data.append(0x0A)
        Self.lock.lock()
        FileHandle.standardError.write(data)
        Self.lock.unlock()
    }

    static func plain(_ v: Logger.Metadata.Value) -> Any {
        switch v {
        case .string(let s): return s
        case .stringConvertible(let c): return c.description
        case .array(let a): return a.map(plain)
        case .dictionary(let d): return d.mapValues(plain)
        }
    }

    static func timestamp() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }
}

/// `--log-format`: `text` (swift-log's default lines) or `json` (one object per line).
public enum LogFormat: String, CaseIterable, Sendable {
    case text, json

    /// Installs the process-wide log handler once, at start.
    public func bootstrap(level: Logger.Level) {
        switch self {
        case .text: LoggingSystem.bootstrap { var h = StreamLogHandler.standardError(label: $0); h.logLevel = level; return h }
        case .json: LoggingSystem.bootstrap { var h = JSONLogHandler(label: $0); h.logLevel = level; return h }
        }
    }
}
