/// Unguessable values for one login attempt: `state` (ties the provider's redirect to the browser
/// that started the login, against CSRF) and `nonce` (ties the ID token to that same attempt,
/// against replay). Both must be stored with the attempt and compared when it comes back.
public enum OIDCRandom {
    /// 32 bytes from the system CSPRNG, base64url: 43 characters, 256 bits.
    public static func state() -> String { token() }

    /// See ``state()``; a separate value so that leaking one (state travels in the redirect URL)
    /// does not reveal the other.
    public static func nonce() -> String { token() }

    static func token(bytes count: Int = 32) -> String {
        var rng = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &rng) })
    }
}
