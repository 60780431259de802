import Foundation

/// The hub ⇄ agent line protocol, version 1. `Protocol/PROTOCOL.md` is the specification; the
/// golden frames in `Protocol/vectors/` are decoded by the tests so the two cannot drift apart.
///
/// On the wire every frame is one JSON object on one line with a `type`, a per-direction `seq`,
/// and the payload's fields beside them (flat, so a frame reads well in a log or a capture).
public enum ProtocolVersion {
    /// Versions this build speaks, in preference order is irrelevant: negotiation picks the highest common one.
    public static let supported: [Int] = [1]

    /// The highest version both sides speak, or `nil` when there is none.
    public static func negotiate(offered: [Int], supported: [Int] = supported) -> Int? {
        Set(offered).intersection(supported).max()
    }
}

/// Sent first by the agent on every connection.
public struct Hello: Codable, Sendable, Hashable {
    public var protocolVersions: [Int]
    public var agentVersion: String
    public var clusterId: String
    public var kubernetesVersion: String?
    /// What the agent last applied, per application: lets the hub resend only what changed.
    public var lastApplied: [String: AppliedRevision]
    /// Digests of the manifest bundles the agent holds (`Assignment.bundle`). Present when the
    /// agent accepts assignments that name a bundle instead of carrying it; absent from agents
    /// that predate bundles, which always get the manifests.
    public var bundles: [String]?
    /// The agent's status stream (see PROTOCOL.md, Delivery): statuses carry a `streamSeq` in
    /// it, and `welcome.statusSeq` says how far the hub has stored them. A new id (a wiped
    /// state directory) starts a new stream. Absent from agents that predate streams.
    public var statusStream: String?
    /// The hub's command stream the agent last took commands from, and the `streamSeq` of the
    /// last command it handled there: the hub resends what came after.
    public var commandStream: String?
    public var commandSeq: UInt64?

    public init(protocolVersions: [Int], agentVersion: String, clusterId: String, kubernetesVersion: String?, lastApplied: [String: AppliedRevision], bundles: [String]? = nil,
                statusStream: String? = nil, commandStream: String? = nil, commandSeq: UInt64? = nil) {
        self.bundles = bundles
        self.statusStream = statusStream
        self.commandStream = commandStream
        self.commandSeq = commandSeq
        self.protocolVersions = protocolVersions
        self.agentVersion = agentVersion
        self.clusterId = clusterId
        self.kubernetesVersion = kubernetesVersion
        self.lastApplied = lastApplied
    }
}

public struct AppliedRevision: Codable, Sendable, Hashable {
    public var revision: String
    public var generation: Int
    /// The bundle of the assignment held (`Assignment.bundle`).
    public var bundle: String?
    public init(revision: String, generation: Int, bundle: String? = nil) {
        self.revision = revision
        self.generation = generation
        self.bundle = bundle
    }
}

/// The hub's answer to `hello`.
public struct Welcome: Codable, Sendable, Hashable {
    public var protocolVersion: Int
    public var heartbeatSeconds: Double
    public var clusterName: String
    /// The highest `streamSeq` of `hello.statusStream` the hub has stored (0: none). The agent
    /// drops what it queued up to here and sends the rest. Absent when hello named no stream.
    public var statusSeq: UInt64?
    /// The hub's command stream: `command.streamSeq` numbers commands in it. A different id
    /// than the agent last saw (the hub's store was replaced) restarts the agent's count.
    public var commandStream: String?
    public init(protocolVersion: Int, heartbeatSeconds: Double, clusterName: String, statusSeq: UInt64? = nil, commandStream: String? = nil) {
        self.statusSeq = statusSeq
        self.commandStream = commandStream
        self.protocolVersion = protocolVersion
        self.heartbeatSeconds = heartbeatSeconds
        self.clusterName = clusterName
    }
}

