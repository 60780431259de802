import Foundation

/// Which provider URLs the hub will talk to: https anywhere, plain http only on loopback.
///
/// Everything the hub trusts about a user arrives from these URLs (the discovery document, the
/// signing keys, the tokens), so an http hop on a real network would let anyone on the path
/// substitute their own keys. Loopback stays allowed for a provider on the same host and tests.
enum EndpointPolicy {
    static func check(_ string: String) throws(OIDCError) -> URL {
        guard let url = URL(string: string), let scheme = url.scheme?.lowercased(),
              let host = url.host, !host.isEmpty else {
            throw .invalidConfiguration("not an absolute URL: \(string)")
        }
        switch scheme {
        case "https": return url
        case "http" where isLoopback(host): return url
        case "http": throw .insecureEndpoint(string)
        default: throw .invalidConfiguration("unsupported URL scheme \(scheme) in \(string)")
        }
    }

    /// An issuer is an https URL without query or fragment (OIDC Core §2), since it is compared
    /// byte for byte and becomes the prefix of the discovery URL.
    static func checkIssuer(_ issuer: String) throws(OIDCError) -> URL {
        let url = try check(issuer)
        guard url.query == nil, url.fragment == nil, !issuer.contains("?"), !issuer.contains("#") else {
            throw .invalidConfiguration("issuer must not have a query or fragment: \(issuer)")
        }
        return url
    }

    static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if h == "localhost" || h == "::1" { return true }
        let octets = h.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.first == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
