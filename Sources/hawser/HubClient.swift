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

    /// Server-sent events from `path`, as (event, data) pairs, until the server ends the stream.
    func events(_ path: String, timeout: Duration) async throws -> AsyncThrowingStream<(event: String, data: String), any Error> {
        var request = HTTPClientRequest(url: server.trimmingSuffix("/") + path)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.headers.add(name: "Accept", value: "text/event-stream")
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(Int64(timeout.components.seconds) + 30))
        } catch {
            throw CLIError("cannot reach the hub at \(server): \(error)")
        }
        guard response.status.code == 200 else {
            let data = Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
            if let e = try? WireJSON.decoder().decode(APIErrorBody.self, from: data) { throw CLIError("\(e.message) (\(response.status.code) \(e.error))") }
            throw CLIError("the hub answered \(response.status.code)")
        }
        return AsyncThrowingStream { continuation in
            let task = Task {
                var pending = ""
                var event = "message", data = ""
                do {
                    for try await chunk in response.body {
                        pending += String(buffer: chunk)
                        while let newline = pending.firstIndex(of: "\n") {
                            let line = String(pending[..<newline])
                            pending = String(pending[pending.index(after: newline)...])
                            if line.isEmpty {
                                if !data.isEmpty { continuation.yield((event, data)) }
                                event = "message"; data = ""
                            } else if line.hasPrefix("event: ") {
                                event = String(line.dropFirst(7))
                            } else if line.hasPrefix("data: ") {
                                data += String(line.dropFirst(6))
                            }
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

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