/// How an application syncs; mirrors Argo CD's `syncPolicy` (automated, selfHeal, prune,
/// syncOptions, retry).
public struct SyncPolicy: Codable, Sendable, Hashable {
    /// Apply new revisions without a manual sync.
    public var automated: Bool
    /// Undo drift in the live cluster.
    public var selfHeal: Bool
    /// Delete what Git no longer has.
    public var prune: Bool
    /// E.g. `CreateNamespace=true`, `ServerSideApply=force`, `PruneLast=true` (see `SyncOption`).
    public var syncOptions: [String]
    /// Retries of a failed sync; nil: no retries.
    public var retry: RetryPolicy?

    public init(automated: Bool = false, selfHeal: Bool = false, prune: Bool = false, syncOptions: [String] = [], retry: RetryPolicy? = nil) {
        self.automated = automated
        self.selfHeal = selfHeal
        self.prune = prune
        self.syncOptions = syncOptions
        self.retry = retry
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        automated = try c.decodeIfPresent(Bool.self, forKey: .automated) ?? false
        selfHeal = try c.decodeIfPresent(Bool.self, forKey: .selfHeal) ?? false
        prune = try c.decodeIfPresent(Bool.self, forKey: .prune) ?? false
        syncOptions = try c.decodeIfPresent([String].self, forKey: .syncOptions) ?? []
        retry = try c.decodeIfPresent(RetryPolicy.self, forKey: .retry)
    }

    public func has(_ option: String) -> Bool { syncOptions.contains(option) }
}

/// The desired state of one application on the receiving agent's cluster.
public struct Assignment: Codable, Sendable, Hashable {
    public var appId: String
    public var project: String
    /// Commit SHA the manifests were rendered from.
    public var revision: String
    /// Bumped by the hub each time the rendered manifests change, so a re-render of the same
    /// commit (e.g. after an app edit) is still recognised as new.
    public var generation: Int
    public var manifests: [Manifest]
    /// Content address of `manifests` (SHA-256 of their canonical JSON). The hub leaves
    /// `manifests` out (`manifestsOmitted`) when the agent already holds this bundle, from an
    /// earlier generation or another application: a settings change or a reconnect re-sends
    /// a few hundred bytes, not megabytes.
    public var bundle: String?
    /// True when `manifests` was left out: the agent takes them from the bundle it holds.
    public var manifestsOmitted: Bool
    public var syncPolicy: SyncPolicy
    public var destinationNamespace: String
    /// Fields the comparison ignores (Argo CD's `ignoreDifferences`).
    public var ignoreDifferences: [IgnoreDifference]
    /// The project's rules for this cluster; the agent refuses objects outside them. `nil` from
    /// a hub that predates projects.
    public var projectRules: ProjectRules?
    /// The project's sync windows that apply to this app; automated syncs wait outside them.
    public var syncWindows: [SyncWindow]

    public init(appId: String, project: String, revision: String, generation: Int, manifests: [Manifest], syncPolicy: SyncPolicy, destinationNamespace: String, ignoreDifferences: [IgnoreDifference] = [], projectRules: ProjectRules? = nil, syncWindows: [SyncWindow] = [],
                bundle: String? = nil) {
        self.bundle = bundle
        self.manifestsOmitted = false
        self.projectRules = projectRules
        self.syncWindows = syncWindows
        self.appId = appId
        self.project = project
        self.revision = revision
        self.generation = generation
        self.manifests = manifests
        self.syncPolicy = syncPolicy
        self.destinationNamespace = destinationNamespace
        self.ignoreDifferences = ignoreDifferences
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        appId = try c.decode(String.self, forKey: .appId)
        project = try c.decode(String.self, forKey: .project)
        revision = try c.decode(String.self, forKey: .revision)
        generation = try c.decode(Int.self, forKey: .generation)
        bundle = try c.decodeIfPresent(String.self, forKey: .bundle)
        if let listed = try c.decodeIfPresent([Manifest].self, forKey: .manifests) {
            manifests = listed
            manifestsOmitted = false
        } else {
            guard bundle != nil else {
                throw DecodingError.keyNotFound(CodingKeys.manifests, .init(codingPath: c.codingPath, debugDescription: "an assignment needs manifests or a bundle"))
            }
            manifests = []
            manifestsOmitted = true
        }
        syncPolicy = try c.decode(SyncPolicy.self, forKey: .syncPolicy)
        destinationNamespace = try c.decode(String.self, forKey: .destinationNamespace)
        ignoreDifferences = try c.decodeIfPresent([IgnoreDifference].self, forKey: .ignoreDifferences) ?? []
        projectRules = try c.decodeIfPresent(ProjectRules.self, forKey: .projectRules)
        syncWindows = try c.decodeIfPresent([SyncWindow].self, forKey: .syncWindows) ?? []
    }

