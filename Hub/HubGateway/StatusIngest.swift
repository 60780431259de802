import HawserProtocol

/// One connection's statuses on their way to the store, in batches.
///
/// ```
///   read loop ──submit──▶ [pending] ──take all──▶ store (one write) ──▶ one cumulative ack
/// ```
/// The read loop only appends, so it keeps reading (pings, command acks) while a batch is being
/// stored; everything the agent sent meanwhile is stored by the next write and acknowledged by
/// one `ack` whose `streamSeq` covers it. An agent sending thousands of statuses a second costs
/// a few writes and acks, not one each. The agent's own window (512 unacknowledged) keeps the
/// batch small; one that ignores it is held back when `limit` statuses are waiting (the read
/// loop stops reading, and TCP slows the agent down).
///
/// A batch that cannot be stored ends the connection (`fail`): nothing of it is acknowledged,
/// so the agent sends it again after reconnecting.
actor StatusIngest {
    typealias Store = @Sendable ([AppStatusReport]) async throws(ProtocolError) -> Void

    /// Statuses stored by one write at most: a write must not hold the store's writer long,
    /// and the agent hears of the first ones before the last are stored.
    static let maximumBatch = 64

    let limit: Int
    private let store: Store
    private let acknowledge: @Sendable (Ack) async -> Void
    private let fail: @Sendable (ProtocolError) async -> Void
    private var pending: [(report: AppStatusReport, frameSeq: UInt64)] = []
    private var storing = false
    private var failure: ProtocolError?
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int, store: @escaping Store, acknowledge: @escaping @Sendable (Ack) async -> Void, fail: @escaping @Sendable (ProtocolError) async -> Void) {
        self.limit = limit
        self.store = store
        self.acknowledge = acknowledge
        self.fail = fail
    }

    /// Queues a status; suspends while `limit` are waiting. False once a batch failed (`fail`
    /// has told the agent and is closing the connection): stop reading.
    func submit(_ report: AppStatusReport, frameSeq: UInt64) async -> Bool {
        if failure != nil { return false }
        pending.append((report, frameSeq))
        if !storing {
            storing = true
            Task { await self.storeAll() }
        }
        while pending.count >= limit && failure == nil {
            await withCheckedContinuation { waiting.append($0) }
        }
        return failure == nil
    }

    private func storeAll() async {
        while !pending.isEmpty && failure == nil {
            let batch = Array(pending.prefix(Self.maximumBatch))
            pending.removeFirst(batch.count)
            resumeWaiting()
            do {
                try await store(batch.map(\.report))
            } catch {
                failure = error
                resumeWaiting()
                await fail(error)
                break
            }
            // Cumulative: every position up to the highest of the batch is stored (an agent
            // sends its stream in order). Without a stream, the last frame's `seq` says it all.
            let streamSeq = batch.compactMap(\.report.streamSeq).max()
            await acknowledge(Ack(ackSeq: batch[batch.count - 1].frameSeq, streamSeq: streamSeq))
        }
        storing = false
    }

    private func resumeWaiting() {
        let resumed = waiting
        waiting = []
        for w in resumed { w.resume() }
    }
}
