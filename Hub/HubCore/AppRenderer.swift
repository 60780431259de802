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
    /// kustomize, kubectl and helm, with the time and output limits of a render.
    let tools: ToolRunner
    /// Scratch space for checkouts external tools read (`<data>/render`), emptied after each.
    let scratchDirectory: String
    let cache: RenderCache

    init(threadPool: NIOThreadPool, tools: ToolRunner, scratchDirectory: String, metrics: HubMetrics? = nil) {
        self.threadPool = threadPool
        self.tools = tools
        self.scratchDirectory = scratchDirectory
        self.cache = RenderCache(metrics: metrics)
    }

    struct Output: Sendable {
        var commit: CommitInfo
        /// Manifests, or the condition explaining why there are none for this commit.
        var result: Result<[Manifest], RenderFailure>
        /// `digest(manifests)`, computed once per cached render (a thousand apps sharing one
        /// render must not hash the same manifests a thousand times).
        var manifestsDigest: String? = nil
    }

    struct RenderFailure: Error, Sendable {
        var condition: AppCondition
    }

    /// What a render depends on, and nothing else: apps (and, later, clusters) that share it
    /// share one render.
    struct Key: Sendable, Hashable {
        var mirror: String
        var commit: String
        var path: String
        var source: SourceOptions
        /// Helm only: the release name and namespace are inputs of `helm template`.
        var release: String?
        var namespace: String?
    }

    enum Kind: Sendable { case directory, kustomize, helm }

    /// Resolves the revision in the repository's mirror and renders it: plain files, a
    /// kustomization or a Helm chart. A repository or revision that cannot be read throws; a
    /// commit that does not render gives a condition in the output. Successful renders are
    /// cached by `Key`.
    func render(mirror: String, path: String, revision: String, source: SourceOptions, releaseName: String, namespace: String) async throws -> Output {
        let (info, inspected) = try await threadPool.runIfActive { () throws -> (CommitInfo, Result<(Kind, [String]), RenderFailure>) in
            let repo = try GitRepository.open(url: mirror)
            let commit = try repo.resolve(revision)
            let info = CommitInfo(sha: commit.sha, author: "\(commit.authorName) <\(commit.authorEmail)>", date: commit.date, message: commit.message)
            let files: [GitFile]
            do { files = try repo.files(at: commit.sha, under: path) } catch {
                return (info, .failure(RenderFailure(condition: AppCondition(type: "ComparisonError", message: "\(error)"))))
            }
            let top = Set(files.map { String($0.path.dropFirst(path.isEmpty || path == "." ? 0 : Self.normalize(path).count + 1)) })
            let kind: Kind = KustomizeRenderer.markers.contains(where: top.contains) ? .kustomize : top.contains(HelmRenderer.marker) ? .helm : .directory
            // A symbolic link that leaves the repository (absolute, or `..` past the root) could
            // make the hub read its own files: the whole revision is refused, as Argo CD does.
            let escaping = files.compactMap { f in f.symlinkTarget.flatMap { Self.escapes(link: f.path, target: $0) ? "\(f.path) -> \($0)" : nil } }
            return (info, .success((kind, escaping)))
        }
        let kind: Kind, escaping: [String]
        switch inspected {
        case .failure(let failure): return Output(commit: info, result: .failure(failure))
        case .success(let found): (kind, escaping) = found
        }
        if !escaping.isEmpty {
            return Output(commit: info, result: .failure(RenderFailure(condition: AppCondition(
                type: "InvalidSpecError",
                message: "out-of-bounds symlinks in \(path) at \(info.sha.prefix(8)): \(escaping.joined(separator: ", ")); links may not point outside the repository, nothing of this revision is applied"))))
        }
        let key = Key(mirror: mirror, commit: info.sha, path: Self.normalize(path), source: source,
                      release: kind == .helm ? (source.helm?.releaseName ?? releaseName) : nil, namespace: kind == .helm ? namespace : nil)
        let (result, digest) = await cache.value(for: key) {
            do {
                return .success(try await renderUncached(key, kind: kind, releaseName: releaseName, namespace: namespace))
            } catch {
                return .failure(RenderFailure(condition: AppCondition(type: "ComparisonError", message: "failed to render \(path) at \(info.sha.prefix(8)): \(error)")))
            }
        }
        return Output(commit: info, result: result, manifestsDigest: digest)
    }

    private func renderUncached(_ key: Key, kind: Kind, releaseName: String, namespace: String) async throws -> [Manifest] {
        switch kind {
        case .directory:
            return try await threadPool.runIfActive {
                let files = try GitRepository.open(url: key.mirror).files(at: key.commit, under: key.path)
                return try DirectoryRenderer(key.source.directory).render(files: files.filter { !$0.isSymlink }.map { ($0.path, $0.data) }, under: key.path)
            }
        case .kustomize, .helm:
            // External tools read a directory: the commit's files are written to scratch space
            // (symbolic links are left out) and removed afterwards.
            let work = scratchDirectory + "/" + UUID().uuidString
            let checkout = work + "/repo", home = work + "/home"
            defer { try? FileManager.default.removeItem(atPath: work) }
            try await threadPool.runIfActive {
                let files = try GitRepository.open(url: key.mirror).files(at: key.commit, under: "")
                try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                let root = URL(fileURLWithPath: checkout).standardized.path
                for file in files where !file.isSymlink {
                    let target = URL(fileURLWithPath: checkout + "/" + file.path).standardized.path
                    guard target.hasPrefix(root + "/") else {
                        throw RenderError(file: file.path, line: nil, message: "this path leaves the repository; nothing of this revision is rendered")
                    }
                    try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    guard FileManager.default.createFile(atPath: target, contents: file.data) else {
                        throw RenderError(file: file.path, line: nil, message: "cannot write it to the hub's scratch directory \(work)")
                    }
                }
                try FileManager.default.createDirectory(atPath: checkout + "/" + key.path, withIntermediateDirectories: true)
            }
            if kind == .kustomize {
                return try await KustomizeRenderer().render(checkout: checkout, path: key.path, runner: tools, home: home)
            }
            return try await HelmRenderer(options: key.source.helm, releaseName: releaseName, namespace: namespace)
                .render(checkout: checkout, path: key.path, runner: tools, home: home)
        }
    }

    static func normalize(_ path: String) -> String {
        path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    /// Whether a link at `link` (repository-relative) pointing at `target` resolves outside the
    /// repository root.
    static func escapes(link: String, target: String) -> Bool {
        !RepositoryPath.staysInside(target, base: link.split(separator: "/").dropLast().joined(separator: "/"))
    }

    /// Digest of the manifests' canonical JSON: equal digests mean nothing to re-send.
    static func digest(_ manifests: [Manifest]) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let data = (try? e.encode(manifests)) ?? Data()
        return Secrets.sha256Hex(data)
    }
}

