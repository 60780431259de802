import Foundation
import Synchronization

/// The injected clock: starts at the real time, moves only when a test says so.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date()) { current = Mutex(start) }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0.addTimeInterval(seconds) }
    }

    var now: @Sendable () -> Date {
        { self.current.withLock { $0 } }
    }
}
