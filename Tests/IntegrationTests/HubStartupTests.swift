import AgentRuntime
import AsyncHTTPClient
import Foundation
import HawserProtocol
import HubServer
import Logging
import NIOCore
import Testing

/// First start and restarts of the hub, and the API's front door.
@Suite struct HubStartupTests {
    @Test func firstStartCreatesTheCAAndOneAdminTokenRestartsKeepThem() async throws {
        let dir = tempDirectory("hub-restart")
        var o = HubServer.Options()
        o.dataDirectory = dir
        o.apiPort = 0
        o.agentHost = "127.0.0.1"
        o.agentPort = 0
        var logger = Logger(label: "test.hub")
        logger.logLevel = .warning

        let first = try await HubServer.start(o, logger: logger)
        let token = try #require(first.initialAdminToken)
        #expect(first.createdCA)
        let fingerprint = first.hub.caFingerprint
        #expect(fingerprint.hasPrefix("sha256:") && fingerprint.count == 7 + 64)
        // Only the token's hash is stored: the clear token appears nowhere in the data directory.
        for f in try FileManager.default.contentsOfDirectory(atPath: dir) {
            let bytes = FileManager.default.contents(atPath: dir + "/" + f) ?? Data()
            #expect(!String(decoding: bytes, as: UTF8.self).contains(token), "\(f) contains the admin token in clear")
        }
        await first.shutdown()

        let second = try await HubServer.start(o, logger: logger)
        defer { Task { await second.shutdown() } }
        #expect(second.initialAdminToken == nil, "the admin token is printed once, on the first start only")
        #expect(!second.createdCA)
        #expect(second.hub.caFingerprint == fingerprint, "a restart keeps the CA agents pinned")

        let url = "http://127.0.0.1:\(second.apiPort)/api/v1/clusters"
        #expect(try await Self.status(url, token: nil) == 401)
        #expect(try await Self.status(url, token: "hwsa_wrong") == 401)
        #expect(try await Self.status(url, token: token) == 200)
        #expect(try await Self.status("http://127.0.0.1:\(second.apiPort)/healthz", token: nil) == 200)
    }

    @Test func apiErrorsSayWhatToDo() async throws {
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        let missing = try await h.cli("app", "get", "nope")
        #expect(!missing.ok)
        #expect(missing.stderr.contains("application \"nope\" not found"), "stderr: \(missing.stderr)")
        let badName = try await h.cli("cluster", "add", "Not_Valid")
        #expect(!badName.ok)
        #expect(badName.stderr.contains("lowercase letters"), "stderr: \(badName.stderr)")
        #expect(try await h.cli("cluster", "add", "twice").ok)
        let twice = try await h.cli("cluster", "add", "twice")
        #expect(twice.stderr.contains("already exists"), "stderr: \(twice.stderr)")
        let noCluster = try await h.cli("app", "create", "x", "--repo", "/tmp", "--cluster", "ghost", "--namespace", "default")
        #expect(noCluster.stderr.contains("cluster \"ghost\" not found"), "stderr: \(noCluster.stderr)")
        // A revoked cluster is removed, and its name can be used again.
        #expect(try await h.cli("cluster", "revoke", "twice").ok)
        #expect(try await h.cli("cluster", "rm", "twice").ok)
        #expect(try await h.cli("cluster", "add", "twice").ok)
        #expect(try await h.cli("cluster", "get", "twice").stdout.contains("pending"))
    }

    static func status(_ url: String, token: String?) async throws -> UInt {
        var request = HTTPClientRequest(url: url)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return response.status.code
    }
}

/// Shutdown and re-registration edge cases.
@Suite struct HubLifecycleTests {
    @Test func hubShutsDownPromptlyWithAgentsConnected() async throws {
        let h = try await HubHarness.start()
        let agent = try AgentHarness.start(state: try await h.registerAgent("connected"), kubeconfig: RegistrationTests.unusedKubeconfig)
        try await eventually("connected") { try await h.hub.cluster(named: "connected").connected }
        let started = ContinuousClock.now
        await h.stop()
        #expect(ContinuousClock.now - started < .seconds(10), "shutdown waited on agent connections")
        await agent.stop()
    }

    @Test func invalidCSRDoesNotSpendTheToken() async throws {
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        let added = try await h.hub.addCluster(ClusterCreateRequest(name: "careful"))
        do {
            _ = try await h.hub.join(Join(token: added.bootstrapToken, csrPEM: "not a csr", agentVersion: "x"), peer: "test")
            Issue.record("a bad CSR must be refused")
        } catch {
            #expect(error.code == .invalidCSR)
        }
        let csr = try AgentJoin.makeKeyAndCSR()
        _ = try await h.hub.join(Join(token: added.bootstrapToken, csrPEM: csr.csrPEM, agentVersion: "x"), peer: "test")
    }

    @Test func rejoiningRetiresTheOldCertificate() async throws {
        let h = try await HubHarness.start()
        defer { Task { await h.stop() } }
        let old = try await h.registerAgent("moved")
        // The cluster joins again from a new machine.
        let token = try await h.hub.newBootstrapToken(clusterNamed: "moved", ttl: nil)
        let fresh = AgentStateDirectory(path: tempDirectory("moved-new"))
        _ = try await AgentJoin.join(hub: h.agentAddress, token: token.bootstrapToken, caPin: token.caFingerprint, stateDirectory: fresh)
        let oldAgent = try AgentHarness.start(state: old, kubeconfig: RegistrationTests.unusedKubeconfig)
        defer { Task { await oldAgent.stop() } }
        try await eventually("old machine refused") {
            if case .refused(let why) = oldAgent.runner.link.status { return why.contains("replaced") }
            return false
        }
        let newAgent = try AgentHarness.start(state: fresh, kubeconfig: RegistrationTests.unusedKubeconfig)
        defer { Task { await newAgent.stop() } }
        try await eventually("new machine connected") { try await h.hub.cluster(named: "moved").connected }
    }
}
