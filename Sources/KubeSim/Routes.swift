// The HTTP face of the simulator: authenticates, routes Kubernetes API paths to the Store, and
// renders results the way kubectl asks for them (JSON, Table, metadata-only, watch streams).
// Handlers stay thin; semantics live in Store and its helpers.

import Foundation
import HawserProtocol
import Hummingbird
import Logging
import NIOCore

struct APIResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let store: Store
    let token: String
    let kubernetesVersion: String
    let logger: Logger
    static let maxBody = 32 << 20

    func respond(to request: Request, context: Context) async throws -> Response {
        let response: Response
        do {
            response = try await handle(request)
        } catch let error as APIError {
            response = Self.json(error.status, code: error.code)
        } catch {
            response = Self.json(APIError(code: 500, reason: "InternalError", message: "\(error)").status, code: 500)
        }
        logger.debug("\(request.method) \(request.uri) -> \(response.status.code)")
        return response
    }

    private func handle(_ request: Request) async throws -> Response {
        guard request.headers[.authorization] == "Bearer \(token)" else { throw APIError.unauthorized }
        let path = request.uri.path
        let segments = path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        let query = Self.parseQuery(request.uri.query)
        if let response = try await discovery(request, path: path, segments: segments) { return response }
        let registry = await store.registry
        guard let target = RequestPath.parse(segments, registry: registry) else { throw APIError.resourceNotFound(path) }
        let options = WriteOptions(
            dryRun: query["dryRun"] == "All", fieldManager: query["fieldManager"], force: query["force"] == "true",
            userAgent: request.headers[.userAgent])
        let accept = request.headers[.accept] ?? ""
        let type = target.type
        // Bodies are JSON or YAML, or protobuf for the few kinds Protobuf.swift reads.
        let contentType = request.headers[.contentType] ?? ""
        if contentType.contains("cbor") { throw APIError.unsupportedMediaType(contentType) }
        func decodeBody() async throws -> JSONValue {
            let data = try await Self.body(request)
            return contentType.contains("protobuf") ? try Protobuf.decode(data) : try BodyDecoding.decode(data)
        }

        switch request.method {
        case .get:
            if target.name == nil || target.watchPrefix {
                var filter = WatchFilter(type: type, namespace: target.namespace)
                if let s = query["labelSelector"], !s.isEmpty { filter.labelSelector = try LabelSelector.parseQuery(s) }
                var fields = query["fieldSelector"] ?? ""
                if let name = target.name { fields += (fields.isEmpty ? "" : ",") + "metadata.name=\(name)" }
                if !fields.isEmpty { filter.fieldSelector = try FieldSelector.parse(fields) }
                if target.watchPrefix || query["watch"] == "true" || query["watch"] == "1" {
                    return await watch(filter, query: query, asTable: accept.contains("as=Table"))
                }
                return try await list(filter, query: query, accept: accept)
            }
            if target.subresource == "scale" {
                return Self.json(try await store.scale(type, namespace: target.namespace, name: target.name!))
            }
            try Self.checkSubresource(target, allowed: ["status"])
            let obj = try await store.get(type, namespace: target.namespace, name: target.name!)
            if accept.contains("as=Table") {
                return Self.json(Table.render([obj], type: type, resourceVersion: obj.resourceVersionString ?? "", includeObject: query["includeObject"]))
            }
            if accept.contains("as=PartialObjectMetadata") { return Self.json(Self.partial(obj)) }
            return Self.json(obj)

        case .post:
            guard target.name == nil, !type.namespaced || target.namespace != nil else { throw APIError.methodNotAllowed("POST") }
            let body = try await decodeBody()
            let created = try await store.create(type, namespace: target.namespace, body: body, options: options)
            return Self.json(created, code: 201)

        case .put:
            guard let name = target.name else { throw APIError.methodNotAllowed("PUT") }
            let body = try await decodeBody()
            if target.subresource == "scale" {
                return Self.json(try await store.updateScale(type, namespace: target.namespace, name: name, options: options) { _ throws(APIError) in body })
            }
            try Self.checkSubresource(target, allowed: ["status"])
            return Self.json(try await store.update(type, namespace: target.namespace, name: name, body: body, subresource: target.subresource, options: options))

        case .patch:
            guard let name = target.name else { throw APIError.methodNotAllowed("PATCH") }
            let patchType: PatchType
            switch contentType.split(separator: ";").first.map({ String($0).trimmingSpaces }) ?? "" {
            case "application/apply-patch+yaml", "application/apply-patch+json": patchType = .apply
            case "application/merge-patch+json": patchType = .merge
            case "application/strategic-merge-patch+json":
                guard ResourceType.builtins.contains(type) else {
                    throw APIError(code: 415, reason: "UnsupportedMediaType", message: "strategic merge patch is not supported for custom resources")
                }
                patchType = .strategic
            case "application/json-patch+json": patchType = .json
            default: throw APIError.unsupportedMediaType(contentType)
            }
            let data = try await Self.body(request)
            if target.subresource == "scale" {
                guard patchType != .apply else { throw APIError.unsupportedMediaType(contentType) }
                let patch = try BodyDecoding.decode(data)
                return Self.json(try await store.updateScale(type, namespace: target.namespace, name: name, options: options) { scale throws(APIError) in
                    switch patchType {
                    case .json: return try Patches.jsonPatch(scale, patch)
                    case .strategic: return Patches.strategicMergePatch(scale, patch)
                    default: return Patches.mergePatch(scale, patch)
                    }
                })
            }
            try Self.checkSubresource(target, allowed: ["status"])
            return Self.json(try await store.patch(
                type, namespace: target.namespace, name: name, patchType: patchType, body: data, subresource: target.subresource, options: options))

        case .delete:
            guard let name = target.name, target.subresource == nil else { throw APIError.methodNotAllowed("DELETE") }
            let data = try await Self.body(request)
            let deleteOptions = data.isEmpty ? nil : try? BodyDecoding.decode(data)
            var options = options
            if deleteOptions?["dryRun"]?.arrayValue?.contains("All") == true { options.dryRun = true }
            let propagation = try PropagationPolicy.parse(options: deleteOptions, query: query)
            return Self.json(try await store.delete(
                type, namespace: target.namespace, name: name, preconditions: deleteOptions?["preconditions"], propagation: propagation,
                options: options))

        default:
            throw APIError.methodNotAllowed(request.method.rawValue)
        }
    }

    // MARK: Discovery and OpenAPI

    private func discovery(_ request: Request, path: String, segments: [String]) async throws -> Response? {
        guard request.method == .get else { return nil }
        switch path {
        case "/version", "/version/": return Self.json(Discovery.version(kubernetesVersion))
        case "/healthz", "/livez", "/readyz": return Self.text("ok")
        case "/api", "/api/": return Self.json(Discovery.coreVersions(serverAddress: request.head.authority ?? "127.0.0.1"))
        case "/apis", "/apis/": return Self.json(Discovery.groupList(await store.registry))
        case "/openapi/v2": throw APIError.resourceNotFound(path)
        case "/openapi/v3", "/openapi/v3/": return Self.json(OpenAPI.root(await store.registry, version: kubernetesVersion))
        default: break
        }
        let registry = await store.registry
        if segments.count >= 3, segments[0] == "openapi", segments[1] == "v3" {
            let gv = Array(segments[2...])
            let (group, version) = gv.first == "api" && gv.count == 2 ? ("", gv[1]) : (gv.count == 3 ? gv[1] : "", gv.last ?? "")
            guard let doc = OpenAPI.groupVersion(group: group, version: version, registry, kubernetesVersion: kubernetesVersion) else {
                throw APIError.resourceNotFound(path)
            }
            return Self.json(doc)
        }
        if segments.count == 2, segments[0] == "api" {
            guard let list = Discovery.resourceList(group: "", version: segments[1], registry) else { throw APIError.resourceNotFound(path) }
            return Self.json(list)
        }
        if segments.count == 2, segments[0] == "apis" {
            guard let g = registry.groups.first(where: { $0.name == segments[1] }) else { throw APIError.resourceNotFound(path) }
            var doc = Discovery.group(g.name, versions: g.versions)
            doc["kind"] = "APIGroup"
            doc["apiVersion"] = "v1"
            return Self.json(doc)
        }
        if segments.count == 3, segments[0] == "apis" {
            guard let list = Discovery.resourceList(group: segments[1], version: segments[2], registry) else { throw APIError.resourceNotFound(path) }
            return Self.json(list)
        }
        return nil
    }

    // MARK: List and watch

    private func list(_ filter: WatchFilter, query: [String: String], accept: String) async throws -> Response {
        let (all, currentRV) = await store.list(filter.type, filter: filter)
        let after = try query["continue"].flatMap { $0.isEmpty ? nil : $0 }.map { token throws(APIError) in try ContinueToken(decoding: token) }
        let (items, next, remaining) = ContinueToken.page(all, after: after, limit: query["limit"].flatMap(Int.init), resourceVersion: currentRV)
        let rv = after?.resourceVersion ?? currentRV
        var metadata: JSONValue = ["resourceVersion": .string(String(rv))]
        if let next {
            metadata["continue"] = .string(next.encoded)
            // Only known without a selector: the real server omits it when it filters.
            if filter.labelSelector == nil, filter.fieldSelector == nil { metadata["remainingItemCount"] = .int(Int64(remaining)) }
        }
        if accept.contains("as=Table") {
            var table = Table.render(items, type: filter.type, resourceVersion: String(rv), includeObject: query["includeObject"])
            table["metadata"] = metadata
            return Self.json(table)
        }
        if accept.contains("as=PartialObjectMetadataList") {
            return Self.json([
                "kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": metadata,
                "items": .array(items.map(Self.partial)),
            ])
        }
        return Self.json([
            "kind": .string(filter.type.kind + "List"), "apiVersion": .string(filter.type.apiVersion),
            "metadata": metadata, "items": .array(items),
        ])
    }

    /// A chunked stream of newline-delimited watch events. `kubectl get -w` asks for Table
    /// objects, so each event then carries a one-row Table, as the real server sends.
    private func watch(_ filter: WatchFilter, query: [String: String], asTable: Bool) async -> Response {
        let since = query["resourceVersion"].flatMap(Int.init)
        let timeout = query["timeoutSeconds"].flatMap(Int.init).map { Duration.seconds($0) }
        let stream = await store.watch(filter, since: since, sendInitialEvents: query["sendInitialEvents"] == "true", timeout: timeout)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            for await var event in stream {
                if asTable, let obj = event["object"], event["type"] != "ERROR", event["type"] != "BOOKMARK" {
                    event["object"] = Table.render([obj], type: filter.type, resourceVersion: obj.resourceVersionString ?? "", includeObject: query["includeObject"])
                }
                var data = try event.jsonData()
                data.append(UInt8(ascii: "\n"))
                try await writer.write(ByteBuffer(bytes: data))
            }
            try await writer.finish(nil)
        })
    }

    // MARK: Helpers

    private static func checkSubresource(_ target: RequestPath, allowed: Set<String>) throws(APIError) {
        if let sub = target.subresource, !(allowed.contains(sub) && (sub != "status" || target.type.hasStatus)) {
            throw APIError.resourceNotFound("\(target.type.plural)/\(sub)")
        }
    }

    private static func partial(_ obj: JSONValue) -> JSONValue {
        ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"] ?? [:]]
    }

    private static func body(_ request: Request) async throws -> Data {
        let buffer = try await request.body.collect(upTo: maxBody)
        return Data(buffer.readableBytesView)
    }

    static func json(_ value: JSONValue, code: Int = 200) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let data = (try? value.jsonData()) ?? Data("{}".utf8)
        return Response(status: .init(code: code), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func text(_ s: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: s)))
    }

    /// Query strings as Go's url.Values encodes them ('+' is a space).
    static func parseQuery(_ query: String?) -> [String: String] {
        var result: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            result[decode(kv[0])] = kv.count > 1 ? decode(kv[1]) : ""
        }
        return result
    }
}
