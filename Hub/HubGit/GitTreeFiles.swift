import CLibGit2
import Foundation

extension GitRepository {
    /// Every file below `path` in the tree of commit `sha`, read straight from the object
    /// database (no checkout, no working tree, so concurrent renders of different revisions never
    /// disturb each other).
    ///
    /// - `path` is relative to the repository root; `""`, `"."` and `"/"` mean the root. A path
    ///   containing `..` is refused.
    /// - Submodules (gitlinks) are skipped: their content is not in this repository.
    /// - Symbolic links are reported with `symlinkTarget` set and empty `data`; they are not
    ///   followed.
    /// - `sha` should be a full SHA from `resolve(_:)`, so a render is pinned to one commit; any
    ///   revision `resolve(_:)` accepts works.
    ///
    /// Returned in path order. Blocking: call from a thread pool, not the cooperative pool.
    public func files(at sha: String, under path: String) throws(GitError) -> [GitFile] {
        let dir = try GitPath(path)
        return try withHandle { repo throws(GitError) in
            let commit = try lookupCommit(repo, sha)
            defer { git_commit_free(commit) }
            let commitSHA = hexString(git_commit_id(commit))

            var root: OpaquePointer?
            try check(git_commit_tree(&root, commit), "reading the tree of commit \(commitSHA)")
            guard let root else { throw GitError("commit \(commitSHA) has no tree") }
            defer { git_tree_free(root) }

            var start = root
            var subtree: OpaquePointer?
            if !dir.isRoot {
                subtree = try lookupDirectory(repo, root, dir, commitSHA)
                start = subtree!
            }
            defer { if let subtree { git_tree_free(subtree) } }

            var out: [GitFile] = []
            try collect(repo, tree: start, prefix: dir.string, into: &out)
            return out.sorted { $0.path < $1.path }
        }
    }

    private func lookupDirectory(_ repo: OpaquePointer, _ root: OpaquePointer, _ dir: GitPath, _ commitSHA: String) throws(GitError) -> OpaquePointer {
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, root, dir.string)
        guard code == 0, let entry else {
            if code == GIT_ENOTFOUND.rawValue {
                throw GitError("path \"\(dir.string)\" does not exist in commit \(commitSHA) of \(path)")
            }
            throw GitError.libgit2("looking up path \"\(dir.string)\" in commit \(commitSHA)", code: code)
        }
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else {
            throw GitError("path \"\(dir.string)\" in commit \(commitSHA) of \(path) is not a directory")
        }
        var tree: OpaquePointer?
        try check(git_tree_lookup(&tree, repo, git_tree_entry_id(entry)), "reading directory \"\(dir.string)\" in commit \(commitSHA)")
        return tree!
    }

    /// Depth-first walk; recursion depth is bounded by Git's own path length limits.
    private func collect(_ repo: OpaquePointer, tree: OpaquePointer, prefix: String, into out: inout [GitFile]) throws(GitError) {
        for index in 0..<git_tree_entrycount(tree) {
            guard let entry = git_tree_entry_byindex(tree, index) else { continue }
            let name = String(cString: git_tree_entry_name(entry))
            // libgit2 reads trees as they are; git itself (fsck) refuses these names. A tree
            // holding one was crafted to escape whatever directory its files are written to.
            if name.isEmpty || name == "." || name == ".." || name.contains("/") || name.lowercased() == ".git" {
                throw GitError("the tree at \"\(prefix)\" has an entry named \"\(name)\", which Git refuses (git fsck: badTree); remove it from the repository's history")
            }
            let entryPath = GitPath.join(prefix, name)
            let mode = git_tree_entry_filemode(entry)
            switch git_tree_entry_type(entry) {
            case GIT_OBJECT_TREE:
                var child: OpaquePointer?
                try check(git_tree_lookup(&child, repo, git_tree_entry_id(entry)), "reading directory \"\(entryPath)\"")
                defer { git_tree_free(child) }
                try collect(repo, tree: child!, prefix: entryPath, into: &out)
            case GIT_OBJECT_BLOB:
                let data = try blobData(repo, git_tree_entry_id(entry), entryPath)
                if mode == GIT_FILEMODE_LINK {
                    out.append(GitFile(path: entryPath, data: Data(), symlinkTarget: String(decoding: data, as: UTF8.self)))
                } else {
                    out.append(GitFile(path: entryPath, data: data))
                }
            default:
                continue // GIT_OBJECT_COMMIT: a submodule, whose content lives elsewhere.
            }
        }
    }

    private func blobData(_ repo: OpaquePointer, _ oid: UnsafePointer<git_oid>?, _ entryPath: String) throws(GitError) -> Data {
        var blob: OpaquePointer?
        try check(git_blob_lookup(&blob, repo, oid), "reading file \"\(entryPath)\"")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let raw = git_blob_rawcontent(blob) else { return Data() }
        return Data(bytes: raw, count: size)
    }
}
