// Watch support: a bounded history of change events (so clients can resume from a
// resourceVersion, or learn with 410 that it is too old) and the live subscribers, each with its
// own filter. Selector semantics follow the real server: an object that stops matching is sent as
// DELETED, one that starts matching as ADDED.

import HawserProtocol

struct ChangeEvent: Sendable {
    enum Kind: String, Sendable { case added = "ADDED", modified = "MODIFIED", deleted = "DELETED" }
    var kind: Kind
    var resourceVersion: Int
    var resource: GroupResource
    var namespace: String
    var object: JSONValue
    var previous: JSONValue?
}

struct WatchFilter: Sendable {
    var type: ResourceType
    var namespace: String?
    var labelSelector: LabelSelector?
    var fieldSelector: FieldSelector?

    func matches(_ object: JSONValue) -> Bool {
        if let namespace, object[path: ["metadata", "namespace"]]?.stringValue ?? "" != namespace { return false }
        if let labelSelector, !labelSelector.matches(object.labels) { return false }
        if let fieldSelector, !fieldSelector.matches(object) { return false }
        return true
    }

    /// The event this subscriber sees for a change, if any.
    func translate(_ event: ChangeEvent) -> JSONValue? {
        guard event.resource == type.groupResource else { return nil }
        let now = matches(event.object)
        let kind: ChangeEvent.Kind
        switch event.kind {
        case .added:
            guard now else { return nil }
            kind = .added
        case .deleted:
            guard now else { return nil }
            kind = .deleted
        case .modified:
            let before = event.previous.map(matches) ?? false
            switch (before, now) {
            case (true, true): kind = .modified
            case (false, true): kind = .added
            case (true, false): kind = .deleted
            case (false, false): return nil
            }
        }
        return ["type": .string(kind.rawValue), "object": event.object.served(as: type)]
    }
}

struct WatchHub: Sendable {
    struct Subscriber: Sendable {
        var filter: WatchFilter
        var continuation: AsyncStream<JSONValue>.Continuation
    }

    private(set) var history: [ChangeEvent] = []
    /// Events with a resourceVersion at or below this have been dropped from history.
    private(set) var compactedThrough = 0
    let capacity: Int
    private var subscribers: [Int: Subscriber] = [:]
    private var nextID = 0

    /// Events a single watcher may have unread before it is cut off.
    static let subscriberBuffer = 100_000

    init(capacity: Int = 10_000) { self.capacity = capacity }

    mutating func record(_ event: ChangeEvent) {
        history.append(event)
        if history.count > capacity + capacity / 4 {
            let drop = history.count - capacity
            compactedThrough = history[drop - 1].resourceVersion
            history.removeFirst(drop)
        }
        var overflowing: [Int] = []
        for (id, sub) in subscribers {
            if let e = sub.filter.translate(event), case .dropped = sub.continuation.yield(e) {
                overflowing.append(id)
            }
        }
        for id in overflowing { unsubscribe(id) }
    }

    mutating func subscribe(_ filter: WatchFilter, continuation: AsyncStream<JSONValue>.Continuation) -> Int {
        nextID += 1
        subscribers[nextID] = Subscriber(filter: filter, continuation: continuation)
        return nextID
    }

    mutating func unsubscribe(_ id: Int) {
        subscribers.removeValue(forKey: id)?.continuation.finish()
    }

    mutating func closeAll() {
        for sub in subscribers.values { sub.continuation.finish() }
        subscribers = [:]
    }
}

extension JSONValue {
    var labels: [String: String] {
        (self[path: ["metadata", "labels"]]?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    /// The object as served at `type`'s version (CRDs may serve one stored object at several versions).
    func served(as type: ResourceType) -> JSONValue {
        var copy = self
        copy["apiVersion"] = .string(type.apiVersion)
        return copy
    }
}
