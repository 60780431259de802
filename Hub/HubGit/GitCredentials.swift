import Foundation

/// How the hub authenticates to a remote and checks who it is talking to. Built from a
/// registered repository's decrypted secrets just before a fetch and dropped right after:
/// nothing here is logged or written to disk.
public struct GitCredentials: Sendable {
    public enum Secret: Sendable {
        case none
        /// HTTPS basic authentication (a password or a forge's access token).
        case password(username: String, password: String)
        /// SSH public key authentication; `username` is usually `git`.
        case sshKey(username: String, privateKey: String, passphrase: String?)
    }

    public var secret: Secret
    /// Accept any TLS certificate or SSH host key (Argo CD's `--insecure-skip-server-verification`).
    public var insecureSkipServerVerification: Bool
    /// `known_hosts` lines (`host keytype base64key`) an SSH server's key must match. Without
    /// them, and without `insecureSkipServerVerification`, an SSH fetch is refused: a host key
    /// nobody vouched for could be anyone's.
    public var sshKnownHosts: [String]

    public init(secret: Secret = .none, insecureSkipServerVerification: Bool = false, sshKnownHosts: [String] = []) {
        self.secret = secret
        self.insecureSkipServerVerification = insecureSkipServerVerification
        self.sshKnownHosts = sshKnownHosts
    }

    /// The raw host key blobs `known_hosts` lists for `host` (hashed `|1|` entries are not
    /// supported and never match).
    func knownHostKeys(for host: String) -> [Data] {
        sshKnownHosts.compactMap { line -> Data? in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count >= 3, !line.hasPrefix("#") else { return nil }
            let hosts = fields[0].split(separator: ",").map { name -> String in
                // `[host]:port` names a host on a non-default port; the port is not checked.
                var n = String(name)
                if n.hasPrefix("["), let end = n.firstIndex(of: "]") { n = String(n[n.index(after: n.startIndex)..<end]) }
                return n
            }
            guard hosts.contains(host) else { return nil }
            return Data(base64Encoded: fields[2])
        }
    }
}
