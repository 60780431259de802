import Foundation
import Testing
@testable import HubGit

/// A throwaway repository built with the real git CLI, isolated from the user's and the
/// system's Git configuration.
final class ScratchGitRepo {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hawser-git-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try git("init", "-q", "-b", "main")
    }

    deinit {
        try? FileManager.default.removeItem(at: dir)
    }

    var path: String { dir.path }

    func write(_ relative: String, _ contents: String) throws {
        let url = dir.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: url)
    }

    /// Commits everything and returns the new HEAD SHA.
    @discardableResult
    func commit(_ message: String) throws -> String {
        try git("add", "-A")
        try git("commit", "-q", "-m", message)
        return try git("rev-parse", "HEAD")
    }

    @discardableResult
    func git(_ args: String...) throws -> String {
        try Self.run(args, in: dir)
    }

    @discardableResult
    static func run(_ args: [String], in dir: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-c", "user.name=Ada Lovelace", "-c", "user.email=ada@example.com",
                             "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", "-c", "init.defaultBranch=main"] + args
        process.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env["GIT_CONFIG_GLOBAL"] = "/dev/null"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw GitError("git \(args.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

@Suite struct GitTests {
    @Test func resolvesHeadBranchTagsAndSHAs() throws {
        let scratch = try ScratchGitRepo()
        try scratch.write("app/cm.yaml", "kind: ConfigMap\n")
        let first = try scratch.commit("first commit\n\nwith a body")
        try scratch.git("tag", "v1")
        try scratch.git("tag", "-a", "v1-annotated", "-m", "release v1")

        let repo = try GitRepository.open(url: scratch.path)
        let head = try repo.resolve("HEAD")
        #expect(head.sha == first)
        #expect(head.authorName == "Ada Lovelace")
        #expect(head.authorEmail == "ada@example.com")
        #expect(head.message.hasPrefix("first commit"))
        #expect(abs(head.date.timeIntervalSinceNow) < 300)

        #expect(try repo.resolve("main").sha == first)
        #expect(try repo.resolve("refs/heads/main").sha == first)
        #expect(try repo.resolve("v1").sha == first)
        #expect(try repo.resolve("v1-annotated").sha == first, "annotated tags peel to their commit")
        #expect(try repo.resolve(String(first.prefix(8))).sha == first)
        #expect(try repo.resolve(first).sha == first)
    }

    @Test func newCommitMovesBranchButNotTag() throws {
        let scratch = try ScratchGitRepo()
        try scratch.write("a.yaml", "a: 1\n")
        let first = try scratch.commit("one")
        try scratch.git("tag", "-a", "stable", "-m", "stable")
        let repo = try GitRepository.open(url: "file://" + scratch.path)
        #expect(try repo.resolve("main").sha == first)

        try scratch.write("a.yaml", "a: 2\n")
        let second = try scratch.commit("two")
        #expect(second != first)
        #expect(try repo.resolve("main").sha == second)
        #expect(try repo.resolve("HEAD").sha == second)
        #expect(try repo.resolve("stable").sha == first)
        #expect(try repo.resolve("main~1").sha == first)
    }

    @Test func resolvesRemoteTrackingBranchesOfAClone() throws {
        let upstream = try ScratchGitRepo()
        try upstream.write("a.yaml", "a: 1\n")
        try upstream.commit("one")
        try upstream.git("checkout", "-q", "-b", "feature")
        try upstream.write("b.yaml", "b: 1\n")
        let feature = try upstream.commit("feature work")
        try upstream.git("checkout", "-q", "main")

        let cloneDir = FileManager.default.temporaryDirectory.appendingPathComponent("hawser-clone-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cloneDir) }
        try ScratchGitRepo.run(["clone", "-q", "--bare", upstream.path, cloneDir.path], in: upstream.dir)
        // A bare clone has branches as local heads; also check a normal clone's origin/*.
        let bare = try GitRepository.open(url: cloneDir.path)
        #expect(try bare.resolve("feature").sha == feature)

        let workDir = FileManager.default.temporaryDirectory.appendingPathComponent("hawser-work-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: workDir) }
        try ScratchGitRepo.run(["clone", "-q", upstream.path, workDir.path], in: upstream.dir)
        let work = try GitRepository.open(url: workDir.path)
        #expect(try work.resolve("feature").sha == feature, "only refs/remotes/origin/feature exists here")
    }

    @Test func listsFilesUnderAPathFromTheCommitTree() throws {
        let scratch = try ScratchGitRepo()
        try scratch.write("guestbook/deploy.yaml", "kind: Deployment\n")
        try scratch.write("guestbook/nested/svc.yaml", "kind: Service\n")
        try scratch.write("other/x.yaml", "kind: Other\n")
        try scratch.write("README.md", "hi\n")
        let sha = try scratch.commit("layout")
        // The working tree is irrelevant: files come from the commit.
        try scratch.write("guestbook/uncommitted.yaml", "kind: Nope\n")
        try FileManager.default.removeItem(at: scratch.dir.appendingPathComponent("guestbook/deploy.yaml"))

        let repo = try GitRepository.open(url: scratch.path)
        let files = try repo.files(at: sha, under: "guestbook")
        #expect(files.map(\.path) == ["guestbook/deploy.yaml", "guestbook/nested/svc.yaml"])
        #expect(String(decoding: files[0].data, as: UTF8.self) == "kind: Deployment\n")
        #expect(files.allSatisfy { !$0.isSymlink })

        #expect(try repo.files(at: sha, under: "./guestbook/").map(\.path) == files.map(\.path))
        #expect(try repo.files(at: sha, under: "").count == 4)
        #expect(try repo.files(at: sha, under: ".").count == 4)
    }

    @Test func reportsSymlinksWithoutFollowingThem() throws {
        let scratch = try ScratchGitRepo()
        try scratch.write("app/real.yaml", "kind: ConfigMap\n")
        try FileManager.default.createSymbolicLink(atPath: scratch.dir.appendingPathComponent("app/link.yaml").path,
                                                   withDestinationPath: "/etc/passwd")
        let sha = try scratch.commit("with link")
        let files = try GitRepository.open(url: scratch.path).files(at: sha, under: "app")
        let link = try #require(files.first { $0.path == "app/link.yaml" })
        #expect(link.symlinkTarget == "/etc/passwd")
        #expect(link.data.isEmpty)
    }

    @Test func errorsNameWhatIsMissing() throws {
        let scratch = try ScratchGitRepo()
        try scratch.write("app/a.yaml", "a: 1\n")
        let sha = try scratch.commit("one")
        let repo = try GitRepository.open(url: scratch.path)

        let missingPath = #expect(throws: GitError.self) { try repo.files(at: sha, under: "nope/dir") }
        #expect(missingPath?.message.contains("\"nope/dir\"") == true)
        #expect(missingPath?.message.contains(sha) == true)

        let notDir = #expect(throws: GitError.self) { try repo.files(at: sha, under: "app/a.yaml") }
        #expect(notDir?.message.contains("not a directory") == true)

        let unknown = #expect(throws: GitError.self) { try repo.resolve("no-such-branch") }
        #expect(unknown?.message.contains("\"no-such-branch\"") == true)

        let escape = #expect(throws: GitError.self) { try repo.files(at: sha, under: "app/../..") }
        #expect(escape?.message.contains("..") == true)

        let notRepo = FileManager.default.temporaryDirectory.appendingPathComponent("hawser-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: notRepo, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: notRepo) }
        let openError = #expect(throws: GitError.self) { try GitRepository.open(url: notRepo.path) }
        #expect(openError?.message.contains("no Git repository at") == true)
        #expect(throws: GitError.self) { try GitRepository.open(url: "https://example.com/repo.git") }
    }
}
