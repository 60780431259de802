import Foundation

/// A small Python server a test writes and starts (a webhook receiver, a Git HTTP front end, a
/// silent socket). The script gets `arguments`, then writes the port it listens on to the file
/// named by its last argument; `start` returns once that file exists.
struct PythonServer {
    let process: Process
    let port: Int
    /// The script's scratch directory (logs it writes, the port file).
    let directory: String

    static func start(_ script: String, name: String, arguments: (String) -> [String] = { _ in [] }) async throws -> PythonServer {
        let dir = tempDirectory(name)
        try script.write(toFile: dir + "/server.py", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", dir + "/server.py"] + arguments(dir) + [dir + "/port"]
        // Not our stdout/stderr (a child holding them open keeps `swift test | …` waiting), and
        // SIGKILL to stop it: a Process started from async code ignores SIGTERM (shared/NOTES.md).
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        try await eventually("\(name) listening") { FileManager.default.fileExists(atPath: dir + "/port") }
        let port = Int(try String(contentsOfFile: dir + "/port", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return PythonServer(process: p, port: port, directory: dir)
    }

    func stop() { kill(process.processIdentifier, SIGKILL) }
}
