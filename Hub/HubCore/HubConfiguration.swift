import Foundation

/// Settings the hub's domain needs; the composition root fills them from flags.
public struct HubConfiguration: Sendable {
    /// `host:port` agents dial; printed in join commands.
    public var advertiseAddress: String
    public var heartbeatInterval: Duration
    public var pollInterval: Duration
    public var agentCertificateLifetime: TimeInterval
    public var bootstrapTokenLifetime: TimeInterval
    public var version: String

    public init(
        advertiseAddress: String,
        heartbeatInterval: Duration = .seconds(10),
        pollInterval: Duration = .seconds(180),
        agentCertificateLifetime: TimeInterval = 30 * 86400,
        bootstrapTokenLifetime: TimeInterval = 3600,
        version: String = HawserVersion.current
    ) {
        self.advertiseAddress = advertiseAddress
        self.heartbeatInterval = heartbeatInterval
        self.pollInterval = pollInterval
        self.agentCertificateLifetime = agentCertificateLifetime
        self.bootstrapTokenLifetime = bootstrapTokenLifetime
        self.version = version
    }
}

public enum HawserVersion {
    public static let current = "0.1.0"
}
