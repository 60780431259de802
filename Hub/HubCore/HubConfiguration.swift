import Foundation
import HubRender

/// Settings the hub's domain needs; the composition root fills them from flags.
public struct HubConfiguration: Sendable {
    /// `host:port` agents dial; printed in join commands.
    public var advertiseAddress: String
    public var heartbeatInterval: Duration
    public var pollInterval: Duration
    /// Up to this much is added to each repository's poll interval at random, so a thousand
    /// repositories are not all fetched in the same second.
    public var pollJitter: Duration
    /// Where the bare mirrors live (`<data>/repos`).
    public var repoCacheDirectory: String
    /// Scratch space for the checkouts kustomize and helm read (`<data>/render`).
    public var renderScratchDirectory: String
    /// A fetch making no progress past this is cancelled.
    public var gitFetchTimeout: Duration
    /// Time and output bounds of one kustomize or helm run.
    public var renderLimits: RenderLimits
    /// Where kustomize, kubectl and helm are looked for (default: `PATH`).
    public var toolSearchPath: [String]?
    public var agentCertificateLifetime: TimeInterval
    public var bootstrapTokenLifetime: TimeInterval
    /// How long a command (sync, refresh) waits for a disconnected agent before it expires.
    public var commandTTL: Duration
    public var version: String

    public init(
        advertiseAddress: String,
        heartbeatInterval: Duration = .seconds(10),
        pollInterval: Duration = .seconds(180),
        pollJitter: Duration? = nil,
        repoCacheDirectory: String,
        renderScratchDirectory: String,
        gitFetchTimeout: Duration = .seconds(120),
        renderLimits: RenderLimits = RenderLimits(),
        toolSearchPath: [String]? = nil,
        agentCertificateLifetime: TimeInterval = 30 * 86400,
        bootstrapTokenLifetime: TimeInterval = 3600,
        commandTTL: Duration = .seconds(900),
        version: String = HawserVersion.current
    ) {
        self.commandTTL = commandTTL
        self.advertiseAddress = advertiseAddress
        self.heartbeatInterval = heartbeatInterval
        self.pollInterval = pollInterval
        self.pollJitter = pollJitter ?? pollInterval / 5
        self.repoCacheDirectory = repoCacheDirectory
        self.renderScratchDirectory = renderScratchDirectory
        self.gitFetchTimeout = gitFetchTimeout
        self.renderLimits = renderLimits
        self.toolSearchPath = toolSearchPath
        self.agentCertificateLifetime = agentCertificateLifetime
        self.bootstrapTokenLifetime = bootstrapTokenLifetime
        self.version = version
    }
}

public enum HawserVersion {
    public static let current = "0.1.0"
}
