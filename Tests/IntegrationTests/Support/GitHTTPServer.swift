import Foundation

/// A real Git smart-HTTP server on loopback: Python's http.server in front of
/// `git http-backend` (Git's own CGI), with HTTP basic authentication and optional TLS. What
/// a self-hosted forge does, without a forge.
struct GitHTTPServer {
    static let script = """
        import base64, http.server, os, ssl, subprocess, sys
        root, user, password = sys.argv[1:4]
        cert = sys.argv[4] if len(sys.argv) > 6 else None
        key = sys.argv[5] if len(sys.argv) > 6 else None
        portfile = sys.argv[-1]
        expected = 'Basic ' + base64.b64encode(f'{user}:{password}'.encode()).decode()
        class H(http.server.BaseHTTPRequestHandler):
            def body(self):
                if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
                    data = b''
                    while True:
                        size = int(self.rfile.readline().strip(), 16)
                        if size == 0:
                            self.rfile.readline()
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get('Content-Length') or 0))
            def serve(self):
                body = self.body()
                if self.headers.get('Authorization') != expected:
                    self.send_response(401)
                    self.send_header('WWW-Authenticate', 'Basic realm="git"')
                    self.send_header('Content-Length', '0')
                    self.end_headers()
                    return
                path, _, query = self.path.partition('?')
                env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL='1', PATH_INFO=path, REQUEST_METHOD=self.command,
                           QUERY_STRING=query, CONTENT_TYPE=self.headers.get('Content-Type', ''), CONTENT_LENGTH=str(len(body)),
                           REMOTE_USER=user, GIT_CONFIG_NOSYSTEM='1', GIT_CONFIG_GLOBAL='/dev/null')
                if self.headers.get('Git-Protocol'):
                    env['GIT_PROTOCOL'] = self.headers.get('Git-Protocol')
                out = subprocess.run(['git', 'http-backend'], input=body, env=env, capture_output=True).stdout
                sep = out.find(b'\\r\\n\\r\\n')
                head, rest = (out[:sep], out[sep + 4:]) if sep >= 0 else (b'', out)
                status, headers = 200, []
                for line in head.split(b'\\r\\n'):
                    k, _, v = line.decode().partition(':')
                    if k.lower() == 'status':
                        status = int(v.strip().split()[0])
                    elif k:
                        headers.append((k, v.strip()))
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header('Content-Length', str(len(rest)))
                self.end_headers()
                self.wfile.write(rest)
            do_GET = serve
            do_POST = serve
            def log_message(self, *a): pass
        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
        if cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            server.socket = ctx.wrap_socket(server.socket, server_side=True)
        open(portfile + '.tmp', 'w').write(str(server.server_address[1]))
        os.rename(portfile + '.tmp', portfile)
        server.serve_forever()

        """

    let server: PythonServer
    var port: Int { server.port }
    /// Where the served bare repositories live (`<root>/NAME.git`).
    let root: String

    /// Serves every bare repository under `root`; with `tls` (certificate and key PEM files),
    /// over HTTPS.
    static func start(root: String, user: String, password: String, tls: (certificate: String, key: String)? = nil) async throws -> GitHTTPServer {
        let server = try await PythonServer.start(script, name: "git-http") { _ in [root, user, password] + (tls.map { [$0.certificate, $0.key] } ?? []) }
        return GitHTTPServer(server: server, root: root)
    }

    func stop() { server.stop() }
}
