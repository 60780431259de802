import AsyncHTTPClient
import Foundation
import NIOCore

/// The few HTTP exchanges with the provider: GET a JSON document, POST a form. Bodies are capped
/// (a provider document is kilobytes; a hostile endpoint must not fill the hub's memory) and every
/// request has a deadline, so a stalled provider fails a login instead of hanging it.
struct OIDCHTTP: Sendable {
    let client: HTTPClient
    var timeout: TimeAmount = .seconds(10)
    static let maximumBodyBytes = 1 << 20

    struct Response: Sendable {
        var status: Int
        var body: [UInt8]
    }

    func get(_ url: String) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        return try await execute(request)
    }

    func postForm(_ url: String, _ form: [(String, String)], headers: [(String, String)] = []) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: FormURLEncoding.encode(form)))
        return try await execute(request)
    }

    private func execute(_ request: HTTPClientRequest) async throws -> Response {
        let response = try await client.execute(request, timeout: timeout)
        // The client may have followed redirects; where the answer finally came from must meet
        // the same rule as the configured endpoint (no https-to-http downgrade).
        if let final = response.url?.absoluteString, final != request.url {
            _ = try EndpointPolicy.check(final)
        }
        let body = try await response.body.collect(upTo: Self.maximumBodyBytes)
        return Response(status: Int(response.status.code), body: Array(body.readableBytesView))
    }
}
