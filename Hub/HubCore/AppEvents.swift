import Foundation
import HawserProtocol

/// A change to an application, as the event stream (`/api/v1/stream/applications`) tells it.
public enum AppEvent: Sendable {
    case changed(AppView)
    case deleted(name: String, project: String, cluster: String)
}

/// Fans application changes out to every open event stream. Each subscriber has a bounded
/// buffer (the newest 1,000 events): a stalled browser loses old events, the hub never grows
/// without bound. Streams are for live views; the list endpoint is the source of truth.
actor AppEventHub {
    private var subscribers: [UUID: AsyncStream<AppEvent>.Continuation] = [:]

    func subscribe() -> (UUID, AsyncStream<AppEvent>) {
        let (stream, continuation) = AsyncStream.makeStream(of: AppEvent.self, bufferingPolicy: .bufferingNewest(1000))
        let id = UUID()
        subscribers[id] = continuation
        return (id, stream)
    }

    func unsubscribe(_ id: UUID) {
        subscribers.removeValue(forKey: id)?.finish()
    }

    func publish(_ event: AppEvent) {
        for c in subscribers.values { c.yield(event) }
    }

    var count: Int { subscribers.count }
}

extension Hub {
    /// Subscribes to application changes; call `unsubscribe` with the id when done.
    public func subscribeAppEvents() async -> (id: UUID, events: AsyncStream<AppEvent>) {
        await appEvents.subscribe()
    }

    public func unsubscribeAppEvents(_ id: UUID) async {
        await appEvents.unsubscribe(id)
    }

    /// Publishes the app's current list view (or its deletion) to the event streams.
    func publishApp(_ name: String) async {
        // Every status report ends here: without listeners, no query.
        guard await appEvents.count > 0 else { return }
        // A fleet deployment changes its fleet application's row.
        let listed = Self.listedName(name)
        guard let row = try? await store.appListings(.init(namePrefix: listed), afterName: nil, limit: 1).first, row.app.name == listed,
              let view = try? await listViews([row]).first else { return }
        await appEvents.publish(.changed(view))
    }
}
