import Logging
import ServiceLifecycle

/// Re-reads every application's revision on an interval (Argo CD's 3-minute poll by default).
/// `hawser app refresh` short-cuts the wait for one app.
public struct GitPoller: Service {
    let hub: Hub

    public init(hub: Hub) { self.hub = hub }

    public func run() async throws {
        let interval = hub.configuration.pollInterval
        try? await cancelWhenGracefulShutdown {
            await hub.refreshAll()
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await hub.refreshAll()
            }
        }
    }
}
