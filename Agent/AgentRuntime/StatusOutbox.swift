import AgentEngine
import AgentLink
import Foundation
import HawserProtocol
import HawserWire
import Logging
import Synchronization

/// The agent's status stream on disk (`<state>/outbox.ndjson`): every status is queued here
/// first and sent from here, so statuses reported while the hub is unreachable, or not yet
/// acknowledged when the link or the agent died, are delivered after the reconnect, in order,
/// and the hub stores each once (PROTOCOL.md, Delivery).
///
/// The file is append-only between rewrites: a header with the stream id, one line per status,
/// one line per acknowledgement. It is rewritten (to a temporary file, synced, renamed) on
/// start and whenever it holds twice what is live, so a crash in the middle of a line loses at
/// most that line, and it never grows past what the queue's limit allows.
public final class StatusOutbox: Sendable {
    struct Header: Codable {
        var stream: String
        var acked: UInt64
    }
    struct Line: Codable {
        var seq: UInt64?
        var status: AppStatusReport?
        var ack: UInt64?
        var stream: String?
        var acked: UInt64?
    }
    struct State {
        var queue: StatusQueue
        var stream: String
        var file: FileHandle?
        var lines = 0
        var lastDropped = 0
    }

    public let path: String
    let logger: Logger
    private let state: Mutex<State>
    /// Wakes the running pump (one per connection; a cancelled pump's stream ends with it).
    private let waker = Mutex<AsyncStream<Void>.Continuation?>(nil)

    /// Loads the queue kept at `path` (a new stream if there is none or it cannot be read).
    public init(path: String, limit: Int, logger: Logger) {
        self.path = path
        self.logger = logger
        var queue = StatusQueue(limit: limit)
        var stream = UUID().uuidString.lowercased()
        var corrupt = 0
        if let data = FileManager.default.contents(atPath: path) {
            let decoder = WireJSON.decoder()
            for raw in data.split(separator: UInt8(ascii: "\n")) {
                guard let line = try? decoder.decode(Line.self, from: Data(raw)) else {
                    corrupt += 1  // a line cut short by a crash
                    continue
                }
                if let s = line.stream {
                    stream = s
                    queue = StatusQueue(limit: limit, acked: line.acked ?? 0)
                } else if let seq = line.seq, let status = line.status {
                    queue.replay(.init(seq: seq, status: status))
                } else if let ack = line.ack {
                    queue.acknowledge(through: ack)
                }
            }
        }
        if corrupt > 0 {
            logger.warning("status queue: skipped unreadable lines (cut short by a crash?)", metadata: ["file": "\(path)", "lines": "\(corrupt)"])
        }
        state = Mutex(State(queue: queue, stream: stream))
        state.withLock { rewrite(&$0) }
    }

    /// The stream id for `hello`.
    public var stream: String { state.withLock { $0.stream } }
    /// Statuses queued and not yet acknowledged.
    public var count: Int { state.withLock { $0.queue.entries.count } }
    public var ackedSeq: UInt64 { state.withLock { $0.queue.acked } }
    /// Statuses dropped for the queue's limit since the agent started.
    public var droppedTotal: Int { state.withLock { $0.queue.droppedTotal } }

    /// Queues a status; the pump sends it when the hub is reachable.
    public func append(_ status: AppStatusReport) {
        state.withLock { s in
            let seq = s.queue.append(status)
            if s.queue.droppedTotal != s.lastDropped {
                // Logged once per hundred: a long outage must not flood the log.
                if s.queue.droppedTotal / 100 != s.lastDropped / 100 || s.lastDropped == 0 {
                    logger.error("status queue full: dropped the oldest sync results (the app's status says so)", metadata: ["limit": "\(s.queue.limit)", "droppedTotal": "\(s.queue.droppedTotal)"])
                }
                s.lastDropped = s.queue.droppedTotal
            }
            // Appended as given: replaying the file applies the same compaction and limit, so
            // the queue read back is this one (drops included) without rewriting it per drop.
            if let entry = s.queue.entries.last, entry.seq == seq {
                write(&s, Line(seq: seq, status: status))
            }
        }
        wake()
    }

