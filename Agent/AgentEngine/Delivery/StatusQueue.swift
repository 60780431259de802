import HawserProtocol

/// The statuses an agent has reported and the hub has not acknowledged yet, in stream order.
///
/// Bounded without losing anything that matters: a status that a newer one of the same app
/// makes redundant is compacted away (the hub only ever needs an app's latest state), but a
/// status that ends a sync operation is an event (it becomes a history and audit entry) and is
/// kept until delivered, unless a newer status carries the same operation. Only when the
/// queue is still over its limit are the oldest such events dropped, and then the app's newest
/// status says how many (condition `StatusQueueOverflow`): never silently.
///
/// Pure: the file it lives in is `StatusOutbox`'s business.
public struct StatusQueue: Sendable {
    public struct Entry: Codable, Sendable, Hashable {
        public var seq: UInt64
        public var status: AppStatusReport
        public init(seq: UInt64, status: AppStatusReport) {
            self.seq = seq
            self.status = status
        }
    }

    public let limit: Int
    /// Unacknowledged entries, ascending `seq`.
    public private(set) var entries: [Entry] = []
    /// Everything up to here is acknowledged by the hub.
    public private(set) var acked: UInt64
    /// The next entry's position.
    public private(set) var nextSeq: UInt64
    /// Events dropped for the limit, per app, until a status saying so is acknowledged.
    public private(set) var dropped: [String: Int] = [:]
    /// Dropped since this queue was made (metrics).
    public private(set) var droppedTotal = 0

    public init(limit: Int, acked: UInt64 = 0) {
        self.limit = max(1, limit)
        self.acked = acked
        self.nextSeq = acked + 1
    }

    /// Adds `status` at the next position and returns that position.
    @discardableResult
    public mutating func append(_ status: AppStatusReport) -> UInt64 {
        let seq = nextSeq
        insert(Entry(seq: seq, status: status))
        return seq
    }

    /// Re-adds an entry read back from disk at its recorded position (replay), with the same
    /// compaction as when it was first appended.
    public mutating func replay(_ entry: Entry) {
        guard entry.seq > acked else { return }
        insert(entry)
    }

    private mutating func insert(_ entry: Entry) {
        entries.removeAll { $0.status.appId == entry.status.appId && Self.supersedes(entry.status, $0.status) }
        var e = entry
        if let n = dropped[e.status.appId] { e.status.conditions.append(Self.overflowCondition(n, limit: limit)) }
        entries.append(e)
        nextSeq = max(nextSeq, e.seq + 1)
        enforceLimit()
    }

    /// Drops everything up to `seq`: the hub stored it.
    public mutating func acknowledge(through seq: UInt64) {
        guard seq > acked else { return }
        acked = seq
        for e in entries where e.seq <= seq && e.status.conditions.contains(where: { $0.type == "StatusQueueOverflow" }) {
            dropped[e.status.appId] = nil
        }
        entries.removeAll { $0.seq <= seq }
        nextSeq = max(nextSeq, seq + 1)
    }

    /// The hub holds positions up to `seq` of this stream although this queue never numbered
    /// that far (the agent's state was restored from a backup): renumber what is queued past
    /// it, or the hub would take it for resends.
    public mutating func renumber(after seq: UInt64) {
        guard seq >= nextSeq - 1 else { return }
        var next = seq + 1
        for i in entries.indices {
            entries[i].seq = next
            next += 1
        }
        acked = max(acked, seq)
        nextSeq = next
    }

    /// Entries after `seq`, at most `limit`, in order.
    public func entries(after seq: UInt64, limit: Int) -> ArraySlice<Entry> {
        let start = entries.firstIndex { $0.seq > seq } ?? entries.endIndex
        return entries[start..<min(entries.endIndex, start + max(0, limit))]
    }

    /// Whether `newer` makes `older` (same app) redundant: the hub needs an app's latest
    /// state only, but each finished operation once.
    public static func supersedes(_ newer: AppStatusReport, _ older: AppStatusReport) -> Bool {
        guard let op = older.operation, op.phase != .running else { return true }
        guard let carried = newer.operation else { return false }
        return carried.revision == op.revision && carried.startedAt == op.startedAt && carried.retryCount == op.retryCount && carried.phase == op.phase
    }

    static func overflowCondition(_ n: Int, limit: Int) -> AppCondition {
        AppCondition(type: "StatusQueueOverflow", message:
            "\(n) earlier sync result(s) of this app were dropped on the agent while the hub was unreachable (queue limit \(limit)); its history misses them, the current status is complete")
    }

    private mutating func enforceLimit() {
        guard entries.count > limit else { return }
        // Newest entry per app is kept as long as possible; older events go first.
        var newest: [String: UInt64] = [:]
        for e in entries { newest[e.status.appId] = e.seq }
        var excess = entries.count - limit
        var keep: [Entry] = []
        keep.reserveCapacity(entries.count)
        for e in entries {
            if excess > 0 && newest[e.status.appId] != e.seq {
                dropped[e.status.appId, default: 0] += 1
                droppedTotal += 1
                excess -= 1
            } else {
                keep.append(e)
            }
        }
        // More apps than the limit: the oldest apps' statuses go (each is reported again on
        // the app's next reconciliation).
        while keep.count > limit {
            let e = keep.removeFirst()
            dropped[e.status.appId, default: 0] += 1
            droppedTotal += 1
        }
        // Say so on the newest status still queued of each app that lost something.
        for i in keep.indices {
            if let n = dropped[keep[i].status.appId], newest[keep[i].status.appId] == keep[i].seq {
                keep[i].status.conditions.removeAll { $0.type == "StatusQueueOverflow" }
                keep[i].status.conditions.append(Self.overflowCondition(n, limit: limit))
            }
        }
        entries = keep
    }
}
