import CLibGit2

/// libgit2 must be initialised once per process before any other call. A global `let` is
/// initialised lazily and exactly once (thread-safe), so touching it is the whole ceremony.
/// It is never shut down: the hub reads repositories for its whole life.
let libgit2Initialized: Int32 = git_libgit2_init()

func ensureLibgit2() {
    _ = libgit2Initialized
}
