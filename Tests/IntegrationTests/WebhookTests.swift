import Crypto
import Foundation
import HawserProtocol
import HubNotify
import Testing

/// Notifications as a team's chat bot receives them: deployed, sync failed and health degraded,
/// signed so the receiver can trust them, and retried (same delivery id) when it stumbles.
@Suite(.serialized) struct WebhookTests {
    /// A receiver on loopback: logs each request as a JSON line; answers 500 to the very first.
    static let receiver = """
        import http.server, json, sys, os
        log, portfile = sys.argv[1], sys.argv[2]
        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length', 0))).decode()
                first = not os.path.exists(log)
                with open(log, 'a') as f:
                    f.write(json.dumps({"event": self.headers.get('X-Hawser-Event'), "delivery": self.headers.get('X-Hawser-Delivery'),
                                        "signature": self.headers.get('X-Hawser-Signature-256'), "body": body, "answered": 500 if first else 204}) + "\\n")
                self.send_response(500 if first else 204)
                self.end_headers()
            def log_message(self, *a): pass
        s = http.server.HTTPServer(("127.0.0.1", 0), H)
        open(portfile, "w").write(str(s.server_address[1]))
        s.serve_forever()

        """

    struct Received: Decodable {
        var event: String
        var delivery: String
        var signature: String?
        var body: String
        var answered: Int
    }


    @Test func deployedAndDegradedAreSignedAndRetried() async throws {
        let server = try await PythonServer.start(Self.receiver, name: "webhook") { dir in [dir + "/log.jsonl"] }
        defer { server.stop() }
        let dir = server.directory
        let port = server.port
        let hook = try WebhookConfiguration.parse("http://127.0.0.1:\(port)/hook;events=on-deployed,on-health-degraded")
        #expect(hook.events == ["on-deployed", "on-health-degraded"])
        var hooks = [hook]
        hooks[0].secret = "s3cret"

        let s = try await ClusterSetup.start("notified", hub: { $0.webhooks = hooks })
        let repo = try await TestRepo.create(files: [
            "good/web.yaml": Fixtures.deployment(image: "registry.k8s.io/pause:3.10"),
            "bad/web.yaml": Fixtures.deployment(image: "example.com/app:fail"),
        ])
        _ = try await s.hub.hub.createApp(AppSpec(name: "good", repoURL: repo.path, path: "good", cluster: "notified", namespace: "default", syncPolicy: SyncPolicy(automated: true)))
        _ = try await s.hub.hub.createApp(AppSpec(name: "bad", repoURL: repo.path, path: "bad", cluster: "notified", namespace: "other",
                                                  syncPolicy: SyncPolicy(automated: true, syncOptions: ["CreateNamespace=true"])))
        func received() throws -> [Received] {
            guard let text = try? String(contentsOfFile: dir + "/log.jsonl", encoding: .utf8) else { return [] }
            return try text.split(separator: "\n").map { try JSONDecoder().decode(Received.self, from: Data($0.utf8)) }
        }
        try await eventually("deployed and degraded notifications", timeout: .seconds(40)) {
            let r = try received()
            return r.contains { $0.event == "on-deployed" && $0.body.contains(#""app":"good""#) && $0.answered == 204 }
                && r.contains { $0.event == "on-health-degraded" && $0.body.contains(#""app":"bad""#) }
        }
        let all = try received()
        // The first delivery was refused and came again with the same id.
        #expect(all[0].answered == 500 && all.dropFirst().contains { $0.delivery == all[0].delivery && $0.answered == 204 }, "\(all.map { ($0.event, $0.delivery, $0.answered) })")
        for r in all {
            let expected = "sha256=" + HMAC<SHA256>.authenticationCode(for: Data(r.body.utf8), using: SymmetricKey(data: Data("s3cret".utf8)))
                .map { String(format: "%02x", $0) }.joined()
            #expect(r.signature == expected, "signature of \(r.event)")
        }
        let deployed = try #require(all.first { $0.event == "on-deployed" && $0.body.contains(#""app":"good""#) })
        let head = try await repo.git(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(deployed.body.contains(#""cluster":"notified""#) && deployed.body.contains(head) && deployed.body.contains(#""initiatedBy":"automated""#), "\(deployed.body)")
        #expect(!all.contains { $0.event == "on-sync-failed" }, "not subscribed")
        #expect(throws: WebhookError.self) { try WebhookConfiguration.parse("http://x;events=on-everything") }
        await s.stop()
    }
}
