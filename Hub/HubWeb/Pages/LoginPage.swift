import Foundation
import HawserProtocol
import HubAPI
import HubCore
import Hummingbird

/// Sign-in: a local account's password, or the company's identity provider (SSO) when the hub
/// has one. The form carries a token that must match a cookie set with it, so another site
/// cannot sign a browser into an account of its choosing (login CSRF).
enum LoginPage {
    static let csrfCookie = "hawser_login_csrf"

    struct Form: Decodable {
        var username: String?
        var password: String?
        var csrf: String?
        var returnTo: String?
    }

    static func show(hub: Hub, returnTo: String, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let csrf = Secrets.newToken(prefix: "")
        let sso: HTML = try await hub.ssoSettings() == nil ? "" : """
            <div class="or">or</div>
            <a class="button" id="sso-login" href="/auth/login\(HTML.query([("return", returnTo)]))">Log in with single sign-on</a>
            """
        let body: HTML = """
            <section class="login panel">
            <h1>Log in to Hawser</h1>
            \(error.map { Layout.message($0) } ?? "")
            <form method="post" action="/ui/login" id="login-form">
            <input type="hidden" name="csrf" value="\(csrf)">
            <input type="hidden" name="returnTo" value="\(returnTo)">
            <label>Username <input type="text" name="username" id="username" autocomplete="username" required autofocus></label>
            <label>Password <input type="password" name="password" id="password" autocomplete="current-password" required></label>
            <button type="submit" class="primary" id="login-submit">Log in</button>
            </form>
            \(sso)
            </section>
            """
        return WebRoutes.page(Layout.page(title: "Log in", user: nil, section: nil, body: body), status: status,
                              extraHeaders: [.setCookie: "\(csrfCookie)=\(csrf); Path=/ui/login; HttpOnly; SameSite=Strict; Max-Age=3600"])
    }

    static func submit(hub: Hub, request: Request, context: HubRequestContext, secure: Bool) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 16 * 1024)
        // A form that cannot be decoded is refused without repeating it: it holds a password.
        guard let form = try? URLEncodedFormDecoder().decode(Form.self, from: String(buffer: buffer)) else {
            return try await show(hub: hub, returnTo: "/ui/", error: "The login form could not be read; please try again.", status: .badRequest)
        }
        let returnTo = form.returnTo.flatMap(HubRoutes.localPath).flatMap { $0.hasPrefix("/ui") ? $0 : nil } ?? "/ui/"
        guard let csrf = form.csrf, !csrf.isEmpty, SessionCookie.named(csrfCookie, in: request) == csrf else {
            await hub.auditAnonymous("login", "web", detail: "login form without this browser's form token (login CSRF or an expired form)")
            return try await show(hub: hub, returnTo: returnTo, error: "This login form has expired; please log in again.", status: .forbidden)
        }
        guard let username = form.username, !username.isEmpty, let password = form.password, !password.isEmpty else {
            return try await show(hub: hub, returnTo: returnTo, error: "Enter a username and a password.", status: .badRequest)
        }
        do {
            let session = try await hub.login(username: username, password: password)
            let maxAge = max(0, Int(session.expiresAt.timeIntervalSinceNow))
            let cookie = "\(SessionCookie.name)=\(session.token); Path=/; HttpOnly; SameSite=Lax; Max-Age=\(maxAge)" + (secure ? "; Secure" : "")
            return Response(status: .seeOther, headers: [.location: returnTo, .setCookie: cookie])
        } catch let error as HubError {
            return try await show(hub: hub, returnTo: returnTo, error: error.message, status: error.kind == .tooManyRequests ? .tooManyRequests : .unauthorized)
        }
    }
}
