import AgentLink
import AgentRuntime
import Foundation
import HawserProtocol
import HawserWire
import HubCore
import HubPKI
import KubeSim
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import Testing
import X509

/// What keeps a fleet healthy without anyone watching: heartbeats that notice dead peers,
/// certificates that renew themselves, and agents that keep their desired state across
/// restarts while the hub is away.
@Suite(.serialized) struct LinkLifecycleTests {
    @Test func renewalIsDueAtTwoThirdsOfTheLifetime() {
        let start = Date(timeIntervalSince1970: 1_000_000)
        let end = start.addingTimeInterval(30 * 86400)
        #expect(!renewalDue(notBefore: start, notAfter: end, now: start.addingTimeInterval(19 * 86400)))
        #expect(renewalDue(notBefore: start, notAfter: end, now: start.addingTimeInterval(20 * 86400)))
        #expect(renewalDue(notBefore: start, notAfter: end, now: end.addingTimeInterval(1)))
    }

    @Test func agentRenewsItsCertificateOverTheLiveConnection() async throws {
        // 60 s certificates are past two thirds of their life at once (they are back-dated 5
        // minutes for clock skew), so the agent asks for a new one as soon as it connects.
        let h = try await HubHarness.start { $0.agentCertificateLifetime = 60 }
        defer { Task { await h.stop() } }
        let state = try await h.registerAgent("renewer")
        let firstPEM = try state.credentials().certificatePEM
        let first = try Certificate(pemEncoded: firstPEM)
        let agent = try AgentHarness.start(state: state, kubeconfig: RegistrationTests.unusedKubeconfig)
        defer { Task { await agent.stop() } }
        try await eventually("certificate renewed on disk") { try state.credentials().certificatePEM != firstPEM }
        let renewed = try Certificate(pemEncoded: try state.credentials().certificatePEM)
        #expect(renewed.serialNumber != first.serialNumber)
        #expect(renewed.subject == first.subject, "a renewed certificate names the same cluster")
        let keyAttrs = try FileManager.default.attributesOfItem(atPath: state.path + "/key.pem")
        #expect((keyAttrs[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        // The hub recorded the new certificate, and the new key + certificate work for a new connection.
        try await eventually("hub knows the renewed certificate") {
            try await h.hub.cluster(named: "renewer").certificateNotAfter.map { abs($0.timeIntervalSince(renewed.notValidAfter)) < 1 } ?? false
        }
        // The agent stops first: a second connection for its cluster would replace the agent's,
        // and the agent's redial would replace it in turn (possibly before its welcome).
        await agent.stop()
        let channel = try await HubDialer.dial(try HubEndpoint(h.agentAddress), credentials: try state.credentials())
        let welcomed: Bool = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.hello(Hello(protocolVersions: [1], agentVersion: "test", clusterId: try state.identity().clusterId, kubernetesVersion: nil, lastApplied: [:])))
            for try await e in inbound { if case .welcome = e.frame { return true } else { return false } }
            return false
        }
        #expect(welcomed)
    }

    @Test func hubDropsASilentAgentWithinThreeHeartbeats() async throws {
        let h = try await HubHarness.start(heartbeat: .milliseconds(300))
        defer { Task { await h.stop() } }
        let state = try await h.registerAgent("silent")
        let channel = try await HubDialer.dial(try HubEndpoint(h.agentAddress), credentials: try state.credentials())
        let started = ContinuousClock.now
        // Say hello, then never answer a ping: the hub must give up on its own.
        let lastFrame: Frame? = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.hello(Hello(protocolVersions: [1], agentVersion: "test", clusterId: try state.identity().clusterId, kubernetesVersion: nil, lastApplied: [:])))
            var last: Frame?
            do {
                for try await e in inbound { last = e.frame }
            } catch {}
            return last
        }
        let elapsed = ContinuousClock.now - started
        // Three 0.3 s intervals plus one check period; the rest is slack for a busy CI machine.
        #expect(elapsed < .seconds(6), "the hub took \(elapsed) to drop a dead agent")
        guard case .error(let e) = lastFrame else { Issue.record("expected heartbeat_timeout, got \(String(describing: lastFrame))"); return }
        #expect(e.code == .heartbeatTimeout)
        try await eventually("shown disconnected") { try await h.hub.cluster(named: "silent").connected == false }
    }

    @Test func agentKeepsDesiredStateAcrossARestartWhileTheHubIsDown() async throws {
        var logger = Logger(label: "test.kubesim")
        logger.logLevel = .warning
        let sim = try await KubeSim.start(logger: logger)
        defer { Task { await sim.shutdown() } }
        let kubeconfig = tempDirectory("kubesim") + "/kubeconfig"
        try sim.writeKubeconfig(to: kubeconfig)

        let h = try await HubHarness.start()
        let state = try await h.registerAgent("steadfast")
        let repo = try await TestRepo.create(files: [
            "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\ndata:\n  color: blue\n",
        ])
        let first = try AgentHarness.start(state: state, kubeconfig: kubeconfig)
        _ = try await h.hub.createApp(AppSpec(name: "kept", repoURL: repo.path, path: "app", cluster: "steadfast", namespace: "default",
                                              syncPolicy: SyncPolicy(automated: true, selfHeal: true)))
        try await eventually("applied") {
            await sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "kept")?[path: ["data", "color"]] == "blue"
        }
        // Hub gone, agent restarted: the new agent process only has its state directory.
        await first.stop()
        await h.stop()
        let second = try AgentHarness.start(state: state, kubeconfig: kubeconfig)
        defer { Task { await second.stop() } }
        try await sim.mutate(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "kept") { $0.set("red", at: ["data", "color"]) }
        try await eventually("drift undone from the assignment kept on disk") {
            await sim.object(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "kept")?[path: ["data", "color"]] == "blue"
        }
    }
}

