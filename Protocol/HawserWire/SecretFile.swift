import Foundation

/// Key and certificate files, written the way both sides need them: created 0600 from the
/// first byte (never briefly world-readable under the umask), synced, and renamed into place,
/// so a crash never leaves half a key behind.
public enum SecretFile {
    public static func write(_ text: String, to path: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        unlink(tmp)
        let fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("create", tmp) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                close(fd)
                unlink(tmp)
                throw failure("write", tmp)
            }
            written += n
        }
        fsync(fd)
        close(fd)
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw failure("rename into place", path)
        }
    }

    static func failure(_ what: String, _ path: String) -> CocoaError {
        CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "cannot \(what) \(path): \(String(cString: strerror(errno)))"])
    }
}
