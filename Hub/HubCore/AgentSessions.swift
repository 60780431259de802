import HawserProtocol

/// What the hub's domain needs from one live agent connection. The gateway implements it;
/// the domain never sees a socket.
public protocol AgentSession: Sendable {
    var clusterId: String { get }
    /// Queues a frame for the agent; a closed session drops it (state is resent on reconnect).
    func send(_ frame: Frame) async
    /// Ends the connection, telling the agent why first.
    func close(with error: ProtocolError?) async
}

/// The agent connections currently open, by cluster. One session per cluster: a second
/// connection for the same cluster replaces the first (the agent restarted or reconnected
/// before the hub noticed the old link was dead).
actor AgentSessions {
    private var sessions: [String: any AgentSession] = [:]
    private var tokens: [String: Int] = [:]
    private var nextToken = 0

    /// Registers `session`, returning a token to pass to `remove` and the session it replaced.
    func add(_ session: any AgentSession) -> (token: Int, replaced: (any AgentSession)?) {
        nextToken += 1
        let old = sessions[session.clusterId]
        sessions[session.clusterId] = session
        tokens[session.clusterId] = nextToken
        return (nextToken, old)
    }

    /// Removes the session only if it is still the registered one (a replaced session's late
    /// disconnect must not unregister its successor). Returns whether it was removed.
    func remove(clusterId: String, token: Int) -> Bool {
        guard tokens[clusterId] == token else { return false }
        sessions[clusterId] = nil
        tokens[clusterId] = nil
        return true
    }

    func session(for clusterId: String) -> (any AgentSession)? { sessions[clusterId] }

    func all() -> [any AgentSession] { Array(sessions.values) }

    func isConnected(_ clusterId: String) -> Bool { sessions[clusterId] != nil }
}

/// Applications deleted while their agent may be away, with the cascade choice, so the
/// catch-up after a reconnect withdraws them the way the user asked. Kept in memory: after a
/// hub restart an unknown app is withdrawn without cascade (never delete on a guess).
actor Tombstones {
    private var cascade: [String: Bool] = [:]
    func record(_ app: String, cascade c: Bool) { cascade[app] = c }
    func cascade(for app: String) -> Bool { cascade[app] ?? false }
    func forget(_ app: String) { cascade[app] = nil }
}
