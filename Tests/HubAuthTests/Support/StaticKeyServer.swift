import Crypto
import Foundation
import HawserProtocol
import OIDCTestSupport
import Testing

/// A minimal provider for key-rotation tests: serves a discovery document and whatever JWKS the
/// test last published, and counts JWKS downloads, so a test can rotate keys and see exactly
/// when the hub fetched them. A Python `http.server` script (no dependencies), started as a
/// child process; it binds port 0 and reports the port through a file.
struct StaticKeyServer: Sendable {
    let issuer: String
    let directory: String

    static let script = #"""
    import http.server, json, os, sys, threading
    directory = sys.argv[1]
    lock = threading.Lock()
    jwks_downloads = 0

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            global jwks_downloads
            issuer = "http://127.0.0.1:%d" % self.server.server_address[1]
            if self.path == "/.well-known/openid-configuration":
                body = json.dumps({"issuer": issuer, "authorization_endpoint": issuer + "/authorize",
                                   "token_endpoint": issuer + "/token", "jwks_uri": issuer + "/jwks.json"}).encode()
            elif self.path == "/jwks.json":
                with lock:
                    jwks_downloads += 1
                with open(os.path.join(directory, "jwks.json"), "rb") as f:
                    body = f.read()
            elif self.path == "/stats":
                with lock:
                    body = json.dumps({"jwks_downloads": jwks_downloads}).encode()
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(os.path.join(directory, "port.tmp"), "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
    server.serve_forever()
    """#

    static func withRunning<T: Sendable>(publishing keys: [TestSigningKey], _ body: (StaticKeyServer) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hawser-jwks-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try script.write(toFile: directory + "/server.py", atomically: true, encoding: .utf8)
        let python = (try? ChildProcess.locate("python3")) ?? "/usr/bin/python3"
        let unstarted = StaticKeyServer(issuer: "", directory: directory)
        try unstarted.publish(keys)
        return try await ChildProcess.withRunning(python, [directory + "/server.py", directory], name: "jwks-server", ready: {
            guard let port = try? String(contentsOfFile: directory + "/port", encoding: .utf8) else { return false }
            return await TestHTTP.answers("http://127.0.0.1:\(port)/stats")
        }) {
            let port = try String(contentsOfFile: directory + "/port", encoding: .utf8)
            return try await body(StaticKeyServer(issuer: "http://127.0.0.1:\(port)", directory: directory))
        }
    }

    /// Replaces the served JWKS atomically (write, then rename).
    func publish(_ keys: [TestSigningKey]) throws {
        let jwks = JSONValue.object(["keys": .array(keys.map(\.publicJWK))])
        try Data(jwks.jsonBytes()).write(to: URL(fileURLWithPath: directory + "/jwks.json"), options: .atomic)
    }

    /// How many times the JWKS has been downloaded so far.
    func jwksDownloads() async throws -> Int {
        let stats = try JSONValue.parse(try await TestHTTP.request(issuer + "/stats").body)
        return Int(try #require(stats["jwks_downloads"]?.intValue))
    }
}
