import ServiceLifecycle

/// Expires commands that waited too long for their agent (`--command-ttl`), every few
/// seconds, so the issuer sees "expired" on the app and in the audit trail soon after it
/// happened rather than whenever the agent comes back.
public struct CommandExpiry: Service {
    let hub: Hub
    let interval: Duration

    public init(hub: Hub, interval: Duration = .seconds(5)) {
        self.hub = hub
        self.interval = interval
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await hub.expireCommands()
            }
        }
    }
}

/// Writes the agents' heartbeats to the store once per heartbeat interval, for all clusters in
/// one transaction (see `AgentSessions.heartbeat`).
public struct HeartbeatRecorder: Service {
    let hub: Hub

    public init(hub: Hub) { self.hub = hub }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: hub.configuration.heartbeatInterval)
                await hub.flushHeartbeats()
            }
        }
        await hub.flushHeartbeats()
    }
}