    enum CodingKeys: String, CodingKey {
        case appId, project, revision, generation, manifests, bundle, syncPolicy, destinationNamespace, ignoreDifferences, projectRules, syncWindows
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(appId, forKey: .appId)
        try c.encode(project, forKey: .project)
        try c.encode(revision, forKey: .revision)
        try c.encode(generation, forKey: .generation)
        if !manifestsOmitted { try c.encode(manifests, forKey: .manifests) }
        try c.encodeIfPresent(bundle, forKey: .bundle)
        try c.encode(syncPolicy, forKey: .syncPolicy)
        try c.encode(destinationNamespace, forKey: .destinationNamespace)
        try c.encode(ignoreDifferences, forKey: .ignoreDifferences)
        try c.encodeIfPresent(projectRules, forKey: .projectRules)
        try c.encode(syncWindows, forKey: .syncWindows)
    }

    /// The same assignment naming its bundle only.
    public func withoutManifests() -> Assignment {
        var copy = self
        copy.manifests = []
        copy.manifestsOmitted = true
        return copy
    }
}

/// The hub withdraws an application from the cluster (it was deleted on the hub).
public struct Unassign: Codable, Sendable, Hashable {
    public var appId: String
    /// Delete the application's resources too (Argo CD's cascading delete).
    public var cascade: Bool
    public init(appId: String, cascade: Bool) {
        self.appId = appId
        self.cascade = cascade
    }
}

/// A sync operation's phase, in Argo CD's words.
public enum OperationPhase: String, Codable, Sendable {
    case running = "Running"
    case succeeded = "Succeeded"
    case failed = "Failed"
    case error = "Error"
}

/// Per-application status reported by the agent.
public struct AppStatusReport: Codable, Sendable, Hashable {
    public var appId: String
    public var observedRevision: String?
    public var observedGeneration: Int?
    public var sync: SyncStatusCode
    public var health: HealthStatusCode
    public var resources: [ResourceStatus]
    public var conditions: [AppCondition]
    public var operationPhase: OperationPhase?
    public var message: String?
    /// The last sync operation with its per-resource results.
    public var operation: OperationState?
    /// Position in the agent's status stream (`hello.statusStream`): the hub stores each
    /// position once, so a status resent after a reconnect is acknowledged, not applied twice.
    public var streamSeq: UInt64?
    public init(appId: String, observedRevision: String?, observedGeneration: Int?, sync: SyncStatusCode, health: HealthStatusCode, resources: [ResourceStatus], conditions: [AppCondition] = [], operationPhase: OperationPhase? = nil, message: String? = nil, operation: OperationState? = nil,
                streamSeq: UInt64? = nil) {
        self.streamSeq = streamSeq
        self.operation = operation
        self.appId = appId
        self.observedRevision = observedRevision
        self.observedGeneration = observedGeneration
        self.sync = sync
        self.health = health
        self.resources = resources
        self.conditions = conditions
        self.operationPhase = operationPhase
        self.message = message
    }
}

public struct Ack: Codable, Sendable, Hashable {
    /// The peer's `seq` being acknowledged.
    public var ackSeq: UInt64
    /// From the hub: cumulative, every status of the agent's stream up to this `streamSeq` is
    /// stored. From the agent: the position of the one command it handled (commands may
    /// arrive out of order, so theirs are not cumulative).
    public var streamSeq: UInt64?
    public init(ackSeq: UInt64, streamSeq: UInt64? = nil) {
        self.ackSeq = ackSeq
        self.streamSeq = streamSeq
    }
}

