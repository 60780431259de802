import Foundation
import HawserProtocol

/// The authorization-code grant at the token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.5): how
/// the client authenticates, what the form carries, and what the answer must contain.
enum TokenRequest {
    enum ClientAuthentication: Equatable {
        /// HTTP Basic with the form-encoded ID and secret (RFC 6749 §2.3.1).
        case basic
        /// `client_id` and `client_secret` in the form body.
        case post
        /// Public client: `client_id` only, PKCE is the proof.
        case none
    }

    /// Basic when the provider allows it (the default when discovery lists no methods), else
    /// post; a secret the provider accepts in neither way is a configuration error.
    static func clientAuthentication(secret: String?, supported: [String]?) throws(OIDCError) -> ClientAuthentication {
        guard secret != nil else { return .none }
        let methods = supported ?? ["client_secret_basic"]
        if methods.contains("client_secret_basic") { return .basic }
        if methods.contains("client_secret_post") { return .post }
        throw .clientAuthenticationUnsupported("the provider accepts only \(methods.joined(separator: ", "))")
    }

    static func request(code: String, redirectURI: String, codeVerifier: String, clientID: String, clientSecret: String?,
                        authentication: ClientAuthentication) -> (form: [(String, String)], headers: [(String, String)]) {
        var form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
                    ("code_verifier", codeVerifier), ("client_id", clientID)]
        var headers: [(String, String)] = []
        switch authentication {
        case .basic:
            let credentials = FormURLEncoding.escape(clientID) + ":" + FormURLEncoding.escape(clientSecret ?? "")
            headers.append(("Authorization", "Basic " + Data(credentials.utf8).base64EncodedString()))
        case .post:
            form.append(("client_secret", clientSecret ?? ""))
        case .none:
            break
        }
        return (form, headers)
    }

    static func parseResponse(status: Int, body: [UInt8]) throws(OIDCError) -> OIDCTokens {
        let json = try? JSONValue.parse(body)
        guard status == 200 else {
            throw .tokenEndpoint(status: status, error: json?["error"]?.stringValue.map { String($0.prefix(100)) },
                                 description: json?["error_description"]?.stringValue.map { String($0.prefix(300)) })
        }
        guard case .object(let fields)? = json else { throw .tokenResponseInvalid("not a JSON object") }
        guard let idToken = fields["id_token"]?.stringValue else {
            throw .tokenResponseInvalid("no id_token (was the openid scope granted?)")
        }
        // intValue also reads a numeric string, which some providers send.
        let expiresIn = fields["expires_in"]?.intValue.flatMap { Int(exactly: $0) }
        return OIDCTokens(idToken: idToken, accessToken: fields["access_token"]?.stringValue,
                          refreshToken: fields["refresh_token"]?.stringValue, expiresIn: expiresIn)
    }
}
