import AsyncHTTPClient
import ArgumentParser
import Foundation
import HawserProtocol
import NIOCore
import NIOHTTP1

/// The hub's REST API with the admin token.
struct APIClient: Sendable {
    let url: String
    let token: String

    func call<T: Decodable>(_ method: HTTPMethod, _ path: String, _ body: (some Encodable)?, as: T.Type) async throws -> T {
        var request = HTTPClientRequest(url: url + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try WireJSON.encoder().encode(body)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let data = try await response.body.collect(upTo: 64 << 20)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw ValidationError("\(method) \(path): \(response.status.code) \(String(buffer: data))")
        }
        return try WireJSON.decoder().decode(T.self, from: Data(buffer: data))
    }
}