public struct Command: Codable, Sendable, Hashable {
    public enum Action: String, Codable, Sendable {
        /// Apply the current assignment now (Argo CD's "Sync").
        case sync
        /// Re-read the live state and report it (Argo CD's "Refresh").
        case refresh
    }
    public var action: Action
    public var appId: String
    /// Who asked, for the agent's log.
    public var initiatedBy: String?
    /// Position in the hub's command stream (`welcome.commandStream`): the agent handles each
    /// once and acknowledges it; unacknowledged commands are sent again after a reconnect.
    public var streamSeq: UInt64?
    /// When it was asked for, and after when it is void: a sync queued for an agent that was
    /// away is delivered when it returns, unless it expired (the issuer sees that on the hub).
    public var issuedAt: Date?
    public var expiresAt: Date?
    public init(action: Action, appId: String, initiatedBy: String? = nil, streamSeq: UInt64? = nil, issuedAt: Date? = nil, expiresAt: Date? = nil) {
        self.streamSeq = streamSeq
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.action = action
        self.appId = appId
        self.initiatedBy = initiatedBy
    }
}

/// Registration: a one-time bootstrap token and a CSR (PEM). Sent on a TLS connection that
/// has no client certificate yet.
public struct Join: Codable, Sendable, Hashable {
    public var token: String
    public var csrPEM: String
    public var agentVersion: String
    public init(token: String, csrPEM: String, agentVersion: String) {
        self.token = token
        self.csrPEM = csrPEM
        self.agentVersion = agentVersion
    }
}

/// Certificate renewal over the live connection.
public struct Renew: Codable, Sendable, Hashable {
    public var csrPEM: String
    public init(csrPEM: String) { self.csrPEM = csrPEM }
}

/// A signed client certificate (answer to `join` or `renew`).
public struct CertificateIssued: Codable, Sendable, Hashable {
    public var clusterId: String
    public var clusterName: String
    public var certificatePEM: String
    public var caPEM: String
    public var notAfter: Date
    public init(clusterId: String, clusterName: String, certificatePEM: String, caPEM: String, notAfter: Date) {
        self.clusterId = clusterId
        self.clusterName = clusterName
        self.certificatePEM = certificatePEM
        self.caPEM = caPEM
        self.notAfter = notAfter
    }
}

/// Stable, machine-readable error codes; `message` says what happened and how to fix it.
public struct ProtocolError: Codable, Sendable, Hashable, Error, CustomStringConvertible {
    public enum Code: String, Codable, Sendable {
        case frameTooLarge = "frame_too_large"
        case invalidJSON = "invalid_json"
        case invalidUTF8 = "invalid_utf8"
        case invalidFrame = "invalid_frame"
        case unexpectedFrame = "unexpected_frame"
        case noCommonVersion = "no_common_version"
        case tokenUnknown = "token_unknown"
        case tokenExpired = "token_expired"
        case tokenUsed = "token_used"
        case invalidCSR = "invalid_csr"
        case clusterRevoked = "cluster_revoked"
        case clusterUnknown = "cluster_unknown"
        case clusterMismatch = "cluster_mismatch"
        case certificateSuperseded = "certificate_superseded"
        case certificateRequired = "certificate_required"
        case heartbeatTimeout = "heartbeat_timeout"
        /// An assignment named a bundle the agent does not hold; the hub resends it whole.
        case bundleMissing = "bundle_missing"
        case `internal` = "internal"
    }
    public var code: Code
    public var message: String
    /// The application an error is about, when it is about one (`bundle_missing`).
    public var appId: String?
    public init(_ code: Code, _ message: String, appId: String? = nil) {
        self.code = code
        self.message = message
        self.appId = appId
    }
    public var description: String { "\(code.rawValue): \(message)" }
}

public struct Bye: Codable, Sendable, Hashable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

public struct Ping: Codable, Sendable, Hashable {
    public var sentAt: Date
    public init(sentAt: Date) { self.sentAt = sentAt }
}

