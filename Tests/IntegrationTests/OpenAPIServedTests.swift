import AsyncHTTPClient
import Foundation
import Testing

/// The API description a client generator or a reader fetches from a running hub is the one in
/// the repository (whose coverage of every route HubTests checks).
@Suite struct OpenAPIServedTests {
    @Test func theHubServesItsOpenAPIDocument() async throws {
        let h = try await HubHarness.start()
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: h.apiURL + "/api/openapi.yaml"), timeout: .seconds(10))
        let body = String(buffer: try await response.body.collect(upTo: 4 << 20))
        let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let inRepo = try String(contentsOf: repoRoot.appendingPathComponent("Hub/HubAPI/openapi.yaml"), encoding: .utf8)
        #expect(response.status.code == 200 && response.headers.first(name: "Content-Type") == "application/yaml")
        #expect(body == inRepo)
        await h.stop()
    }
}
