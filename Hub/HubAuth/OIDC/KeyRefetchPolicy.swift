import Foundation

/// When the hub downloads the provider's JWKS again.
///
/// Two reasons: a token names a key the cached set lacks (the provider rotated: fetch at once, so
/// the first login with the new key succeeds), and age (so a key the provider withdrew stops being
/// trusted). Anyone can send a token with a made-up `kid`, so unknown-key fetches are limited to
/// one per `minimumInterval`, however many such tokens arrive; the price is that a real rotation
/// landing within seconds of a forged-`kid` flood is picked up only after the interval.
/// Time comes from the caller (the provider's injected clock); a clock stepping backwards
/// re-arms the limiter instead of blocking fetches until it catches up.
struct KeyRefetchPolicy: Sendable {
    var minimumInterval: TimeInterval
    var maximumAge: TimeInterval
    private(set) var lastUnknownKeyFetch: Date?
    private(set) var lastFetch: Date?

    init(minimumInterval: TimeInterval, maximumAge: TimeInterval) {
        self.minimumInterval = minimumInterval
        self.maximumAge = maximumAge
    }

    /// Whether an unknown key may trigger a fetch now; a `true` counts as that fetch.
    mutating func allowUnknownKeyFetch(at now: Date) -> Bool {
        if let last = lastUnknownKeyFetch, now >= last, now.timeIntervalSince(last) < minimumInterval { return false }
        lastUnknownKeyFetch = now
        return true
    }

    /// Whether the cached set is old enough to refresh before use.
    func isStale(at now: Date) -> Bool {
        guard let lastFetch else { return true }
        return now < lastFetch || now.timeIntervalSince(lastFetch) >= maximumAge
    }

    /// Records a fetch attempt, successful or not: a failing provider is retried after
    /// `maximumAge` (or on an unknown key), not on every login.
    mutating func recordFetch(at now: Date) {
        lastFetch = now
    }
}
