import Foundation
import HawserProtocol
import HubGit
import HubRender
import NIOPosix

/// Turns an application's source (repo, path, revision) into manifests.
///
/// libgit2 and YAML parsing block, so they run on a `NIOThreadPool`, never on Swift's
/// cooperative pool (two threads here: one blocked fetch would stall the whole hub).
struct AppRenderer: Sendable {
    let threadPool: NIOThreadPool

    struct Output: Sendable {
        var commit: CommitInfo
        /// Manifests, or the condition explaining why there are none for this commit.
        var result: Result<[Manifest], RenderFailure>
    }

    struct RenderFailure: Error, Sendable {
        var condition: AppCondition
    }

    /// Resolves the revision in the repository's mirror and renders it. A repository or revision that cannot be read
    /// throws; a commit whose files are invalid gives a `ComparisonError` in the output.
    func render(mirror: String, path: String, revision: String) async throws -> Output {
        try await threadPool.runIfActive {
            let repo = try GitRepository.open(url: mirror)
            let commit = try repo.resolve(revision)
            let info = CommitInfo(sha: commit.sha, author: "\(commit.authorName) <\(commit.authorEmail)>", date: commit.date, message: commit.message)
            let files: [GitFile]
            do {
                files = try repo.files(at: commit.sha, under: path)
            } catch {
                return Output(commit: info, result: .failure(RenderFailure(condition: AppCondition(type: "ComparisonError", message: "\(error)"))))
            }
            // A symbolic link that leaves the repository (absolute, or `..` past the root) could
            // make the hub read its own files: the whole revision is refused, as Argo CD does.
            // Links that stay inside are not followed (their targets render where they live).
            let escaping = files.compactMap { f in f.symlinkTarget.flatMap { Self.escapes(link: f.path, target: $0) ? "\(f.path) -> \($0)" : nil } }
            if !escaping.isEmpty {
                return Output(commit: info, result: .failure(RenderFailure(condition: AppCondition(
                    type: "InvalidSpecError",
                    message: "out-of-bounds symlinks in \(path) at \(commit.sha.prefix(8)): \(escaping.joined(separator: ", ")); links may not point outside the repository, nothing of this revision is applied"))))
            }
            do {
                let manifests = try DirectoryRenderer(recurse: true).render(files: files.filter { !$0.isSymlink }.map { ($0.path, $0.data) }, under: path)
                return Output(commit: info, result: .success(manifests))
            } catch {
                return Output(commit: info, result: .failure(RenderFailure(condition: AppCondition(type: "ComparisonError", message: "failed to render \(path) at \(commit.sha.prefix(8)): \(error)"))))
            }
        }
    }

    /// Whether a link at `link` (repository-relative) pointing at `target` resolves outside the
    /// repository root.
    static func escapes(link: String, target: String) -> Bool {
        if target.hasPrefix("/") { return true }
        var parts = link.split(separator: "/").dropLast().map(String.init)
        for part in target.split(separator: "/") {
            switch part {
            case ".": continue
            case "..":
                if parts.isEmpty { return true }
                parts.removeLast()
            default: parts.append(String(part))
            }
        }
        return false
    }

    /// Digest of the manifests' canonical JSON: equal digests mean nothing to re-send.
    static func digest(_ manifests: [Manifest]) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let data = (try? e.encode(manifests)) ?? Data()
        return Secrets.sha256Hex(data)
    }
}
