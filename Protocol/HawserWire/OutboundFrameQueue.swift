import HawserProtocol
import NIOCore

/// The frames waiting to go out on one connection, written in order by one task of their own.
///
/// Whoever sends (a read loop answering a ping, acknowledging a status or a command; a fan-out)
/// only queues, and never waits for the peer to read. That matters in both directions: if each
/// side's read loop wrote inline, a peer that stopped reading would stop our read loop too, and
/// two such peers with full socket buffers would wait on each other until heartbeats broke the
/// link. The channel's writability paces the writing task (backpressure), so nothing collects
/// below this queue beyond the channel's watermark.
///
/// The queue is bounded by coalescing, not by dropping: a frame whose `key` matches one still
/// queued replaces it where it stands (for frames where only the newest counts: a cumulative
/// `ack`, a `pong`, one app's desired state). Frames without a key are all kept; `send` returns
/// how many frames are waiting, so the owner can decide that a peer reads too slowly.
public actor OutboundFrameQueue {
    /// Frames where only the newest counts share a key; nil keeps every frame.
    public typealias CoalescingKey = @Sendable (Frame) -> String?

    /// At most this many frames go to the channel with one flush.
    static let maximumBatch = 32

    private let outbound: NIOAsyncChannelOutboundWriter<Frame>
    private let key: CoalescingKey
    private var queue: [Frame] = []
    private var writing = false
    private var closed = false

    public init(outbound: NIOAsyncChannelOutboundWriter<Frame>, key: @escaping CoalescingKey) {
        self.outbound = outbound
        self.key = key
    }

    /// Queues `frame` (or lets it replace the queued frame with its key) and returns how many
    /// frames are waiting. Frames sent after the connection failed are dropped.
    @discardableResult
    public func send(_ frame: Frame) -> Int {
        guard !closed else { return 0 }
        // Replaced where it stands, not moved to the end: a command queued after an app's
        // assignment must still reach the peer after that app's (now newer) desired state.
        if let k = key(frame), let i = queue.firstIndex(where: { key($0) == k }) {
            queue[i] = frame
            return queue.count
        }
        queue.append(frame)
        if !writing {
            writing = true
            Task { await self.drain() }
        }
        return queue.count
    }

    /// Drops what is queued and everything sent from now on (the connection is going away).
    public func discard() {
        closed = true
        queue = []
    }

    private func drain() async {
        while !queue.isEmpty && !closed {
            // Several small frames (acks, pongs, a fan-out's assignments) share one flush, so
            // one TLS record and one syscall; the batch is small enough that a few large
            // frames cannot pile up past the channel's watermark.
            let batch = Array(queue.prefix(Self.maximumBatch))
            queue.removeFirst(batch.count)
            do {
                if batch.count == 1 { try await outbound.write(batch[0]) } else { try await outbound.write(contentsOf: batch) }
            } catch {
                discard()
            }
        }
        writing = false
    }
}
