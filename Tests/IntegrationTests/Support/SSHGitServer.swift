import Foundation
import OIDCTestSupport

/// A real SSH server for Git on loopback: Debian's OpenSSH `sshd` with its own host key and
/// one authorized client key, serving bare repositories through `git-upload-pack` as a forge's
/// SSH endpoint does.
struct SSHGitServer {
    let process: Process
    let port: Int
    let directory: String
    let user: String

    /// Where `sshd` is, or nil (then the SSH tests say they skipped). It must run as root here:
    /// OpenSSH's privilege separation needs `/run/sshd` and root to change users.
    static var sshd: String? {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") && geteuid() == 0 ? "/usr/sbin/sshd" : nil
    }

    var clientKeyPath: String { directory + "/client_key" }
    var otherKeyPath: String { directory + "/other_key" }
    /// A `known_hosts` line for this server, as `ssh-keyscan -p PORT 127.0.0.1` prints it.
    var knownHostsLine: String {
        let pub = (try? String(contentsOfFile: directory + "/host_key.pub", encoding: .utf8)) ?? ""
        let fields = pub.split(separator: " ")
        return "[127.0.0.1]:\(port) \(fields.prefix(2).joined(separator: " "))"
    }

    static func start() async throws -> SSHGitServer {
        guard let sshd else { throw TestFailure("no /usr/sbin/sshd (Debian openssh-server)") }
        let dir = tempDirectory("sshd")
        for key in ["host_key", "client_key", "other_key"] {
            let out = try await Proc.run("ssh-keygen", ["-q", "-t", "ecdsa", "-b", "256", "-N", "", "-C", key, "-f", dir + "/" + key])
            guard out.ok else { throw TestFailure("ssh-keygen: \(out.stderr)") }
        }
        try FileManager.default.copyItem(atPath: dir + "/client_key.pub", toPath: dir + "/authorized_keys")
        try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        let port = try ChildProcess.freePort()
        let user = ProcessInfo.processInfo.environment["USER"] ?? NSUserName()
        try """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(dir)/host_key
            AuthorizedKeysFile \(dir)/authorized_keys
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PermitRootLogin prohibit-password
            PidFile \(dir)/sshd.pid
            LogLevel ERROR

            """.write(toFile: dir + "/sshd_config", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: sshd)
        p.arguments = ["-D", "-e", "-f", dir + "/sshd_config"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        try await eventually("sshd listening on \(port)") { FileManager.default.fileExists(atPath: dir + "/sshd.pid") }
        return SSHGitServer(process: p, port: port, directory: dir, user: user)
    }

    func stop() { kill(process.processIdentifier, SIGKILL) }
}
