import AsyncHTTPClient
import Foundation
import Logging

/// One OpenID Connect provider as the hub sees it: its discovery document, its signing keys, and
/// verification of the ID tokens it issues.
///
/// jwt-kit checks signatures but fetches nothing, so this actor owns the network side: discovery
/// (loaded on first use; the document's issuer must equal the configured one exactly) and the
/// JWKS (cached; downloaded again when a token names a key it lacks, rate-limited, and when the
/// cache is older than `keyMaxAge`). Concurrent callers share one download.
///
/// Time comes from the injected `now` so expiry is tested without waiting. The login steps
/// (authorization URL, code exchange, logout) are in `OIDCProvider+CodeFlow.swift`.
public actor OIDCProvider {
    public nonisolated let configuration: OIDCConfiguration
    let http: OIDCHTTP
    let now: @Sendable () -> Date
    private let validator: IDTokenClaimsValidator
    private let logger: Logger

    private var discovery: OIDCDiscoveryDocument?
    private var discoveryTask: Task<OIDCDiscoveryDocument, any Error>?
    private var keys: ProviderKeys?
    private var keysTask: Task<ProviderKeys, any Error>?
    private var refetch: KeyRefetchPolicy

    /// - Parameters:
    ///   - httpClient: `.shared` unless the hub wants its own pool or TLS trust roots.
    ///   - now: the clock for `exp`/`nbf`/`iat` and the key refresh limits.
    ///   - leeway: tolerated clock skew between hub and provider.
    ///   - minimumKeyRefetchInterval: at most one JWKS download per interval for unknown keys.
    ///   - keyMaxAge: the JWKS is downloaded again on first use after this age.
    /// - Throws: ``OIDCError/invalidConfiguration(_:)`` or ``OIDCError/insecureEndpoint(_:)``
    ///   for an unusable issuer, so a bad configuration fails at startup, not at first login.
    public init(configuration: OIDCConfiguration, httpClient: HTTPClient = .shared,
                now: @escaping @Sendable () -> Date = { Date() }, leeway: TimeInterval = 60,
                minimumKeyRefetchInterval: TimeInterval = 5, keyMaxAge: TimeInterval = 3600,
                logger: Logger = Logger(label: "hawser.oidc")) throws(OIDCError) {
        _ = try EndpointPolicy.checkIssuer(configuration.issuer)
        guard !configuration.clientID.isEmpty else { throw .invalidConfiguration("clientID is empty") }
        guard !configuration.groupsClaim.isEmpty else { throw .invalidConfiguration("groupsClaim is empty") }
        self.configuration = configuration
        self.http = OIDCHTTP(client: httpClient)
        self.now = now
        self.validator = IDTokenClaimsValidator(issuer: configuration.issuer, clientID: configuration.clientID,
                                                groupsClaim: configuration.groupsClaim, leeway: leeway)
        self.refetch = KeyRefetchPolicy(minimumInterval: minimumKeyRefetchInterval, maximumAge: keyMaxAge)
        self.logger = logger
    }

    // MARK: Discovery

    /// The provider's discovery document, downloaded once; a failed download is retried on the
    /// next call.
    public func metadata() async throws -> OIDCDiscoveryDocument {
        if let discovery { return discovery }
        if let discoveryTask { return try await discoveryTask.value }
        let task = Task { [http, issuer = configuration.issuer] in try await Self.downloadDiscovery(http, issuer: issuer) }
        discoveryTask = task
        defer { discoveryTask = nil }
        let document = try await task.value
        discovery = document
        return document
    }

    private static func downloadDiscovery(_ http: OIDCHTTP, issuer: String) async throws -> OIDCDiscoveryDocument {
        let url = (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer) + "/.well-known/openid-configuration"
        let response: OIDCHTTP.Response
        do { response = try await http.get(url) } catch { throw OIDCError.discoveryFailed("GET \(url): \(error)") }
        guard response.status == 200 else { throw OIDCError.discoveryFailed("GET \(url): HTTP \(response.status)") }
        let document: OIDCDiscoveryDocument
        do { document = try JSONDecoder().decode(OIDCDiscoveryDocument.self, from: Data(response.body)) } catch {
            throw OIDCError.discoveryFailed("\(url) is not an OpenID provider configuration: \(error)")
        }
        return try document.validated(forIssuer: issuer)
    }

    // MARK: Keys

    /// The `kid`s of the cached signing keys (after loading them if needed), for diagnostics.
    public func signingKeyIDs() async throws -> [String] {
        try await usableKeys().keyIDs
    }

    /// The cached set, refreshed when stale. A failed refresh keeps the old keys (logins keep
    /// working while the provider is briefly down); a failed first load is an error.
    private func usableKeys() async throws -> ProviderKeys {
        let time = now()
        guard let keys else {
            // Nothing cached: the first load, or a retry after failures, limited like unknown keys.
            guard refetch.lastFetch == nil || keysTask != nil || refetch.allowUnknownKeyFetch(at: time) else {
                throw OIDCError.keySetFailed("not loaded, and the last attempt was under \(Int(refetch.minimumInterval)) s ago")
            }
            return try await downloadKeys()
        }
        guard refetch.isStale(at: time) else { return keys }
        do { return try await downloadKeys() } catch {
            logger.warning("OIDC key set refresh failed; keeping the cached keys", metadata: ["error": "\(error)"])
            return keys
        }
    }

    /// Called when a token's key is missing from `snapshot`: the newer set if another call already
    /// fetched one, else a fresh download if the rate limit allows, else `nil`.
    private func keysAfterUnknownKey(seen snapshot: ProviderKeys) async throws -> ProviderKeys? {
        if let keysTask { return try await keysTask.value }
        if let keys, keys.generation != snapshot.generation { return keys }
        guard refetch.allowUnknownKeyFetch(at: now()) else { return nil }
        logger.info("ID token names a key not in the cached set; downloading the provider's keys again")
        return try await downloadKeys()
    }

    /// One JWKS download at a time; concurrent callers wait for the same one.
    private func downloadKeys() async throws -> ProviderKeys {
        let document = try await metadata()
        if let keysTask { return try await keysTask.value }
        let generation = (keys?.generation ?? 0) + 1
        let task = Task { [http] in try await Self.downloadKeySet(http, from: document.jwksURI, generation: generation) }
        keysTask = task
        refetch.recordFetch(at: now())
        defer { keysTask = nil }
        let fresh = try await task.value
        keys = fresh
        return fresh
    }

    private static func downloadKeySet(_ http: OIDCHTTP, from url: String, generation: Int) async throws -> ProviderKeys {
        let response: OIDCHTTP.Response
        do { response = try await http.get(url) } catch { throw OIDCError.keySetFailed("GET \(url): \(error)") }
        guard response.status == 200 else { throw OIDCError.keySetFailed("GET \(url): HTTP \(response.status)") }
        return try await ProviderKeys(jwks: response.body, generation: generation)
    }

    // MARK: ID tokens

    /// Verifies an ID token from this provider and returns who it identifies.
    ///
    /// Checks, in order: RS256/ES256 only; the signature, by the provider key the token names
    /// (an unknown `kid` downloads the key set once more, rate-limited); `iss` exactly the
    /// issuer; `aud` contains the client ID, and `azp` is the client ID when present or when
    /// there are several audiences; `exp` in the future, `nbf` and `iat` not in the future
    /// (each with the leeway); `nonce` equal to `nonce` when one is given.
    /// - Parameter nonce: the nonce stored with the login attempt; `nil` skips that check (only
    ///   for tokens that do not come from a login this hub started).
    public func verifyIDToken(_ token: String, nonce: String?) async throws -> OIDCIdentity {
        let jws = try CompactJWS(token)
        let snapshot = try await usableKeys()
        var outcome = try await snapshot.verify(jws)
        if case .noMatchingKey = outcome, let fresh = try await keysAfterUnknownKey(seen: snapshot) {
            outcome = try await fresh.verify(jws)
        }
        guard case .verified(let payload) = outcome else {
            // Without a kid "no key matched" means no key verified the signature.
            throw jws.keyID == nil ? OIDCError.badSignature : OIDCError.unknownKey
        }
        return try validator.validate(payload, nonce: nonce, now: now())
    }
}
