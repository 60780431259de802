import Logging
import ServiceLifecycle

/// Fetches every repository applications use, each on its own schedule: the poll interval
/// (Argo CD's 3 minutes by default) plus a random share of the jitter, so repositories spread
/// over time instead of all fetching at once. One fetch per repository per poll, however many
/// apps use it; only apps of a repository whose branches or tags moved render again. Webhooks
/// and `hawser app refresh` short-cut the wait.
public struct RepoPoller: Service {
    let hub: Hub

    public init(hub: Hub) { self.hub = hub }

    public func run() async throws {
        let interval = hub.configuration.pollInterval
        let jitter = hub.configuration.pollJitter
        try? await cancelWhenGracefulShutdown {
            // On start every repository is fetched once, so the hub knows where Git is now.
            await hub.refreshAll()
            var due: [String: ContinuousClock.Instant] = [:]
            while !Task.isCancelled {
                let now = ContinuousClock.now
                let inUse = (try? await hub.repositoriesInUse()) ?? []
                var nextDue = due.filter { inUse.contains($0.key) }
                var fetch: [String] = []
                for url in inUse {
                    guard let at = nextDue[url] else {
                        nextDue[url] = now + interval + Self.random(upTo: jitter)
                        continue
                    }
                    if at <= now {
                        fetch.append(url)
                        nextDue[url] = now + interval + Self.random(upTo: jitter)
                    }
                }
                due = nextDue
                // Concurrently: the hub's git thread pool bounds how many fetches really run.
                await withTaskGroup(of: Void.self) { group in
                    for url in fetch { group.addTask { await hub.pollRepository(url, since: now) } }
                }
                let earliest = due.values.min() ?? now + interval
                // New repositories are noticed within a second; they were fetched when their
                // first app was created.
                try await Task.sleep(until: min(earliest, ContinuousClock.now + .seconds(1)), clock: .continuous)
            }
        }
    }

    static func random(upTo jitter: Duration) -> Duration {
        let ms = jitter.components.seconds * 1000 + jitter.components.attoseconds / 1_000_000_000_000_000
        return ms > 0 ? .milliseconds(Int64.random(in: 0...ms)) : .zero
    }
}