/// A hub that welcomes an agent and then goes silent (a dead peer behind a live TCP socket).
@Suite struct AgentHeartbeatTests {
    @Test func agentNoticesASilentHubAndReconnects() async throws {
        let ca = try CertificateAuthority.create()
        let server = try ca.issueServerCertificate(names: ["127.0.0.1"])
        let made = try AgentJoin.makeKeyAndCSR()
        let client = try ca.signClientCertificate(csrPEM: made.csrPEM, clusterId: "c-1", lifetime: 3600)
        let state = AgentStateDirectory(path: tempDirectory("silent-hub"))
        let connections = ConnectionCounter()

        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(server.certificatePEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(server.keyPEM.utf8), format: .pem)))
        tls.certificateVerification = .noHostnameVerification
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(ca.certificatePEM.utf8)))
        let context = try NIOSSLContext(configuration: tls)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try ch.pipeline.syncOperations.addFrameCodec()
                    return try FrameChannel(wrappingChannelSynchronously: ch)
                }
            }
        let port = try #require(listener.channel.localAddress?.port)
        let serverTask = Task {
            try await listener.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await conn in inbound {
                        group.addTask {
                            try? await conn.executeThenClose { frames, out in
                                for try await e in frames {
                                    if case .hello = e.frame {
                                        connections.increment()  // sessions that got past TLS, and when
                                        try await out.write(.welcome(Welcome(protocolVersion: 1, heartbeatSeconds: 0.3, clusterName: "c")))
                                    }
                                    // …and never another frame: no pong, no ping.
                                }
                            }
                        }
                    }
                }
            }
        }
        defer { serverTask.cancel() }

        try state.saveIdentity(.init(clusterId: "c-1", clusterName: "c", hub: "127.0.0.1:\(port)"), keyPEM: made.keyPEM,
                               issued: CertificateIssued(clusterId: "c-1", clusterName: "c", certificatePEM: client.pemString, caPEM: ca.certificatePEM, notAfter: client.notValidAfter))
        let agent = try AgentHarness.start(state: state, kubeconfig: RegistrationTests.unusedKubeconfig)
        defer { Task { await agent.stop() } }
        // Three silent intervals (0.9 s) and a short backoff later, the agent has dialled again.
        try await eventually("agent redialled a silent hub", timeout: .seconds(15)) { connections.count >= 2 }
        let gap = connections.gapBetweenFirstTwo
        // Three 0.3 s intervals, one check period and at most 0.5 s of backoff; the rest is
        // slack for a busy CI machine (a working heartbeat would never redial at all).
        #expect(gap < .seconds(6), "the agent took \(gap) to give up on a silent hub")
    }
}

final class ConnectionCounter: Sendable {
    private let times = Mutex<[ContinuousClock.Instant]>([])
    func increment() { times.withLock { $0.append(.now) } }
    var count: Int { times.withLock { $0.count } }
    var gapBetweenFirstTwo: Duration { times.withLock { $0.count >= 2 ? $0[1] - $0[0] : .seconds(999) } }
}
