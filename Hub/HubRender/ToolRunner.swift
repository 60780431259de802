import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Bounds on one run of an external renderer: a chart that loops or a kustomization that
/// prints a gigabyte fails its own application, never the hub.
public struct RenderLimits: Sendable, Hashable {
    public var timeout: Duration
    /// Bytes of manifests a render may print.
    public var maxOutputBytes: Int

    public init(timeout: Duration = .seconds(60), maxOutputBytes: Int = 32 << 20) {
        self.timeout = timeout
        self.maxOutputBytes = maxOutputBytes
    }
}

/// Runs kustomize, kubectl or helm as a child process in a checkout, with the limits above, and
/// returns what it printed. Every failure becomes a `RenderError` about the app's directory.
public struct ToolRunner: Sendable {
    /// Directories searched for tools, in order (default: `PATH`).
    public var searchPath: [String]
    public var limits: RenderLimits

    public init(searchPath: [String]? = nil, limits: RenderLimits = RenderLimits()) {
        self.searchPath = searchPath ?? (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        self.limits = limits
    }

    /// The first executable called `name` on the search path.
    public func locate(_ name: String) -> String? {
        for dir in searchPath {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    enum Outcome: Sendable {
        case finished(status: TerminationStatus, output: [UInt8], error: [UInt8])
        case timedOut
    }

    /// - Parameters:
    ///   - what: how the failure message names the command, e.g. `helm template`.
    ///   - file: the app's directory, for the error.
    ///   - home: a scratch directory for the tool's caches and config (`HOME`), so nothing the
    ///     hub's own user configured leaks into a render.
    func run(_ executable: String, _ arguments: [String], in directory: String, home: String, what: String, file: String) async throws(RenderError) -> Data {
        // At most as many tool runs as cores: each holds a checkout and up to maxOutputBytes.
        await Self.slots.acquire()
        defer { Task { await Self.slots.release() } }
        return try await runNow(executable, arguments, in: directory, home: home, what: what, file: file)
    }

    static let slots = Slots(ProcessInfo.processInfo.activeProcessorCount)

    private func runNow(_ executable: String, _ arguments: [String], in directory: String, home: String, what: String, file: String) async throws(RenderError) -> Data {
        let variables: [Environment.Key: String] = [
            "PATH": searchPath.joined(separator: ":"), "HOME": home, "HELM_CACHE_HOME": home + "/cache",
            "HELM_CONFIG_HOME": home + "/config", "HELM_DATA_HOME": home + "/data", "KUBECONFIG": home + "/no-kubeconfig",
            // Renders read the commit and nothing else: no remote bases or chart repositories
            // (which would let a repository make the hub fetch any URL from its network), no git
            // protocol at all (a `file://` base could read another repository's mirror).
            "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9",
            "https_proxy": "http://127.0.0.1:9", "ALL_PROXY": "http://127.0.0.1:9", "NO_PROXY": "", "no_proxy": "",
            "GIT_ALLOW_PROTOCOL": "none", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_TERMINAL_PROMPT": "0",
        ]
        let limits = self.limits
        let outcome: Outcome
        do {
            outcome = try await withThrowingTaskGroup(of: Outcome.self) { group in
                group.addTask {
                    var options = PlatformOptions()
                    // On timeout (cancellation): SIGTERM, then SIGKILL a second later.
                    options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(1))]
                    let result = try await Subprocess.run(
                        .path(FilePath(executable)), arguments: Arguments(arguments), environment: .custom(variables),
                        workingDirectory: FilePath(directory), platformOptions: options, input: .none,
                        output: .bytes(limit: limits.maxOutputBytes), error: .bytes(limit: 1 << 20))
                    return .finished(status: result.terminationStatus, output: result.standardOutput, error: result.standardError)
                }
                group.addTask {
                    try await Task.sleep(for: limits.timeout)
                    return .timedOut
                }
                let first = try await group.next()!
                group.cancelAll()
                return first
            }
        } catch let error as SubprocessError where "\(error)".contains("limit") || "\(error)".lowercased().contains("exceed") {
            throw RenderError(file: file, line: nil, message: "\(what) printed more than \(limits.maxOutputBytes >> 20) MB of manifests (or 1 MB of errors) and was stopped; render less, or split the application")
        } catch {
            throw RenderError(file: file, line: nil, message: "\(what) could not run: \(error)")
        }
        switch outcome {
        case .timedOut:
            throw RenderError(file: file, line: nil, message: "\(what) did not finish within \(limits.timeout.components.seconds) s and was stopped; check for a chart or kustomization that loops or waits on the network")
        case .finished(let status, let output, let error):
            guard case .exited(0) = status else {
                // Paths in the scratch checkout mean nothing to the user: show them repository-relative.
                let stderr = String(decoding: error, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    .replacingOccurrences(of: directory + "/", with: "")
                throw RenderError(file: file, line: nil, message: "\(what) failed (\(status)): \(stderr.suffix(2000))")
            }
            return Data(output)
        }
    }
}

/// A counting semaphore for async code: `acquire` waits while all slots are taken.
actor Slots {
    private var free: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) { free = max(1, count) }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { free += 1 } else { waiters.removeFirst().resume() }
    }
}
