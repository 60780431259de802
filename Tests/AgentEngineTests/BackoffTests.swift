import AgentLink
import SeededRandom
import Testing

struct BackoffTests {
    @Test func upperBoundDoublesUntilTheCap() {
        let backoff = Backoff(base: .milliseconds(100), cap: .seconds(1))
        #expect((0...5).map(backoff.upperBound(forAttempt:)) == [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
        ])
        #expect(backoff.upperBound(forAttempt: Int.max) == .seconds(1))
    }

    @Test func delaysNeverExceedTheirBoundOrTheCap() {
        var rng = SplitMix64(seed: 42)
        var backoff = Backoff(base: .milliseconds(100), cap: .seconds(5))
        for attempt in 0..<200 {
            let bound = backoff.upperBound(forAttempt: attempt)
            let delay = backoff.nextDelay(using: &rng)
            #expect(delay >= .zero && delay <= bound && delay <= .seconds(5))
        }
        #expect(backoff.attempt == 200)
    }

    @Test func delaysGrowWithAttempts() {
        // Average many runs per attempt: with full jitter the mean is half the upper bound.
        var rng = SplitMix64(seed: 7)
        func meanDelay(afterFailures n: Int) -> Double {
            var total = 0.0
            for _ in 0..<400 {
                var backoff = Backoff(base: .milliseconds(100), cap: .seconds(60))
                for _ in 0..<n { _ = backoff.nextDelay(using: &rng) }
                total += backoff.nextDelay(using: &rng) / .milliseconds(1)
            }
            return total / 400
        }
        let means = (0..<5).map(meanDelay(afterFailures:))
        for (earlier, later) in zip(means, means.dropFirst()) {
            #expect(later > earlier * 1.5)
        }
        #expect(abs(means[4] - 800) < 80)  // half of 100 ms * 2^4
    }

    @Test func resetStartsOverFromBase() {
        var rng = SplitMix64(seed: 1)
        var backoff = Backoff(base: .milliseconds(100), cap: .seconds(60))
        for _ in 0..<10 { _ = backoff.nextDelay(using: &rng) }
        #expect(backoff.attempt == 10)
        backoff.reset()
        #expect(backoff.attempt == 0)
        for _ in 0..<20 {
            var copy = backoff
            #expect(copy.nextDelay(using: &rng) <= .milliseconds(100))
        }
    }

    @Test func jitterVaries() {
        var rng = SplitMix64(seed: 99)
        let delays = (0..<20).map { _ -> Duration in
            var backoff = Backoff(base: .seconds(1), cap: .seconds(1))
            return backoff.nextDelay(using: &rng)
        }
        #expect(Set(delays).count > 15)
        // The same seed gives the same sequence: tests and simulations are reproducible.
        var a = SplitMix64(seed: 5), b = SplitMix64(seed: 5)
        var x = Backoff(), y = Backoff()
        #expect((0..<5).map { _ in x.nextDelay(using: &a) } == (0..<5).map { _ in y.nextDelay(using: &b) })
    }
}
