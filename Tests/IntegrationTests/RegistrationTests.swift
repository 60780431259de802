import AgentLink
import AgentRuntime
import Foundation
import HawserProtocol
import HawserWire
import HubCore
import HubPKI
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// Registration and mutual TLS over real loopback sockets. Every refusal must carry a clear
/// reason, and the hub must keep serving the agents that did nothing wrong.
@Suite(.serialized) struct RegistrationTests {
    /// A kubeconfig pointing nowhere: these tests exercise the link, not reconciliation.
    static let unusedKubeconfig: String = {
        let p = tempDirectory("kc") + "/kubeconfig"
        try? """
        apiVersion: v1
        kind: Config
        clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
        users: [{name: none, user: {token: none}}]
        contexts: [{name: none, context: {cluster: none, user: none}}]
        current-context: none
        """.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }()

    func join(_ h: HubHarness, token: String, pin: String? = nil) async throws -> AgentStateDirectory.Identity {
        try await AgentJoin.join(hub: h.agentAddress, token: token, caPin: pin ?? h.hub.caFingerprint, stateDirectory: AgentStateDirectory(path: tempDirectory("state")))
    }

    func expectRefusal(_ code: ProtocolError.Code, mentioning text: String, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected refusal \(code.rawValue)")
        } catch let e as ProtocolError {
            #expect(e.code == code)
            #expect(e.message.contains(text), "message was: \(e.message)")
        } catch {
            Issue.record("expected ProtocolError \(code.rawValue), got \(error)")
        }
    }

    @Test func goodJoinStoresPrivateCredentialsAndConnects() async throws {
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        let state = try await h.registerAgent("alpha", labels: ["env": "test"])
        for f in ["key.pem", "cert.pem", "ca.pem", "identity.json"] {
            let attrs = try FileManager.default.attributesOfItem(atPath: state.path + "/" + f)
            #expect((attrs[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(f) must be 0600")
        }
        // The hub's CA files are private too.
        for f in ["ca-key.pem", "server-key.pem", "hawser.db"] {
            let attrs = try FileManager.default.attributesOfItem(atPath: h.dataDirectory + "/" + f)
            #expect((attrs[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(f) must be 0600")
        }
        let agent = try AgentHarness.start(state: state, kubeconfig: Self.unusedKubeconfig)
        defer { Task { await agent.stop() } }
        try await eventually("alpha connected") { try await h.hub.cluster(named: "alpha").connected }
        let view = try await h.hub.cluster(named: "alpha")
        #expect(view.state == "registered")
        #expect(view.agentVersion == AgentVersion.current)
        #expect(view.labels == ["env": "test"])
    }

    @Test func badTokensAreRefusedAndTheHubKeepsServing() async throws {
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        // A healthy agent stays connected through every refusal below.
        let good = try AgentHarness.start(state: try await h.registerAgent("steady"), kubeconfig: Self.unusedKubeconfig)
        defer { Task { await good.stop() } }
        try await eventually("steady connected") { try await h.hub.cluster(named: "steady").connected }

        await expectRefusal(.tokenUnknown, mentioning: "not known") {
            _ = try await join(h, token: "hwsb_not-a-real-token")
        }

        let reused = try await h.hub.addCluster(ClusterCreateRequest(name: "reused"))
        _ = try await join(h, token: reused.bootstrapToken)
        await expectRefusal(.tokenUsed, mentioning: "already used") {
            _ = try await join(h, token: reused.bootstrapToken)
        }

        let expiring = try await h.hub.addCluster(ClusterCreateRequest(name: "late", tokenTTLSeconds: 3600))
        h.clock.advance(3601)
        await expectRefusal(.tokenExpired, mentioning: "expired") {
            _ = try await join(h, token: expiring.bootstrapToken)
        }
        #expect(try await h.hub.cluster(named: "late").state == "pending")

        // A malformed frame closes only that connection, with an error frame naming the problem.
        let garbage = try await RawClient.send(Array("{this is not json\n".utf8), to: h.server.agentPort)
        #expect(garbage.contains("invalid_json"))

        #expect(try await h.hub.cluster(named: "steady").connected)
    }

    @Test func wrongCAPinIsRefusedBeforeTheTokenIsSent() async throws {
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        let added = try await h.hub.addCluster(ClusterCreateRequest(name: "pinned"))
        let wrongPin = "sha256:" + String(repeating: "ab", count: 32)
        do {
            _ = try await join(h, token: added.bootstrapToken, pin: wrongPin)
            Issue.record("join with a wrong pin must fail")
        } catch {
            #expect("\(error)".contains("--ca-sha256"), "error was: \(error)")
        }
        // The token was never presented, so it still works with the right pin.
        _ = try await join(h, token: added.bootstrapToken)
    }

    @Test func certificateFromAnotherCAIsRefused() async throws {
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        let state = try await h.registerAgent("imposter")
        let identity = try state.identity()
        // Same cluster id, but signed by a CA this hub never saw.
        let otherCA = try CertificateAuthority.create(commonName: "someone else")
        let csr = try Self.csr()
        let forged = try otherCA.signClientCertificate(csrPEM: csr.csr, clusterId: identity.clusterId, lifetime: 3600)
        let creds = LinkCredentials(caPEM: try state.credentials().caPEM, certificatePEM: forged.pemString, keyPEM: csr.key)
        do {
            let ch = try await HubDialer.dial(try HubEndpoint(h.agentAddress), credentials: creds)
            _ = try await ch.executeThenClose { inbound, outbound in
                try await outbound.write(.hello(Hello(protocolVersions: [1], agentVersion: "x", clusterId: identity.clusterId, kubernetesVersion: nil, lastApplied: [:])))
                for try await e in inbound { if case .welcome = e.frame { Issue.record("a foreign certificate was welcomed") } }
            }
        } catch {
            // Depending on timing the refusal surfaces as a handshake alert or a closed channel;
            // either way the explanation points at the certificate.
            #expect(HubLink.explain(error).contains("certificate"), "error was: \(error)")
        }
        #expect(try await h.hub.cluster(named: "imposter").connected == false)
    }

    @Test func expiredCertificateIsRefused() async throws {
        let h = try await HubHarness.start { $0.agentCertificateLifetime = 3600 }
        defer { Task { await h.stop() } }
        let state = try await h.registerAgent("old")
        let identity = try state.identity()
        // Re-issue from the hub's own CA, but already expired.
        let csr = try Self.csr()
        let expired = try h.hub.authority.signClientCertificate(csrPEM: csr.csr, clusterId: identity.clusterId, lifetime: 60, now: Date().addingTimeInterval(-7200))
        let creds = LinkCredentials(caPEM: try state.credentials().caPEM, certificatePEM: expired.pemString, keyPEM: csr.key)
        var welcomed = false
        do {
            let ch = try await HubDialer.dial(try HubEndpoint(h.agentAddress), credentials: creds)
            try await ch.executeThenClose { inbound, outbound in
                try await outbound.write(.hello(Hello(protocolVersions: [1], agentVersion: "x", clusterId: identity.clusterId, kubernetesVersion: nil, lastApplied: [:])))
                for try await e in inbound { if case .welcome = e.frame { welcomed = true } }
            }
        } catch {}
        #expect(!welcomed)
    }

    @Test func revokedClusterIsDroppedWithinASecondAndRefusedAfter() async throws {
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        let state = try await h.registerAgent("doomed")
        let other = try AgentHarness.start(state: try await h.registerAgent("bystander"), kubeconfig: Self.unusedKubeconfig)
        defer { Task { await other.stop() } }
        let agent = try AgentHarness.start(state: state, kubeconfig: Self.unusedKubeconfig)
        defer { Task { await agent.stop() } }
        try await eventually("both connected") {
            let a = try await h.hub.cluster(named: "doomed").connected
            let b = try await h.hub.cluster(named: "bystander").connected
            return a && b
        }
        _ = try await h.hub.revokeCluster(named: "doomed")
        try await eventually("revoked agent disconnected", timeout: .seconds(1)) {
            if case .refused = agent.runner.link.status { return true }
            return false
        }
        guard case .refused(let why) = agent.runner.link.status else { return }
        #expect(why.contains("revoked"))
        // Reconnecting with the same certificate is refused with the reason.
        let creds = try state.credentials()
        let identity = try state.identity()
        let ch = try await HubDialer.dial(try HubEndpoint(h.agentAddress), credentials: creds)
        let answer: Frame? = try await ch.executeThenClose { inbound, outbound in
            try await outbound.write(.hello(Hello(protocolVersions: [1], agentVersion: "x", clusterId: identity.clusterId, kubernetesVersion: nil, lastApplied: [:])))
            for try await e in inbound { return e.frame }
            return nil
        }
        guard case .error(let e) = answer else { Issue.record("expected an error frame, got \(String(describing: answer))"); return }
        #expect(e.code == .clusterRevoked)
        #expect(try await h.hub.cluster(named: "bystander").connected)
    }

    @Test func noCommonProtocolVersionIsRefusedCleanly() async throws {
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        let state = try await h.registerAgent("future")
        let ch = try await HubDialer.dial(try HubEndpoint(h.agentAddress), credentials: try state.credentials())
        let answer: Frame? = try await ch.executeThenClose { inbound, outbound in
            try await outbound.write(.hello(Hello(protocolVersions: [7, 8], agentVersion: "9.0.0", clusterId: try state.identity().clusterId, kubernetesVersion: nil, lastApplied: [:])))
            for try await e in inbound { return e.frame }
            return nil
        }
        guard case .error(let e) = answer else { Issue.record("expected an error frame"); return }
        #expect(e.code == .noCommonVersion)
        #expect(e.message.contains("[7, 8]"))
    }

    static func csr() throws -> (key: String, csr: String) {
        // Reuses the agent's own CSR code path: the same thing a real agent sends.
        let made = try AgentJoin.makeKeyAndCSR()
        return (made.keyPEM, made.csrPEM)
    }
}

/// A TLS client without a certificate that sends raw bytes and returns what came back.
enum RawClient {
    static func send(_ bytes: [UInt8], to port: Int) async throws -> String {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        let context = try NIOSSLContext(configuration: tls)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: nil))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: ch)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: bytes))
            var text = ""
            do {
                for try await var b in inbound { text += b.readString(length: b.readableBytes) ?? "" }
            } catch {}
            return text
        }
    }
}
