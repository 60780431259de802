import Foundation
import Subprocess
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// A test setup that could not be made (a tool missing, a server that never answered).
public struct SupportFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Servers the tests talk to, run as real child processes. swift-subprocess, not
/// Foundation's Process, which ignores SIGTERM when started from async code (shared/NOTES.md).
public enum ChildProcess {
    /// `<repo>` from this file's place in it (Tests/OIDCTestSupport/ChildProcess.swift).
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A PyPI tool from the repo's `.venv` (where `make deps` installs it), else from PATH.
    public static func locate(_ tool: String) throws -> String {
        let venv = packageRoot + "/.venv/bin/" + tool
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw SupportFailure("\(tool) not found in \(packageRoot)/.venv/bin or on PATH: run `make deps`")
    }

    /// Runs `executable` for the duration of `body`, after `ready` first returns true (polled for
    /// up to 20 s), and stops it afterwards: SIGTERM, SIGKILL 3 s later. Its output goes to a
    /// temporary log that is quoted if it never becomes ready.
    public static func withRunning<T: Sendable>(
        _ executable: String, _ arguments: [String], name: String,
        ready: () async -> Bool, _ body: () async throws -> T
    ) async throws -> T {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("hawser-\(name)-\(UUID().uuidString.prefix(8)).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let fd = try FileDescriptor.open(FilePath(log), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite])
        let stop: [TeardownStep] = [.gracefulShutDown(allowedDurationToNextStep: .seconds(3))]
        var options = PlatformOptions()
        options.teardownSequence = stop   // also used when `body` throws or the test is cancelled
        let result = try await Subprocess.run(
            .path(FilePath(executable)), arguments: Arguments(arguments), platformOptions: options,
            input: .none, output: .fileDescriptor(fd, closeAfterSpawningProcess: true), error: .combinedWithOutput
        ) { execution in
            let deadline = ContinuousClock.now + .seconds(20)
            while !(await ready()) {
                guard ContinuousClock.now < deadline else {
                    let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                    throw SupportFailure("\(name) did not become ready within 20 s. Its output:\n\(output.suffix(4000))")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            let value = try await body()
            await execution.teardown(using: stop)
            return value
        }
        return result.closureResult
    }

    /// A loopback TCP port nobody listens on right now (the kernel's pick for port 0). For servers
    /// that must be told their port; a tiny race with other processes is accepted.
    public static func freePort() throws -> Int {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw SupportFailure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw SupportFailure("could not bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
