import Foundation
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
    /// Per cluster whose agent speaks bundles: the bundle each of its apps holds, as of the
    /// frames sent so far (frames arrive in order, so this is what the agent will hold).
    private var held: [String: [String: String]] = [:]
    /// Clusters whose connection this hub saw end (and that have not come back): for them the
    /// heartbeat lease does not apply, the hub knows they left.
    private var departed: Set<String> = []
    /// Assignments sent without their manifests, since start (for metrics and tests).
    private(set) var bundlesReused = 0
    /// Heartbeats heard since the last flush to the store, and the latest per live cluster.
    private var unflushedBeats: [String: Date] = [:]
    private var lastBeat: [String: Date] = [:]

    /// A sign of life from the cluster's agent, kept in memory: the store is written once per
    /// heartbeat interval for all clusters (`takeHeartbeats`), not once per ping. Ten thousand
    /// agents would otherwise cost a thousand transactions a second.
    func heartbeat(_ clusterId: String, at: Date) {
        unflushedBeats[clusterId] = at
        lastBeat[clusterId] = at
    }

    func takeHeartbeats() -> [String: Date] {
        defer { unflushedBeats = [:] }
        return unflushedBeats
    }

    func lastHeartbeat(_ clusterId: String) -> Date? { lastBeat[clusterId] }

    /// Registers `session`, returning a token to pass to `remove` and the session it replaced.
    func add(_ session: any AgentSession) -> (token: Int, replaced: (any AgentSession)?) {
        nextToken += 1
        let old = sessions[session.clusterId]
        sessions[session.clusterId] = session
        tokens[session.clusterId] = nextToken
        // A new connection starts from what its hello says it holds, never the old link's map.
        held[session.clusterId] = nil
        departed.remove(session.clusterId)
        return (nextToken, old)
    }

    /// Removes the session only if it is still the registered one (a replaced session's late
    /// disconnect must not unregister its successor). Returns whether it was removed.
    func remove(clusterId: String, token: Int) -> Bool {
        guard tokens[clusterId] == token else { return false }
        sessions[clusterId] = nil
        tokens[clusterId] = nil
        held[clusterId] = nil
        lastBeat[clusterId] = nil
        departed.insert(clusterId)
        return true
    }

    func departedHere(_ clusterId: String) -> Bool { departed.contains(clusterId) }

    /// The agent said in `hello` which bundle each of its apps holds.
    func startBundles(clusterId: String, held apps: [String: String]) { held[clusterId] = apps }

    /// The assignment as it should go out: without its manifests when the agent already holds
    /// its bundle. Records that the app will hold it.
    func outgoing(_ a: Assignment, clusterId: String) -> Assignment {
        guard var apps = held[clusterId], let bundle = a.bundle else { return a }
        let has = apps.values.contains(bundle)
        apps[a.appId] = bundle
        held[clusterId] = apps
        if has { bundlesReused += 1 }
        return has ? a.withoutManifests() : a
    }

    /// The app was withdrawn from the cluster: its bundle goes with it.
    func released(appId: String, clusterId: String) { held[clusterId]?[appId] = nil }

    /// The agent lacks a bundle the hub thought it held: no app holds it any more.
    func forget(bundle: String, clusterId: String) {
        held[clusterId] = held[clusterId]?.filter { $0.value != bundle }
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
