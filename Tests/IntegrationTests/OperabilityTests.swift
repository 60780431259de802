import AsyncHTTPClient
import Foundation
import HawserProtocol
import Testing

/// What operators wire into their platform: a readiness probe and machine-readable logs.
@Suite struct OperabilityTests {
    @Test func readyzSaysReadyWhenTheStoreAnswersAndThePolicyIsValid() async throws {
        let h = try await HubHarness.start()
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: h.apiURL + "/readyz"), timeout: .seconds(10))
        #expect(response.status.code == 200)
        #expect(String(buffer: try await response.body.collect(upTo: 1024)) == "ready\n")
        await h.stop()
    }

    @Test func theHubLogsOneJSONObjectPerLineWhenAsked() async throws {
        let dir = tempDirectory("json-logs")
        let hub = try Proc.binary("hawser-hub")
        // Started, then interrupted: it logs its start and its graceful shutdown.
        let out = try await Proc.run("sh", ["-c", "timeout -s INT 5 \"$0\" --data-dir \"$1\" --api-address 127.0.0.1:0 --agent-address 127.0.0.1:0 --log-format json 2>&1 >/dev/null", hub, dir])
        let lines = out.stdout.split(separator: "\n").filter { !$0.isEmpty }
        #expect(!lines.isEmpty, "no log lines: \(out.stdout) \(out.stderr)")
        for line in lines {
            let object = try JSONValue.parse(Array(line.utf8))
            #expect(object["level"]?.stringValue != nil && object["message"]?.stringValue != nil && object["time"]?.stringValue != nil, "\(line)")
        }
        #expect(lines.contains { $0.contains("Server started and listening") })
        let bad = try await Proc.run(hub, ["--data-dir", dir, "--log-format", "xml"])
        #expect(!bad.ok && bad.stderr.contains("--log-format must be text or json"), "\(bad.stderr)")
    }
}
