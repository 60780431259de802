import AsyncHTTPClient
import Foundation
import HawserProtocol
import HawserWire
import NIOCore
import NIOHTTP1

/// The CLI's only way to the hub: its documented REST API.
struct HubClient {
    let server: String
    let token: String?

    func get<T: Decodable>(_ path: String, as: T.Type = T.self) async throws -> T {
        try await send(.GET, path, body: Optional<Empty>.none)
    }

    func post<B: Encodable, T: Decodable>(_ path: String, _ body: B?, as: T.Type = T.self) async throws -> T {
        try await send(.POST, path, body: body)
    }

    func put<B: Encodable, T: Decodable>(_ path: String, _ body: B, as: T.Type = T.self) async throws -> T {
        try await send(.PUT, path, body: body)
    }

    func putNoContent<B: Encodable>(_ path: String, _ body: B) async throws {
        let _: Empty? = try await send(.PUT, path, body: body)
    }

    func delete(_ path: String) async throws {
        let _: Empty? = try await send(.DELETE, path, body: Optional<Empty>.none)
    }

    struct Empty: Codable {}

    private func send<B: Encodable, T: Decodable>(_ method: HTTPMethod, _ path: String, body: B?) async throws -> T {
        var request = HTTPClientRequest(url: server.trimmingSuffix("/") + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try WireJSON.encoder().encode(body)))
        }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        } catch {
            throw CLIError("cannot reach the hub at \(server): \(error). Is `hawser-hub` running? (`hawser login --server URL` sets the address)")
        }
        let body = try await response.body.collect(upTo: 64 << 20)
        let data = Data(body.readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            if let e = try? WireJSON.decoder().decode(APIErrorBody.self, from: data) {
                throw CLIError("\(e.message) (\(response.status.code) \(e.error))")
            }
            throw CLIError("the hub answered \(response.status.code): \(String(decoding: data, as: UTF8.self))")
        }
        if data.isEmpty, let empty = Empty() as? T { return empty }
        if data.isEmpty, let empty = Optional<Empty>.none as? T { return empty }
        return try WireJSON.decoder().decode(T.self, from: data)
    }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

extension String {
    func trimmingSuffix(_ s: String) -> String { hasSuffix(s) ? String(dropLast(s.count)) : self }
}

/// Where `hawser login` keeps the server and token (0600).
struct CLIConfig: Codable {
    var server: String
    var token: String?

    static var path: String {
        let env = ProcessInfo.processInfo.environment
        if let p = env["HAWSER_CONFIG"] { return p }
        let home = env["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
        return home + "/.config/hawser/config.json"
    }

    static func load() -> CLIConfig? {
        guard let d = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(CLIConfig.self, from: d)
    }

    func save() throws {
        let url = URL(fileURLWithPath: Self.path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // The token is a credential: 0600 from the start, like the agent's keys.
        try SecretFile.write(String(decoding: try JSONEncoder().encode(self), as: UTF8.self), to: Self.path)
    }
}
