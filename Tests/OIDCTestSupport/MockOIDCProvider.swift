import Foundation
import HubAuth

/// A real OpenID provider for tests: PyPI `oidc-provider-mock` on a free loopback port.
///
/// What its source (0.3.4) says matters here: the issuer is the request's own host URL, so the
/// hub must call it by the same `http://127.0.0.1:<port>` it configures; any client ID and secret
/// are accepted (no registration); ID tokens are RS256 from one RSA key, without `kid` in the
/// header; discovery lists no `token_endpoint_auth_methods_supported`, so the client uses Basic;
/// it does not verify PKCE (the code verifier is sent and ignored); a predefined user is given
/// with `--user-claims '{"sub": …, other claims…}'` and logs in with one form POST.
public struct MockOIDCProvider: Sendable {
    public let issuer: String

    /// Starts the provider with these users (JSON objects with `sub`), runs `body`, stops it.
    public static func withRunning<T: Sendable>(users: [String], _ body: (MockOIDCProvider) async throws -> T) async throws -> T {
        let executable = try ChildProcess.locate("oidc-provider-mock")
        let port = try ChildProcess.freePort()
        let provider = MockOIDCProvider(issuer: "http://127.0.0.1:\(port)")
        let arguments = ["--host", "127.0.0.1", "--port", "\(port)"] + users.flatMap { ["--user-claims", $0] }
        return try await ChildProcess.withRunning(executable, arguments, name: "oidc-provider-mock", ready: {
            await TestHTTP.answers(provider.issuer + "/.well-known/openid-configuration")
        }) {
            try await body(provider)
        }
    }

    public func configuration(clientID: String = "hawser", clientSecret: String? = "hawser-secret",
                       groupsClaim: String = OIDCConfiguration.defaultGroupsClaim) -> OIDCConfiguration {
        OIDCConfiguration(issuer: issuer, clientID: clientID, clientSecret: clientSecret, groupsClaim: groupsClaim)
    }
}

/// What a browser does on the provider's login page, without a browser: GET the authorization
/// URL (the page with the form), then submit the form the way its "Authorize" button does (POST
/// `sub` to the same URL, query string included) and read the code and state from the 302.
public struct BrowserlessLogin {
    public struct Redirect: Sendable {
        public var location: String
        public var code: String?
        public var state: String?
        public var error: String?
    }

    public static func authorize(_ authorizationURL: String, as subject: String) async throws -> Redirect {
        let page = try await TestHTTP.request(authorizationURL)
        guard page.status == 200, page.body.contains("name=\"sub\"") else {
            throw SupportFailure("authorization page: HTTP \(page.status), no login form: \(page.body.prefix(500))")
        }
        let submitted = try await TestHTTP.request(authorizationURL, form: [("sub", subject)])
        guard submitted.status == 302, let location = submitted.location else {
            throw SupportFailure("login form answered HTTP \(submitted.status), not a redirect: \(submitted.body.prefix(500))")
        }
        let query = URLComponents(string: location)?.queryItems ?? []
        func value(_ name: String) -> String? { query.first { $0.name == name }?.value }
        return Redirect(location: location, code: value("code"), state: value("state"), error: value("error"))
    }
}