/// Renders by `AppRenderer.Key`, each at most once at a time, successes kept for the next app
/// (or cluster) that asks; the least recently used go first beyond `capacity`. Failures are not
/// kept: a missing tool installed or a remote back up is noticed on the next poll.
actor RenderCache {
    typealias Value = Result<[Manifest], AppRenderer.RenderFailure>
    let capacity: Int
    private var entries: [AppRenderer.Key: (value: [Manifest], digest: String, used: UInt64)] = [:]
    private var inFlight: [AppRenderer.Key: Task<(Value, String?), Never>] = [:]
    private var clock: UInt64 = 0
    /// Renders performed (cache misses), for the benchmark.
    private(set) var renders = 0

    let metrics: HubMetrics?

    init(capacity: Int = 512, metrics: HubMetrics? = nil) {
        self.capacity = capacity
        self.metrics = metrics
    }

    /// The render and, when it succeeded, its manifests' digest.
    func value(for key: AppRenderer.Key, _ render: @escaping @Sendable () async -> Value) async -> (Value, String?) {
        clock += 1
        if let hit = entries[key] {
            entries[key] = (hit.value, hit.digest, clock)
            metrics?.renderLookup(hit: true)
            return (.success(hit.value), hit.digest)
        }
        if let running = inFlight[key] {
            metrics?.renderLookup(hit: true)
            return await running.value
        }
        metrics?.renderLookup(hit: false)
        let task = Task { () -> (Value, String?) in
            let value = await render()
            guard case .success(let manifests) = value else { return (value, nil) }
            return (value, AppRenderer.digest(manifests))
        }
        inFlight[key] = task
        renders += 1
        let (value, digest) = await task.value
        inFlight[key] = nil
        if case .success(let manifests) = value, let digest {
            entries[key] = (manifests, digest, clock)
            if entries.count > capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key { entries[oldest] = nil }
        }
        return (value, digest)
    }
}