/// One frame of the line protocol.
public enum Frame: Sendable, Hashable {
    case hello(Hello)
    case welcome(Welcome)
    case join(Join)
    case assignment(Assignment)
    case unassign(Unassign)
    case status(AppStatusReport)
    case ack(Ack)
    case ping(Ping)
    case pong(Ping)
    case command(Command)
    case renew(Renew)
    case certificate(CertificateIssued)
    case error(ProtocolError)
    case bye(Bye)
    /// A `type` this version does not know: ignored with a warning, for forward compatibility.
    case unknown(type: String)

    public var type: String {
        switch self {
        case .hello: "hello"
        case .welcome: "welcome"
        case .join: "join"
        case .assignment: "assignment"
        case .unassign: "unassign"
        case .status: "status"
        case .ack: "ack"
        case .ping: "ping"
        case .pong: "pong"
        case .command: "command"
        case .renew: "renew"
        case .certificate: "certificate"
        case .error: "error"
        case .bye: "bye"
        case .unknown(let t): t
        }
    }
}

/// A frame with its sequence number, as it travels.
public struct Envelope: Sendable, Hashable {
    public var seq: UInt64
    public var frame: Frame
    public init(seq: UInt64, frame: Frame) {
        self.seq = seq
        self.frame = frame
    }
}

private enum EnvelopeKeys: String, CodingKey {
    case type, seq
}

extension Envelope: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: EnvelopeKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        seq = try c.decode(UInt64.self, forKey: .seq)
        switch type {
        case "hello": frame = .hello(try Hello(from: decoder))
        case "welcome": frame = .welcome(try Welcome(from: decoder))
        case "join": frame = .join(try Join(from: decoder))
        case "assignment": frame = .assignment(try Assignment(from: decoder))
        case "unassign": frame = .unassign(try Unassign(from: decoder))
        case "status": frame = .status(try AppStatusReport(from: decoder))
        case "ack": frame = .ack(try Ack(from: decoder))
        case "ping": frame = .ping(try Ping(from: decoder))
        case "pong": frame = .pong(try Ping(from: decoder))
        case "command": frame = .command(try Command(from: decoder))
        case "renew": frame = .renew(try Renew(from: decoder))
        case "certificate": frame = .certificate(try CertificateIssued(from: decoder))
        case "error": frame = .error(try ProtocolError(from: decoder))
        case "bye": frame = .bye(try Bye(from: decoder))
        default: frame = .unknown(type: type)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: EnvelopeKeys.self)
        try c.encode(frame.type, forKey: .type)
        try c.encode(seq, forKey: .seq)
        switch frame {
        case .hello(let p): try p.encode(to: encoder)
        case .welcome(let p): try p.encode(to: encoder)
        case .join(let p): try p.encode(to: encoder)
        case .assignment(let p): try p.encode(to: encoder)
        case .unassign(let p): try p.encode(to: encoder)
        case .status(let p): try p.encode(to: encoder)
        case .ack(let p): try p.encode(to: encoder)
        case .ping(let p): try p.encode(to: encoder)
        case .pong(let p): try p.encode(to: encoder)
        case .command(let p): try p.encode(to: encoder)
        case .renew(let p): try p.encode(to: encoder)
        case .certificate(let p): try p.encode(to: encoder)
        case .error(let p): try p.encode(to: encoder)
        case .bye(let p): try p.encode(to: encoder)
        case .unknown: break
        }
    }
}

/// JSON coders configured the same way on both sides (ISO 8601 dates, sorted keys).
public enum WireJSON {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, enc in
            var c = enc.singleValueContainer()
            try c.encode(formatDate(date))
        }
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { dec in
            let c = try dec.singleValueContainer()
            let s = try c.decode(String.self)
            guard let date = parseDate(s) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected an RFC 3339 date, got \(s)")
            }
            return date
        }
        return d
    }

    /// RFC 3339 with milliseconds, UTC.
    public static func formatDate(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }

    public static func parseDate(_ s: String) -> Date? {
        if let d = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(s) { return d }
        return try? Date.ISO8601FormatStyle().parse(s)
    }
}

extension Duration {
    /// The duration in seconds, as the protocol carries intervals (`heartbeatSeconds`).
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
