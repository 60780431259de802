import HubStore

/// Group commit for statuses from agent streams: statuses that arrive while a write is running
/// wait for the next one and go in together, one transaction each. A thousand agents reporting
/// at once cost a few transactions (and fsyncs), not a thousand; a lone status is written at
/// once. Each caller gets its own status's outcome, after its transaction committed, so an
/// `ack` is only ever sent for what is on disk.
actor StatusIngest {
    private typealias Waiter = CheckedContinuation<StatusDeliveryOutcome, any Error>
    private var queue: [(StatusDelivery, Waiter)] = []
    private var writing = false
    let store: any HubStore
    let maximumBatch: Int

    init(store: any HubStore, maximumBatch: Int = 2000) {
        self.store = store
        self.maximumBatch = maximumBatch
    }

    func submit(_ delivery: StatusDelivery) async throws -> StatusDeliveryOutcome {
        try await withCheckedThrowingContinuation { (waiter: Waiter) in
            queue.append((delivery, waiter))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !queue.isEmpty {
            let batch = Array(queue.prefix(maximumBatch))
            queue.removeFirst(batch.count)
            do {
                let outcomes = try await store.saveStatuses(batch.map(\.0))
                for (item, outcome) in zip(batch, outcomes) { item.1.resume(returning: outcome) }
            } catch {
                for item in batch { item.1.resume(throwing: error) }
            }
        }
        writing = false
    }
}
