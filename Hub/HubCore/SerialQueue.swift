/// Runs operations for the same key one after another (a poll and a manual refresh of the
/// same app must not both bump its generation), while different keys run concurrently.
actor SerialQueue {
    private var tails: [String: Task<Void, Never>] = [:]

    /// Keys with work queued or running (the hub's refresh queue depth metric).
    var depth: Int { tails.count }

    func run<T: Sendable>(_ key: String, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tails[key]
        let task = Task<Result<T, any Error>, Never> {
            await previous?.value
            do { return .success(try await operation()) } catch { return .failure(error) }
        }
        let tail = Task<Void, Never> { _ = await task.value }
        tails[key] = tail
        let result = await task.value
        if tails[key] == tail { tails[key] = nil }
        return try result.get()
    }
}