    /// The hub stored everything up to `seq`.
    public func acknowledge(through seq: UInt64) {
        state.withLock { s in
            guard seq > s.queue.acked else { return }
            s.queue.acknowledge(through: seq)
            write(&s, Line(ack: seq))
        }
        wake()
    }

    /// After `welcome`: drop what the hub already has; renumber if it has more than we ever
    /// sent (a state directory restored from a backup). Returns true when the hub has less
    /// than it acknowledged before (its store was restored): the caller reports every app's
    /// current status again.
    public func resume(hubHas seq: UInt64) -> Bool {
        state.withLock { s in
            let forgot = seq < s.queue.acked
            if seq >= s.queue.nextSeq {
                s.queue.renumber(after: seq)
                rewrite(&s)
            } else if seq > s.queue.acked {
                s.queue.acknowledge(through: seq)
                write(&s, Line(ack: seq))
            }
            return forgot
        }
    }

    public func entries(after seq: UInt64, limit: Int) -> [StatusQueue.Entry] {
        state.withLock { Array($0.queue.entries(after: seq, limit: limit)) }
    }

    /// Sends queued statuses in order over `sender` until cancelled, at most `window` ahead of
    /// the hub's acknowledgements (backpressure: a slow hub slows the agent's sending, nothing
    /// piles up in socket buffers). With a hub that predates streams (`legacy`), a status
    /// counts as delivered once written.
    public func pump(_ sender: FrameSender, from position: UInt64, window: Int = 512, legacy: Bool = false) async {
        let (wakeups, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        waker.withLock { $0?.finish(); $0 = continuation }
        defer { continuation.finish() }
        var cursor = position
        var iterator = wakeups.makeAsyncIterator()
        while !Task.isCancelled {
            let inFlight = state.withLock { s in s.queue.entries.prefix { $0.seq <= cursor }.count }
            let batch = entries(after: cursor, limit: window - inFlight)
            for e in batch {
                var status = e.status
                status.streamSeq = e.seq
                do { try await sender.send(.status(status)) } catch { return }
                cursor = e.seq
                if legacy { acknowledge(through: e.seq) }
            }
            if batch.isEmpty || inFlight + batch.count >= window {
                guard await iterator.next() != nil else { return }
            }
        }
    }

    private func wake() { waker.withLock { _ = $0?.yield() } }

    // MARK: File

    private func write(_ s: inout State, _ line: Line) {
        guard let file = s.file else {
            rewrite(&s)  // the disk failed earlier: try again (the queue in memory is complete)
            return
        }
        guard let data = try? WireJSON.encoder().encode(line) else { return }
        do {
            try file.write(contentsOf: data + [UInt8(ascii: "\n")])
            s.lines += 1
        } catch {
            logger.error("cannot write the status queue; it is kept in memory", metadata: ["file": "\(path)", "error": "\(error)"])
        }
        if s.lines > 2 * s.queue.entries.count + 1000 { rewrite(&s) }
    }

    /// Writes the live queue to a new file and swaps it in.
    private func rewrite(_ s: inout State) {
        try? s.file?.close()
        s.file = nil
        let encoder = WireJSON.encoder()
        var out = Data()
        if let header = try? encoder.encode(Line(stream: s.stream, acked: s.queue.acked)) { out += header + [UInt8(ascii: "\n")] }
        for e in s.queue.entries {
            if let d = try? encoder.encode(Line(seq: e.seq, status: e.status)) { out += d + [UInt8(ascii: "\n")] }
        }
        do {
            try SecretFile.write(String(decoding: out, as: UTF8.self), to: path)
            s.file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try s.file?.seekToEnd()
            s.lines = 1 + s.queue.entries.count
        } catch {
            logger.error("cannot write the status queue; it is kept in memory until the disk is writable", metadata: ["file": "\(path)", "error": "\(error)"])
        }
    }
}

extension StatusOutbox.Line {
    init(seq: UInt64, status: AppStatusReport) { self.init(seq: seq, status: status, ack: nil, stream: nil, acked: nil) }
    init(ack: UInt64) { self.init(seq: nil, status: nil, ack: ack, stream: nil, acked: nil) }
    init(stream: String, acked: UInt64) { self.init(seq: nil, status: nil, ack: nil, stream: stream, acked: acked) }
}
