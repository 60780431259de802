import Foundation

/// Slows down password guessing: after `maxFailures` failed logins for one account within
/// `window`, further attempts are refused (even with the right password) until the oldest of
/// those failures leaves the window. A success clears the account's record. Argo CD does the
/// same with its defaults of five failures in five minutes.
actor LoginThrottle {
    let maxFailures: Int
    let window: TimeInterval
    private var failures: [String: [Date]] = [:]

    init(maxFailures: Int = 5, window: TimeInterval = 300) {
        self.maxFailures = maxFailures
        self.window = window
    }

    /// When the account may try again, or nil if it may now.
    func lockedUntil(_ account: String, now: Date) -> Date? {
        let recent = (failures[account] ?? []).filter { now.timeIntervalSince($0) < window }
        failures[account] = recent.isEmpty ? nil : recent
        guard recent.count >= maxFailures, let oldest = recent.first else { return nil }
        return oldest.addingTimeInterval(window)
    }

    /// Counts this attempt as a failure up front (so parallel guesses cannot all slip past the
    /// check while the slow hash runs); `succeeded` takes it back. Returns when the account may
    /// try again if it is locked, else nil.
    func begin(_ account: String, now: Date) -> Date? {
        if let until = lockedUntil(account, now: now) { return until }
        failed(account, now: now)
        return nil
    }

    func failed(_ account: String, now: Date) {
        failures[account, default: []].append(now)
        // Bound the memory an attacker can make us spend on made-up names.
        if failures.count > 10_000 { failures = failures.filter { now.timeIntervalSince($0.value.last ?? now) < window } }
    }

    func succeeded(_ account: String) { failures[account] = nil }
}
