import Crypto
import Foundation
import HawserProtocol
#if canImport(Glibc)
import Glibc
#endif

/// `hawser login --sso`: the browser half of an OIDC login, on the user's machine.
///
/// The CLI listens on a loopback port (the provider's registered redirect, `8085` by default as
/// in Argo CD), opens the provider's login page in a browser (`$BROWSER`, else `xdg-open`, and
/// prints the URL in any case), waits for the redirect with the code, checks the state, and
/// hands code, PKCE verifier and nonce to the hub, which exchanges them with its client secret
/// and returns a hub session.
struct SSOLogin {
    let server: String
    let port: Int

    func run() async throws -> SessionResponse {
        let settings: HubSettings = try await HubClient(server: server, token: nil).get("/api/v1/settings")
        guard let sso = settings.sso else { throw CLIError("this hub has no single sign-on; log in with --username or --token") }
        let listener = try LoopbackListener(port: port)
        let redirectURI = "http://127.0.0.1:\(listener.port)/auth/callback"
        let state = Self.random(), nonce = Self.random(), verifier = Self.random() + Self.random()
        let challenge = Self.base64url(Data(SHA256.hash(data: Array(verifier.utf8))))
        var query = URLComponents()
        query.queryItems = [
            .init(name: "response_type", value: "code"), .init(name: "client_id", value: sso.clientID),
            .init(name: "redirect_uri", value: redirectURI), .init(name: "scope", value: sso.scopes.joined(separator: " ")),
            .init(name: "state", value: state), .init(name: "nonce", value: nonce),
            .init(name: "code_challenge", value: challenge), .init(name: "code_challenge_method", value: "S256"),
        ]
        let url = sso.authorizationEndpoint + (sso.authorizationEndpoint.contains("?") ? "&" : "?") + (query.percentEncodedQuery ?? "")
        FileHandle.standardError.write(Data("Opening the browser for single sign-on. If it does not open, visit:\n  \(url)\n".utf8))
        Self.openBrowser(url)
        let callback = try await listener.awaitCallback(timeout: 300)
        let items = URLComponents(string: "http://x" + callback)?.queryItems ?? []
        func value(_ n: String) -> String? { items.first { $0.name == n }?.value }
        if let error = value("error") { throw CLIError("the identity provider refused the login: \(error) \(value("error_description") ?? "")") }
        guard value("state") == state else { throw CLIError("the login redirect's state does not match this login; start again") }
        guard let code = value("code") else { throw CLIError("the login redirect carried no code") }
        return try await HubClient(server: server, token: nil).post("/api/v1/session", LoginRequest(nonce: nonce, code: code, codeVerifier: verifier, redirectURI: redirectURI))
    }

    static func openBrowser(_ url: String) {
        let env = ProcessInfo.processInfo.environment
        let candidates = [env["BROWSER"], "/usr/bin/xdg-open"].compactMap { $0 }.filter { !$0.isEmpty }
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: path)
            p.arguments = [url]
            p.standardOutput = FileHandle.nullDevice
            if (try? p.run()) != nil { return }
        }
    }

    static func random() -> String {
        var rng = SystemRandomNumberGenerator()
        return base64url(Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }))
    }

    static func base64url(_ d: Data) -> String {
        d.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// One HTTP request on a loopback port, answered with a page telling the user to go back to the
/// terminal. Plain sockets: the CLI needs exactly one request, on its own thread.
final class LoopbackListener: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init(port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CLIError("cannot open a socket for the login redirect") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 4) == 0 else {
            close(fd)
            throw CLIError("cannot listen on 127.0.0.1:\(port) for the login redirect (in use?); pick another with --sso-port")
        }
        var actual = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: actual.sin_port))
    }

    deinit { close(fd) }

    /// The request target of the first `GET /auth/callback…`, e.g. `/auth/callback?code=…&state=…`.
    func awaitCallback(timeout: TimeInterval) async throws -> String {
        try await withCheckedThrowingContinuation { (k: CheckedContinuation<String, any Error>) in
            let thread = Thread { [self] in
                let deadline = Date().addingTimeInterval(timeout)
                while Date() < deadline {
                    var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    guard poll(&pfd, 1, 1000) > 0 else { continue }
                    let client = accept(fd, nil, nil)
                    guard client >= 0 else { continue }
                    var buffer = [UInt8](repeating: 0, count: 16384)
                    let n = read(client, &buffer, buffer.count)
                    let request = n > 0 ? String(decoding: buffer[..<n], as: UTF8.self) : ""
                    let target = request.split(separator: "\r\n").first?.split(separator: " ").dropFirst().first.map(String.init) ?? ""
                    let ok = target.hasPrefix("/auth/callback")
                    let body = ok ? "<html><body><h3>Hawser: login complete.</h3><p>You can close this window and return to the terminal.</p></body></html>"
                        : "<html><body>Not found</body></html>"
                    let response = "HTTP/1.1 \(ok ? "200 OK" : "404 Not Found")\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
                    _ = response.withCString { write(client, $0, strlen($0)) }
                    close(client)
                    if ok { k.resume(returning: target); return }
                }
                k.resume(throwing: CLIError("no login redirect arrived within \(Int(timeout)) s"))
            }
            thread.start()
        }
    }
}
