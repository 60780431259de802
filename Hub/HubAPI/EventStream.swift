import Foundation
import HawserProtocol
import HubCore
import HubRBAC
import Hummingbird
import ServiceLifecycle
import NIOCore

/// Server-sent events of application changes (`GET /api/v1/stream/applications`): the web UI's
/// live list and `hawser app wait` read it.
///
/// Each event is `event: app` (data: the app's list view as JSON) or `event: deleted` (data:
/// `{"name": …}`), only for apps the caller may `get`. A comment line every 15 s keeps proxies
/// from closing an idle stream. Filtered by one app, the stream starts with its current state.
enum EventStream {
    struct Filter: Sendable {
        var project: String?
        var cluster: String?
        var app: String?

        func matches(name: String, project p: String, cluster c: String) -> Bool {
            (app == nil || app == name) && (project == nil || project == p) && (cluster == nil || cluster == c)
        }
    }

    enum Item: Sendable {
        case event(AppEvent)
        case keepAlive
    }

    static func applications(hub: Hub, caller: Principal, filter: Filter) async throws -> Response {
        var initial: AppView?
        if let app = filter.app {
            let object = try await hub.appObject(app)
            try await hub.authorize(caller, .get, .applications, object)
            initial = try await hub.app(named: app)
        }
        let first = initial
        let (id, events) = await hub.subscribeAppEvents()
        let (items, sink) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingNewest(1000))
        let forward = Task {
            for await e in events { sink.yield(.event(e)) }
            sink.finish()
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(15))
                sink.yield(.keepAlive)
            }
        }
        let encoder = WireJSON.encoder()
        let body = ResponseBody { writer in
            defer {
                forward.cancel()
                ticker.cancel()
                Task { await hub.unsubscribeAppEvents(id) }
            }
            if let first {
                try await writer.write(ByteBuffer(string: "event: app\ndata: \(String(decoding: try encoder.encode(first), as: UTF8.self))\n\n"))
            }
            // A stream never ends by itself: when the hub shuts down it must, or the graceful
            // shutdown would wait for every open browser tab.
            try await withGracefulShutdownHandler {
                for await item in items {
                    switch item {
                    case .keepAlive:
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    case .event(.changed(let view)):
                        guard filter.matches(name: view.spec.name, project: view.spec.project, cluster: view.spec.cluster),
                              (try? await hub.can(caller, .get, .applications, "\(view.spec.project)/\(view.spec.name)")) == true else { continue }
                        try await writer.write(ByteBuffer(string: "event: app\ndata: \(String(decoding: try encoder.encode(view), as: UTF8.self))\n\n"))
                    case .event(.deleted(let name, let project, let cluster)):
                        guard filter.matches(name: name, project: project, cluster: cluster),
                              (try? await hub.can(caller, .get, .applications, "\(project)/\(name)")) == true else { continue }
                        try await writer.write(ByteBuffer(string: "event: deleted\ndata: {\"name\":\"\(name)\"}\n\n"))
                    }
                }
            } onGracefulShutdown: {
                sink.finish()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}
