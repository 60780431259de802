import Foundation
import Synchronization

/// The bearer token to send, re-read from its file now and then.
///
/// Projected service-account tokens are rotated by the kubelet (they expire after about an
/// hour); the file always holds a valid one, so re-reading it every minute keeps a
/// long-running agent authenticated.
final class BearerToken: Sendable {
    private struct State {
        var token: String?
        var readAt: ContinuousClock.Instant
    }

    private let file: String?
    private let refreshEvery: Duration
    private let state: Mutex<State>

    init(token: String?, file: String?, refreshEvery: Duration = .seconds(60)) {
        self.file = file
        self.refreshEvery = refreshEvery
        self.state = Mutex(State(token: token, readAt: .now))
    }

    var current: String? {
        state.withLock { state in
            if let file, ContinuousClock.now - state.readAt >= refreshEvery {
                state.readAt = .now
                if let text = try? String(contentsOfFile: file, encoding: .utf8) {
                    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                    if !trimmed.isEmpty { state.token = trimmed }
                }
            }
            return state.token
        }
    }
}
