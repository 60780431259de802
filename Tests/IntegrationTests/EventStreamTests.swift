import AsyncHTTPClient
import Foundation
import HawserProtocol
import HubCore
import Synchronization
import Testing

/// The event stream as a CI pipeline uses it: `hawser app wait` returns as soon as the app is
/// synced and healthy, gives up with the current state after its timeout, and a caller may only
/// follow apps it may read.
@Suite(.serialized) struct EventStreamTests {

    @Test func appWaitFollowsTheStreamUntilHealthyOrTimesOut() async throws {
        let s = try await ClusterSetup.start("waiting", readyDelay: .seconds(2), hub: {
            $0.rbacPolicyCSV = "p, role:other, applications, get, other/*, allow\ng, eve, role:other\n"
        })
        let repo = try await TestRepo.create(files: [
            "good/web.yaml": Fixtures.deployment(image: "registry.k8s.io/pause:3.10"),
            "bad/web.yaml": Fixtures.deployment(image: "example.com/app:fail"),
        ])
        var r = try await s.hub.cli("app", "create", "rolling", "--repo", repo.path, "--path", "good", "--cluster", "waiting", "--namespace", "default", "--auto-sync")
        #expect(r.ok, "\(r.stderr)")
        let started = ContinuousClock.now
        r = try await s.hub.cli("app", "wait", "rolling", "--timeout", "60")
        #expect(r.ok && r.stdout.contains("rolling: Synced, Healthy"), "\(r.stdout) \(r.stderr)")
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(try await s.app("rolling").health == .healthy)

        r = try await s.hub.cli("app", "create", "broken", "--repo", repo.path, "--path", "bad", "--cluster", "waiting", "--namespace", "other", "--auto-sync",
                                "--sync-option", "CreateNamespace=true")
        #expect(r.ok, "\(r.stderr)")
        r = try await s.hub.cli("app", "wait", "broken", "--health", "--timeout", "4")
        #expect(!r.ok && r.stderr.contains("timed out after 4 s waiting for broken"), "\(r.stdout) \(r.stderr)")

        // Someone who may not read the app cannot follow it either.
        try await s.hub.hub.updatePassword(Principal(name: "admin"), account: "eve", PasswordUpdateRequest(currentPassword: nil, newPassword: "eve-password"))
        let eve = try await s.hub.hub.login(username: "eve", password: "eve-password").token
        let out = try await Proc.run(try Proc.binary("hawser"), ["app", "wait", "rolling", "--timeout", "5"],
                                     environment: ["HAWSER_SERVER": s.hub.apiURL, "HAWSER_TOKEN": eve, "HAWSER_CONFIG": tempDirectory("eve") + "/c.json"])
        #expect(!out.ok && out.stderr.contains("403") && out.stderr.contains("permission denied"), "\(out.stderr)")
        await s.stop()
    }

    /// An open stream (a browser tab) must not hold the hub's shutdown: it ends the stream.
    @Test func shuttingDownEndsOpenStreams() async throws {
        let h = try await HubHarness.start()
        var request = HTTPClientRequest(url: h.apiURL + "/api/v1/stream/applications")
        request.headers.add(name: "Authorization", value: "Bearer \(h.adminToken)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        #expect(response.status.code == 200)
        // Keep-alives come every 15 s; a shutdown that waited for the stream would take that
        // long, and one that never ended it would hang: both fail here after 10 s.
        let stopped = Mutex(false)
        Task { await h.stop(); stopped.withLock { $0 = true } }
        let deadline = ContinuousClock.now + .seconds(10)
        while !stopped.withLock({ $0 }) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(stopped.withLock { $0 }, "the hub did not stop within 10 s with an event stream open")
        for try await _ in response.body {}
    }
}
