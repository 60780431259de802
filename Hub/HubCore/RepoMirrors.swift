import Crypto
import Foundation
import HawserProtocol
import HubGit
import NIOPosix
import Synchronization

/// The hub's bare mirrors (one per repository, in `<data>/repos/`) and the only code that
/// fetches. However many applications, refreshes and webhooks ask at once, a repository is
/// fetched once: a caller joins the fetch in flight when it started late enough for them, and
/// otherwise queues one more. Fetches run on their own thread pool, whose size bounds how
/// many run at once, so a slow remote never takes the threads renders and the store need.
actor RepoMirrors {
    struct State {
        var inFlight: (started: ContinuousClock.Instant, task: Task<GitFetchResult, any Error>)?
        var lastStarted: ContinuousClock.Instant?
        var last: Result<GitFetchResult, any Error>?
        var lastFetchedAt: Date?
        /// A fetch abandoned after its timeout whose thread is still inside libgit2: no other
        /// fetch of this mirror starts until it ends (two fetches into one mirror are unsafe).
        var stuck = false
    }

    /// What `hawser repo get` shows of a repository's last fetch.
    struct Status: Sendable {
        var result: GitFetchResult?
        var error: String?
        var fetchedAt: Date?
    }

    let directory: String
    let threadPool: NIOThreadPool
    let timeout: Duration
    let metrics: HubMetrics?
    private var states: [String: State] = [:]
    /// Branches rewritten by a force push, per repository: ref to (commit that left its
    /// history, commit it points at now). Kept until the branch moves again.
    private var forcePushes: [String: [String: (lost: String, now: String)]] = [:]
    /// Fetches performed since start (the benchmark's "one fetch per repository" figure).
    private(set) var fetchCount = 0

    init(directory: String, threadPool: NIOThreadPool, timeout: Duration, metrics: HubMetrics? = nil) {
        self.metrics = metrics
        self.directory = directory
        self.threadPool = threadPool
        self.timeout = timeout
    }

    /// The mirror's directory: named by a digest of the normalized URL, so any spelling of a
    /// URL finds it and no URL character reaches the file system.
    nonisolated func path(for url: String) -> String {
        let digest = SHA256.hash(data: Data(RepoURL.normalized(url).utf8)).map { String(format: "%02x", $0) }.joined()
        return directory + "/" + digest.prefix(32) + ".git"
    }

    /// A fetch of `url` that started at or after `since` (pass `.now` for "what the remote has
    /// now"; a refresh, a webhook and a poll do). Throws what the fetch threw.
    func fetch(_ url: String, since: ContinuousClock.Instant, credentials: @escaping @Sendable () async throws -> GitCredentials) async throws -> GitFetchResult {
        let key = RepoURL.normalized(url)
        while true {
            let state = states[key] ?? State()
            if let inFlight = state.inFlight {
                if inFlight.started >= since { return try await inFlight.task.value }
                // Too early for this caller: wait, then start another. The fetch's task records
                // its result here before it completes, so the next turn sees it gone.
                _ = try? await inFlight.task.value
                continue
            }
            if let started = state.lastStarted, started >= since, let last = state.last { return try last.get() }
            return try await start(url, key: key, credentials: credentials)
        }
    }

    /// The mirror as it is when its last fetch succeeded, else a fetch now (renders of an app
    /// whose repository the poller fetched a moment ago need not wait for another).
    func ensureFetched(_ url: String, credentials: @escaping @Sendable () async throws -> GitCredentials) async throws {
        let key = RepoURL.normalized(url)
        if case .success = states[key]?.last { return }
        _ = try await fetch(url, since: .now, credentials: credentials)
    }

    /// The force push that put `commit` on `branch`, if one did.
    func forcePush(_ url: String, branch: String, commit: String) -> String? {
        let ref = branch.hasPrefix("refs/") ? branch : "refs/heads/" + branch
        guard let note = forcePushes[RepoURL.normalized(url)]?[ref], note.now == commit else { return nil }
        return note.lost
    }

    func status(_ url: String) -> Status {
        let s = states[RepoURL.normalized(url)]
        switch s?.last {
        case .success(let r)?: return Status(result: r, error: nil, fetchedAt: s?.lastFetchedAt)
        case .failure(let e)?: return Status(result: nil, error: "\(e)", fetchedAt: s?.lastFetchedAt)
        case nil: return Status(result: nil, error: nil, fetchedAt: nil)
        }
    }

    /// Forgets a repository and deletes its mirror (`hawser repo rm` of an unused repository).
    func remove(_ url: String) {
        states[RepoURL.normalized(url)] = nil
        try? FileManager.default.removeItem(atPath: path(for: url))
    }

    struct AbandonedFetch: Error, CustomStringConvertible {
        var description: String
    }

    static func first(of work: Task<GitFetchResult, any Error>, within limit: Duration, url: String) async throws -> GitFetchResult {
        let once = OneShot<GitFetchResult>()
        return try await withCheckedThrowingContinuation { continuation in
            once.set(continuation)
            let timer = Task {
                do { try await Task.sleep(for: limit) } catch { return }
                once.resume(with: .failure(AbandonedFetch(description: "fetching \(url) made no progress for \(limit.components.seconds) s and was abandoned; check that the remote answers")))
            }
            Task {
                once.resume(with: await work.result)
                timer.cancel()
            }
        }
    }

    /// Refuses new fetches of `key` until the abandoned one's thread comes back.
    private func markStuck(_ key: String, until work: Task<GitFetchResult, any Error>) {
        states[key, default: State()].stuck = true
        Task {
            _ = await work.result
            self.unstuck(key)
        }
    }

    private func unstuck(_ key: String) { states[key, default: State()].stuck = false }

    private func start(_ url: String, key: String, credentials: @escaping @Sendable () async throws -> GitCredentials) async throws -> GitFetchResult {
        if states[key]?.stuck == true {
            throw HubError(.unavailable, "an earlier fetch of \(url) is still hanging (the remote accepted the connection and sends nothing); the next one starts when it ends")
        }
        let started = ContinuousClock.now
        let mirror = path(for: url)
        let (pool, timeout, base) = (threadPool, timeout, directory)
        let task = Task<GitFetchResult, any Error> {
            let result: Result<GitFetchResult, any Error>
            do {
                result = .success(try await self.fetchOnce(url, key: key, mirror: mirror, pool: pool, timeout: timeout, base: base, credentials: credentials))
            } catch {
                result = .failure(error)
            }
            self.finished(key, started: started, result)  // this task runs on the actor (it was created in one)
            return try result.get()
        }
        // Set before this actor can run anything else, so `finished` (which the task calls on
        // this actor) always finds it.
        states[key, default: State()].inFlight = (started, task)
        fetchCount += 1
        return try await task.value
    }

    /// One fetch into the mirror, on the thread pool.
    private nonisolated func fetchOnce(_ url: String, key: String, mirror: String, pool: NIOThreadPool, timeout: Duration, base: String,
                                       credentials: @escaping @Sendable () async throws -> GitCredentials) async throws -> GitFetchResult {
        let creds = try await credentials()
        let work = Task<GitFetchResult, any Error> { try await pool.runIfActive {
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // The deadline starts when a thread picks the fetch up, not while it queues.
            let deadline = Date().addingTimeInterval(Double(timeout.components.seconds))
            do {
                return try GitMirror.fetch(remote: url, into: mirror, credentials: creds, deadline: deadline)
            } catch {
                throw HubError(.unavailable, "\(error)")
            }
        } }
        // libgit2 1.5 has no socket timeout: a server that accepts and then sends nothing
        // holds the thread. Callers stop waiting after the timeout (plus time to queue), so
        // one dead remote never stalls polls, refreshes or webhooks of the others.
        do {
            return try await Self.first(of: work, within: timeout + min(timeout, .seconds(30)), url: url)
        } catch let error as AbandonedFetch {
            await markStuck(key, until: work)
            throw HubError(.unavailable, error.description)
        }
    }

    /// A fetch is over: recorded by its own task before the task completes, so a caller who
    /// waited on the task never finds it still listed as in flight (and spins on it: several
    /// renders of one repository asked for at once did, both cores busy for good).
    private func finished(_ key: String, started: ContinuousClock.Instant, _ result: Result<GitFetchResult, any Error>) {
        metrics?.fetched(result: (try? result.get()) == nil ? "failed" : "succeeded", duration: .now - started)
        if states[key]?.inFlight?.started == started { states[key, default: State()].inFlight = nil }
        states[key, default: State()].lastStarted = started
        states[key, default: State()].last = result
        states[key, default: State()].lastFetchedAt = Date()
        if case .success(let r) = result {
            var notes = forcePushes[key] ?? [:]
            for (ref, now) in r.refs where notes[ref] != nil && notes[ref]?.now != now { notes[ref] = nil }
            for (ref, lost) in r.forcedUpdates { notes[ref] = (lost, r.refs[ref] ?? "") }
            forcePushes[key] = notes
        }
    }
}

/// A continuation resumed by whichever of several racers comes first; the others are ignored.
final class OneShot<T: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, pending: Result<T, any Error>?)>((nil, nil))

    func set(_ c: CheckedContinuation<T, any Error>) {
        let early: Result<T, any Error>? = state.withLock { s in
            if let p = s.pending { s.pending = nil; return p }
            s.continuation = c
            return nil
        }
        if let early { c.resume(with: early) }
    }

    func resume(with result: Result<T, any Error>) {
        let c: CheckedContinuation<T, any Error>? = state.withLock { s in
            if let c = s.continuation { s.continuation = nil; return c }
            if s.pending == nil { s.pending = result }
            return nil
        }
        c?.resume(with: result)
    }
}
