import Foundation
import HawserProtocol
import HawserWire
import AgentLink

/// The agent's state directory: its identity (key, certificate, the hub's CA), and the last
/// assignments, so a restart while the hub is down still knows the desired state.
///
/// ```
///   identity.json   cluster id and name, hub address
///   key.pem         private key (0600)          cert.pem   client certificate (0600)
///   ca.pem          the hub's CA (0600)         assignments.json   desired state + applied revisions
///   progress.json   commands handled, syncs asked for or running (small; written on each)
///   outbox.ndjson   statuses not yet acknowledged by the hub (StatusOutbox)
/// ```
public struct AgentStateDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    var identityPath: String { path + "/identity.json" }
    var keyPath: String { path + "/key.pem" }
    var certificatePath: String { path + "/cert.pem" }
    var caPath: String { path + "/ca.pem" }
    var assignmentsPath: String { path + "/assignments.json" }
    var progressPath: String { path + "/progress.json" }
    var outboxPath: String { path + "/outbox.ndjson" }

    /// What must survive a crash between receiving a command and finishing what it asked:
    /// the last command handled (so a resent one is not run twice), manual syncs not finished
    /// yet (a restart runs them), and syncs in progress (a restart reports each interrupted).
    public struct Progress: Codable, Sendable, Equatable {
        public struct SyncRequest: Codable, Sendable, Equatable {
            public var by: String
            /// The command's `streamSeq`; 0 when the hub predates streams.
            public var seq: UInt64
        }
        public var commandStream: String?
        /// The highest command position handled (for `hello`).
        public var commandSeq: UInt64 = 0
        /// The positions of the last commands handled: commands may arrive out of order (two
        /// issued at once, or one resent after a reconnect), so a resend is recognised by its
        /// position, not by being below the highest.
        public var handledCommands: [UInt64] = []
        public var pendingSyncs: [String: SyncRequest] = [:]
        public var running: [String: OperationState] = [:]
        public init() {}

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            commandStream = try c.decodeIfPresent(String.self, forKey: .commandStream)
            commandSeq = try c.decodeIfPresent(UInt64.self, forKey: .commandSeq) ?? 0
            handledCommands = try c.decodeIfPresent([UInt64].self, forKey: .handledCommands) ?? []
            pendingSyncs = try c.decodeIfPresent([String: SyncRequest].self, forKey: .pendingSyncs) ?? [:]
            running = try c.decodeIfPresent([String: OperationState].self, forKey: .running) ?? [:]
        }

        public static let remembered = 512

        /// Whether the command at `seq` was handled already; records it otherwise.
        public mutating func firstTime(_ seq: UInt64) -> Bool {
            if handledCommands.contains(seq) { return false }
            // Older than everything remembered, with the memory full: handled long ago.
            if handledCommands.count >= Self.remembered, let oldest = handledCommands.min(), seq < oldest { return false }
            handledCommands.append(seq)
            if handledCommands.count > Self.remembered { handledCommands.removeFirst(handledCommands.count - Self.remembered) }
            commandSeq = max(commandSeq, seq)
            return true
        }
    }

    func loadProgress() -> Progress {
        guard let data = FileManager.default.contents(atPath: progressPath),
              let p = try? WireJSON.decoder().decode(Progress.self, from: data) else { return Progress() }
        return p
    }

    func saveProgress(_ p: Progress) throws {
        let data = try WireJSON.encoder().encode(p)
        try SecretFile.write(String(decoding: data, as: UTF8.self), to: progressPath)
    }

    public struct Identity: Codable, Sendable {
        public var clusterId: String
        public var clusterName: String
        public var hub: String
        public init(clusterId: String, clusterName: String, hub: String) {
            self.clusterId = clusterId
            self.clusterName = clusterName
            self.hub = hub
        }
    }

    /// Desired state as last received, what was applied of it, and every object each app
    /// has applied (its inventory, as Flux calls it): what Git drops is found there, so pruning
    /// never has to guess and never touches an object the app did not create.
    public struct Snapshot: Codable, Sendable {
        public var assignments: [String: Assignment] = [:]
        public var applied: [String: AppliedRevision] = [:]
        public var inventory: [String: [ResourceKey]] = [:]
        public init() {}

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            assignments = try c.decodeIfPresent([String: Assignment].self, forKey: .assignments) ?? [:]
            applied = try c.decodeIfPresent([String: AppliedRevision].self, forKey: .applied) ?? [:]
            inventory = try c.decodeIfPresent([String: [ResourceKey]].self, forKey: .inventory) ?? [:]
        }
    }

    public var isJoined: Bool {
        FileManager.default.fileExists(atPath: certificatePath) && FileManager.default.fileExists(atPath: identityPath)
    }

    func ensureExists() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    public func identity() throws -> Identity {
        guard let data = FileManager.default.contents(atPath: identityPath) else {
            throw LinkError("\(path) holds no agent identity; run `hawser-agent join` first")
        }
        return try JSONDecoder().decode(Identity.self, from: data)
    }

    public func saveIdentity(_ identity: Identity, keyPEM: String, issued: CertificateIssued) throws {
        try ensureExists()
        try SecretFile.write(keyPEM, to: keyPath)
        try SecretFile.write(issued.certificatePEM, to: certificatePath)
        try SecretFile.write(issued.caPEM, to: caPath)
        let data = try JSONEncoder().encode(identity)
        try SecretFile.write(String(decoding: data, as: UTF8.self), to: identityPath)
    }

    /// Replaces key and certificate after a renewal. Both are fully written under temporary
    /// names first and then renamed back to back, so a crash can only fall between two renames,
    /// never leave a half-written key.
    func saveRenewed(keyPEM: String, certificatePEM: String) throws {
        try SecretFile.write(keyPEM, to: keyPath + ".new")
        try SecretFile.write(certificatePEM, to: certificatePath + ".new")
        guard rename(keyPath + ".new", keyPath) == 0, rename(certificatePath + ".new", certificatePath) == 0 else {
            throw LinkError("cannot replace the certificate in \(path)")
        }
    }

    public func credentials() throws -> LinkCredentials {
        func read(_ p: String) throws -> String {
            guard let d = FileManager.default.contents(atPath: p) else { throw LinkError("cannot read \(p); run `hawser-agent join` again") }
            return String(decoding: d, as: UTF8.self)
        }
        return LinkCredentials(caPEM: try read(caPath), certificatePEM: try read(certificatePath), keyPEM: try read(keyPath))
    }

    func loadSnapshot() -> Snapshot {
        guard let data = FileManager.default.contents(atPath: assignmentsPath),
              let s = try? WireJSON.decoder().decode(Snapshot.self, from: data) else { return Snapshot() }
        return s
    }

    func saveSnapshot(_ s: Snapshot) throws {
        let data = try WireJSON.encoder().encode(s)
        try SecretFile.write(String(decoding: data, as: UTF8.self), to: assignmentsPath)
    }
}
