import AsyncHTTPClient
import Foundation
import NIOCore

/// Plain HTTP for the tests' own requests: readiness probes, the provider's login form. Redirects
/// are not followed, so a test sees the 302 that carries the authorization code.
public enum TestHTTP {
    public struct Response: Sendable {
        public var status: Int
        public var location: String?
        public var body: String
    }

    /// GET, or POST of `form` as application/x-www-form-urlencoded.
    public static func request(_ url: String, form: [(String, String)]? = nil) async throws -> Response {
        let client = HTTPClient(configuration: .init(redirectConfiguration: .disallow))
        do {
            var request = HTTPClientRequest(url: url)
            if let form {
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-._~")
                let body = form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
                request.body = .bytes(ByteBuffer(string: body))
            }
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            let result = Response(status: Int(response.status.code), location: response.headers.first(name: "Location"), body: String(buffer: body))
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// True once `url` answers 200: the readiness probe for servers the tests start.
    public static func answers(_ url: String) async -> Bool {
        (try? await request(url).status) == 200
    }
}
