import AsyncHTTPClient
import Crypto
import Foundation
import Synchronization
import Logging
import NIOCore

/// Where and what to send: a URL, the events it wants, and the secret its signatures use.
public struct WebhookConfiguration: Sendable, Hashable {
    public static let events: Set<String> = ["on-deployed", "on-sync-failed", "on-health-degraded"]

    public var url: String
    public var events: Set<String>
    public var secret: String?

    public init(url: String, events: Set<String> = WebhookConfiguration.events, secret: String? = nil) {
        self.url = url
        self.events = events
        self.secret = secret
    }

    /// `URL[;events=a,b][;secret-file=PATH]`, the hub's `--webhook` flag.
    public static func parse(_ flag: String) throws -> WebhookConfiguration {
        let parts = flag.split(separator: ";").map { String($0).trimmingCharacters(in: .whitespaces) }
        guard let url = parts.first, url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw WebhookError("--webhook \(flag): start with the http(s) URL, e.g. https://chat.example.com/hook;events=on-sync-failed;secret-file=/etc/hawser/hook")
        }
        var config = WebhookConfiguration(url: url)
        for option in parts.dropFirst() {
            let kv = option.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw WebhookError("--webhook option \"\(option)\": expected key=value") }
            switch kv[0] {
            case "events":
                let wanted = Set(kv[1].split(separator: ",").map { String($0) })
                let unknown = wanted.subtracting(Self.events)
                guard unknown.isEmpty else { throw WebhookError("--webhook events \(unknown.sorted()): known are \(Self.events.sorted().joined(separator: ", "))") }
                config.events = wanted
            case "secret-file":
                do { config.secret = try String(contentsOfFile: kv[1], encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) } catch {
                    throw WebhookError("--webhook secret-file \(kv[1]) cannot be read: \(error.localizedDescription)")
                }
            default:
                throw WebhookError("--webhook option \(kv[0]): known are events and secret-file")
            }
        }
        return config
    }
}

public struct WebhookError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Outbound notifications: a JSON POST per event to every webhook that wants it, signed with
/// HMAC-SHA256 of the body (`X-Hawser-Signature-256: sha256=<hex>`, as GitHub signs its
/// webhooks) so receivers can tell the hub's calls from forgeries. A failed delivery (an error
/// or a status outside 2xx) is tried again with exponential backoff, with the same delivery id
/// (`X-Hawser-Delivery`) so receivers can drop duplicates. Deliveries run in the background:
/// a slow receiver never delays the hub.
public struct WebhookNotifier: Sendable {
    public let hooks: [WebhookConfiguration]
    let attempts: Int
    let firstBackoff: Duration
    let logger: Logger
    let counts = DeliveryCounts()

    /// Deliveries not yet done (including those waiting to retry), for the hub's metrics.
    public var pending: Int { counts.value.withLock { $0.pending } }
    /// Deliveries given up after every attempt failed.
    public var failed: Int { counts.value.withLock { $0.failed } }

    public init(hooks: [WebhookConfiguration], attempts: Int = 5, firstBackoff: Duration = .seconds(1), logger: Logger = Logger(label: "hawser.webhooks")) {
        self.hooks = hooks
        self.attempts = attempts
        self.firstBackoff = firstBackoff
        self.logger = logger
    }

    /// Sends `payload` (already JSON) for `event` to every interested hook.
    public func notify(event: String, payload: Data) {
        for hook in hooks where hook.events.contains(event) {
            let delivery = UUID().uuidString.lowercased()
            counts.value.withLock { $0.pending += 1 }
            Task {
                let ok = await deliver(hook, event: event, delivery: delivery, payload: payload)
                counts.value.withLock { $0.pending -= 1; if !ok { $0.failed += 1 } }
            }
        }
    }

    /// True when the receiver took it.
    func deliver(_ hook: WebhookConfiguration, event: String, delivery: String, payload: Data) async -> Bool {
        var backoff = firstBackoff
        for attempt in 1...attempts {
            var request = HTTPClientRequest(url: hook.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "hawser-hub")
            request.headers.add(name: "X-Hawser-Event", value: event)
            request.headers.add(name: "X-Hawser-Delivery", value: delivery)
            if let secret = hook.secret { request.headers.add(name: "X-Hawser-Signature-256", value: "sha256=" + Self.signature(payload, secret: secret)) }
            request.body = .bytes(ByteBuffer(bytes: payload))
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 1 << 16)
                if (200..<300).contains(response.status.code) { return true }
                logger.warning("webhook refused", metadata: ["url": "\(hook.url)", "event": "\(event)", "status": "\(response.status.code)", "attempt": "\(attempt)"])
            } catch {
                logger.warning("webhook failed", metadata: ["url": "\(hook.url)", "event": "\(event)", "error": "\(error)", "attempt": "\(attempt)"])
            }
            guard attempt < attempts else { break }
            try? await Task.sleep(for: backoff)
            backoff *= 2
        }
        logger.error("webhook given up", metadata: ["url": "\(hook.url)", "event": "\(event)", "delivery": "\(delivery)"])
        return false
    }

    /// Lowercase hex HMAC-SHA256 of the body with the hook's secret.
    public static func signature(_ body: Data, secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8))).map { String(format: "%02x", $0) }.joined()
    }
}

final class DeliveryCounts: Sendable {
    let value = Mutex((pending: 0, failed: 0))
}
