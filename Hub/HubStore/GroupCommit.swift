import GRDB
import Synchronization

/// Group commit for every write of the hub's store: writes that arrive while a transaction is
/// being committed wait for the next one and share it, each in a savepoint of its own. A lone
/// write goes at once; a burst (a fleet's thousand deployments rendered, thousands of agent
/// statuses) costs a few commits, each one fsync, instead of one per write.
///
/// Each write still succeeds or fails on its own: a write that throws rolls back to its
/// savepoint and only its caller sees the error. Callers hear of success only after the shared
/// transaction committed, so nothing is reported written that is not on disk. If the commit
/// itself fails (the disk filled up), the writes run again one by one, each with its own result.
final class GroupCommit: Sendable {
    /// One write: runs inside the shared transaction and returns how to tell its caller.
    struct Job: Sendable {
        let run: @Sendable (Database) -> @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private let pool: DatabasePool
    private let state = Mutex<(queue: [Job], draining: Bool)>(([], false))
    /// Writes per transaction at most: a batch must not hold the writer for long.
    let maximumBatch: Int

    init(pool: DatabasePool, maximumBatch: Int = 512) {
        self.pool = pool
        self.maximumBatch = maximumBatch
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { db in
                    do {
                        var result: T?
                        try db.inSavepoint {
                            result = try body(db)
                            return .commit
                        }
                        let value = result!
                        return { continuation.resume(returning: value) }
                    } catch {
                        return { continuation.resume(throwing: error) }
                    }
                },
                fail: { continuation.resume(throwing: $0) })
            let start = state.withLock { s -> Bool in
                s.queue.append(job)
                guard !s.draining else { return false }
                s.draining = true
                return true
            }
            if start { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { s -> [Job] in
                let taken = Array(s.queue.prefix(maximumBatch))
                s.queue.removeFirst(taken.count)
                if taken.isEmpty { s.draining = false }
                return taken
            }
            guard !batch.isEmpty else { return }
            do {
                let outcomes = try await pool.write { db in
                    var tells: [@Sendable () -> Void] = []
                    for job in batch {
                        // SQLite abandoned the shared transaction (disk full, I/O error): a
                        // savepoint now would open a transaction of its own. Stop; each write
                        // runs again alone below.
                        guard db.isInsideTransaction else { throw GroupCommitAbandoned() }
                        tells.append(job.run(db))
                    }
                    return tells
                }
                for tell in outcomes { tell() }
            } catch {
                // The shared transaction failed (a full disk can make SQLite abandon all of
                // it): each write runs again on its own, so each caller gets its own verdict.
                guard batch.count > 1 else {
                    batch[0].fail(error)
                    continue
                }
                for job in batch {
                    do { try await pool.write { db in job.run(db) }() } catch { job.fail(error) }
                }
            }
        }
    }
}

/// The shared transaction of a batch ended under it (SQLite rolled it back).
struct GroupCommitAbandoned: Error {}
