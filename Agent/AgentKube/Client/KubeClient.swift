import AsyncHTTPClient
import Foundation
import HawserProtocol
import Logging
import NIOCore

/// A small Kubernetes API client: discovery, get, list, server-side apply and delete.
///
/// It speaks REST with AsyncHTTPClient because FoundationNetworking on Linux can neither trust
/// a custom CA nor present a client certificate. Objects are untyped `JSONValue`s: the agent
/// applies whatever kinds Git holds, including custom resources it has never heard of.
public final class KubeClient: Sendable {
    public let config: KubeConfig
    let http: HTTPClient
    let logger: Logger
    private let token: BearerToken
    private let discovery = DiscoveryCache()
    private let requestTimeout: TimeAmount

    /// Responses larger than this are refused rather than buffered (lists are paged below it).
    static let maxResponseBytes = 64 << 20
    /// Items per page when listing, so a namespace with thousands of objects stays bounded.
    static let listPageSize = 500

    public init(config: KubeConfig, logger: Logger = Logger(label: "kube"), requestTimeout: Duration = .seconds(30)) throws {
        guard let url = URL(string: config.server), let scheme = url.scheme, ["https", "http"].contains(scheme), url.host != nil else {
            throw KubeConfigError("invalid Kubernetes server URL \"\(config.server)\": expected https://host:port")
        }
        let tls = try config.makeTLSConfiguration()
        let timeout = TimeAmount.nanoseconds(Int64(requestTimeout.components.seconds) * 1_000_000_000
            + requestTimeout.components.attoseconds / 1_000_000_000)
        self.config = config
        self.logger = logger
        self.requestTimeout = timeout
        self.token = BearerToken(token: config.token, file: config.tokenFile)
        self.http = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(
                tlsConfiguration: tls,
                timeout: .init(connect: .seconds(10), read: timeout)))
    }

    /// Closes connections. Call once, before the client is released.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    // MARK: Discovery

    /// The server's version, e.g. `v1.31.2` (`GET /version`): a cheap connectivity and
    /// credentials check.
    public func serverVersion() async throws -> String {
        let version = try await json(.GET, "/version")
        guard let git = version["gitVersion"]?.stringValue else {
            throw KubeError(code: 200, reason: "InvalidResponse", message: "/version has no gitVersion")
        }
        return git
    }

    /// How the server serves a kind: its plural name and whether it is namespaced.
    ///
    /// Cached per group-version. On a miss the group-version is discovered again once, since a
    /// CRD applied moments ago adds kinds to it.
    ///
    /// - Throws: `KubeError` with reason `UnknownKind` when the server does not serve the kind.
    public func resourceInfo(apiVersion: String, kind: String) async throws -> APIResourceInfo {
        if let hit = discovery.lookup(apiVersion: apiVersion, kind: kind) { return hit }
        try await discover(apiVersion: apiVersion, kind: kind)
        if let hit = discovery.lookup(apiVersion: apiVersion, kind: kind) { return hit }
        throw Self.unknownKind(apiVersion: apiVersion, kind: kind, detail: "\(apiVersion) has no kind \(kind)")
    }

    private func discover(apiVersion: String, kind: String) async throws {
        let path = APIResourceInfo.groupVersionPath(apiVersion: apiVersion)
        let (status, body) = try await send(.GET, path)
        if status == 404 {
            throw Self.unknownKind(apiVersion: apiVersion, kind: kind, detail: "the server does not serve \(apiVersion)")
        }
        guard (200..<300).contains(status) else { throw KubeError(httpStatus: status, body: body) }
        let list = try decode(body, from: path)
        discovery.store(apiVersion: apiVersion, resources: parseResourceList(list, apiVersion: apiVersion))
    }

    static func unknownKind(apiVersion: String, kind: String, detail: String) -> KubeError {
        KubeError(code: 404, reason: "UnknownKind",
                  message: "no resource for apiVersion \(apiVersion), kind \(kind): \(detail) (is its CRD installed?)")
    }

    // MARK: Objects

    /// The live object, or `nil` when it does not exist — including when its kind is not
    /// served at all (a custom resource whose CRD is not installed yet certainly has no objects).
    public func get(_ key: ResourceKey) async throws -> JSONValue? {
        let info: APIResourceInfo
        do {
            info = try await resourceInfo(apiVersion: key.apiVersion, kind: key.kind)
        } catch let error as KubeError where error.reason == "UnknownKind" {
            return nil
        }
        let (status, body) = try await send(.GET, info.objectPath(namespace: namespace(for: key.namespace), name: key.name))
        if status == 404 { return nil }
        guard (200..<300).contains(status) else { throw KubeError(httpStatus: status, body: body) }
        return try decode(body, from: key.description)
    }

    /// Server-side apply: `PATCH` with `application/apply-patch+yaml` (JSON is valid YAML).
    ///
    /// The path comes from discovery; a stray `metadata.namespace` on a cluster-scoped object is
    /// removed and a namespaced object without one gets the configured namespace.
    ///
    /// - Parameters:
    ///   - force: take ownership of fields another manager set (kubectl's `--force-conflicts`).
    ///   - dryRun: ask the server to validate and default without persisting (`dryRun=All`).
    /// - Returns: the object as the server stored it (or would store it, for a dry run).
    public func apply(_ object: JSONValue, fieldManager: String = "hawser", force: Bool = false, dryRun: Bool = false) async throws -> JSONValue {
        guard let key = ResourceKey(object: object) else {
            throw KubeError(code: 400, reason: "Invalid", message: "cannot apply an object without apiVersion, kind and metadata.name")
        }
        let info = try await resourceInfo(apiVersion: key.apiVersion, kind: key.kind)
        var body = object
        let ns = namespace(for: key.namespace)
        body.set(info.namespaced ? .string(ns) : nil, at: ["metadata", "namespace"])
        var query = [("fieldManager", fieldManager)]
        if force { query.append(("force", "true")) }
        if dryRun { query.append(("dryRun", "All")) }
        let (status, response) = try await send(
            .PATCH, info.objectPath(namespace: ns, name: key.name), query: query,
            body: body.jsonBytes(), contentType: "application/apply-patch+yaml")
        guard (200..<300).contains(status) else { throw KubeError(httpStatus: status, body: response) }
        return try decode(response, from: key.description)
    }

    /// Lists objects of a kind, following `continue` tokens across pages.
    ///
    /// List items come back without `apiVersion` and `kind`; they are filled in so every item
    /// is a complete object that can be keyed, compared and deleted.
    ///
    /// - Parameter namespace: `nil` (or any value for cluster-scoped kinds) lists everywhere.
    public func list(apiVersion: String, kind: String, namespace: String?, labelSelector: String?) async throws -> [JSONValue] {
        let info = try await resourceInfo(apiVersion: apiVersion, kind: kind)
        let path = info.collectionPath(namespace: namespace)
        var items: [JSONValue] = []
        var continueToken: String?
        repeat {
            var query = [("limit", String(Self.listPageSize))]
            if let labelSelector, !labelSelector.isEmpty { query.append(("labelSelector", labelSelector)) }
            if let continueToken { query.append(("continue", continueToken)) }
            let page = try await json(.GET, path, query: query)
            for var item in page["items"]?.arrayValue ?? [] {
                item["apiVersion"] = .string(apiVersion)
                item["kind"] = .string(kind)
                items.append(item)
            }
            continueToken = page[path: ["metadata", "continue"]]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        } while continueToken != nil
        return items
    }

    /// Deletes an object; `false` when it was already gone (or its kind is not served).
    ///
    /// - Parameter propagation: `Background` (dependents are garbage-collected afterwards),
    ///   `Foreground` or `Orphan`.
    @discardableResult
    public func delete(_ key: ResourceKey, propagation: String = "Background") async throws -> Bool {
        let info: APIResourceInfo
        do {
            info = try await resourceInfo(apiVersion: key.apiVersion, kind: key.kind)
        } catch let error as KubeError where error.reason == "UnknownKind" {
            return false
        }
        let (status, body) = try await send(
            .DELETE, info.objectPath(namespace: namespace(for: key.namespace), name: key.name),
            query: [("propagationPolicy", propagation)])
        if status == 404 { return false }
        guard (200..<300).contains(status) else { throw KubeError(httpStatus: status, body: body) }
        return true
    }

    // MARK: Transport

    /// The namespace for a namespaced request: the given one, else the context's, else `default`.
    private func namespace(for requested: String) -> String {
        requested.isEmpty ? (config.namespace ?? "default") : requested
    }

    private func json(_ method: Verb, _ path: String, query: [(String, String)] = []) async throws -> JSONValue {
        let (status, body) = try await send(method, path, query: query)
        guard (200..<300).contains(status) else { throw KubeError(httpStatus: status, body: body) }
        return try decode(body, from: path)
    }

    private func decode(_ body: [UInt8], from what: String) throws -> JSONValue {
        do {
            return try JSONValue.parse(body)
        } catch {
            throw KubeError(code: 200, reason: "InvalidResponse", message: "\(what): response is not JSON")
        }
    }

    /// One request; returns any HTTP status (callers decide what 404 means) and throws only
    /// when no response arrived, naming the server so the error is actionable.
    private func send(
        _ method: Verb, _ path: String, query: [(String, String)] = [],
        body: [UInt8]? = nil, contentType: String? = nil
    ) async throws -> (status: Int, body: [UInt8]) {
        let url = config.server + path + Self.queryString(query)
        var request = authorizedRequest(url)
        switch method {
        case .GET: request.method = .GET
        case .PATCH: request.method = .PATCH
        case .DELETE: request.method = .DELETE
        }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType ?? "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        logger.debug("kube request", metadata: ["method": "\(method.rawValue)", "url": "\(url)"])
        do {
            let response = try await http.execute(request, timeout: requestTimeout, logger: logger)
            let buffer = try await response.body.collect(upTo: Self.maxResponseBytes)
            let status = Int(response.status.code)
            if status >= 400 {
                logger.debug("kube error", metadata: ["url": "\(url)", "status": "\(status)"])
            }
            return (status, Array(buffer.readableBytesView))
        } catch {
            throw KubeError(code: 0, reason: "RequestFailed", message: "\(method.rawValue) \(url): \(error)")
        }
    }

    /// The HTTP methods this client uses (kept here so the file needs no NIOHTTP1 import).
    /// A GET request with the headers every call carries (JSON, user agent, bearer token).
    func authorizedRequest(_ url: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "hawser-agent")
        if let bearer = token.current {
            request.headers.add(name: "Authorization", value: "Bearer \(bearer)")
        }
        return request
    }

    enum Verb: String {
        case GET, PATCH, DELETE
    }

    /// `?a=b&c=d`, percent-encoded; empty for no parameters.
    static func queryString(_ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return "" }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+;#")
        func enc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s }
        return "?" + query.map { "\(enc($0.0))=\(enc($0.1))" }.joined(separator: "&")
    }
}
