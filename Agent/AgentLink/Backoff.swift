/// Reconnect delays for the agent's link to the hub: exponential backoff with full jitter.
///
/// When a hub restarts, every agent loses its link at the same instant. Without jitter they
/// would all retry in lock-step and hit the hub in waves; "full jitter" (AWS Architecture Blog,
/// "Exponential Backoff And Jitter") spreads them uniformly:
///
///     delay = random(0, min(cap, base * 2^attempt))
///
/// The value type holds only the attempt counter; randomness is passed in, so tests can use a
/// seeded generator and the link's state machine stays deterministic.
public struct Backoff: Sendable, Hashable {
    public var base: Duration
    public var cap: Duration
    /// Failed attempts since the last success; the next delay's upper bound is `base * 2^attempt`.
    public private(set) var attempt: Int = 0

    public init(base: Duration = .milliseconds(500), cap: Duration = .seconds(60)) {
        precondition(base > .zero && cap >= base, "backoff needs 0 < base <= cap")
        self.base = base
        self.cap = cap
    }

    /// The largest delay attempt number `attempt` may wait: `min(cap, base * 2^attempt)`.
    public func upperBound(forAttempt attempt: Int) -> Duration {
        var bound = base
        var n = 0
        // Doubling until the cap rather than computing 2^attempt avoids overflow for any attempt.
        while n < attempt && bound < cap {
            bound = bound * 2
            n += 1
        }
        return min(bound, cap)
    }

    /// The delay before the next attempt, and counts the attempt.
    public mutating func nextDelay<G: RandomNumberGenerator>(using generator: inout G) -> Duration {
        let bound = upperBound(forAttempt: attempt)
        if attempt < Int.max { attempt += 1 }
        let nanos = Self.nanoseconds(bound)
        return .nanoseconds(Int64.random(in: 0...nanos, using: &generator))
    }

    /// The delay before the next attempt, with the system's random source.
    public mutating func nextDelay() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return nextDelay(using: &generator)
    }

    /// Call once a connection succeeded (e.g. the hub accepted our hello): the next failure
    /// starts again from `base`.
    public mutating func reset() {
        attempt = 0
    }

    private static func nanoseconds(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        let (sum, overflow2) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow2 ? .max : sum
    }
}
