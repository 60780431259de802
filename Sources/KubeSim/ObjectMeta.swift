// Metadata rules every write follows, as the real registry's generic store applies them: the
// server owns uid, creationTimestamp, resourceVersion and generation; the URL decides name and
// namespace; status and spec are written through separate doors when a status subresource exists.

import Foundation
import HawserProtocol

extension JSONValue {
    var name: String { self[path: ["metadata", "name"]]?.stringValue ?? "" }
    var namespace: String { self[path: ["metadata", "namespace"]]?.stringValue ?? "" }
    var resourceVersionString: String? {
        guard let rv = self[path: ["metadata", "resourceVersion"]]?.stringValue, !rv.isEmpty else { return nil }
        return rv
    }
}

enum ObjectMeta {
    static let serverOwned = ["uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion"]

    static func now() -> String { Date().formatted(.iso8601) }

    /// Checks a request body against the URL and fills in apiVersion, kind, name and namespace.
    static func normalize(_ body: JSONValue, type: ResourceType, namespace: String?, name: String?) throws(APIError) -> JSONValue {
        guard case .object = body else { throw APIError.badRequest("the body of the request must be a JSON or YAML object") }
        var obj = body
        if let v = obj["apiVersion"]?.stringValue, v != type.apiVersion {
            throw APIError.badRequest("the API version in the data (\(v)) does not match the expected API version (\(type.apiVersion))")
        }
        if let k = obj["kind"]?.stringValue, k != type.kind {
            throw APIError.badRequest("the kind in the data (\(k)) does not match the expected kind (\(type.kind))")
        }
        obj["apiVersion"] = .string(type.apiVersion)
        obj["kind"] = .string(type.kind)
        if obj["metadata"]?.objectValue == nil { obj["metadata"] = [:] }
        if type.namespaced {
            let url = namespace ?? ""
            if let ns = obj[path: ["metadata", "namespace"]]?.stringValue, !ns.isEmpty, ns != url {
                throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            obj.set(.string(url), at: ["metadata", "namespace"])
        } else {
            obj.set(nil, at: ["metadata", "namespace"])
        }
        if let name {
            if let n = obj[path: ["metadata", "name"]]?.stringValue, !n.isEmpty, n != name {
                throw APIError.badRequest("the name of the object (\(n)) does not match the name on the URL (\(name))")
            }
            obj.set(.string(name), at: ["metadata", "name"])
        }
        return obj
    }

    /// Server-owned metadata for a brand-new object.
    static func prepareCreate(_ obj: inout JSONValue, type: ResourceType) {
        for f in serverOwned { obj.set(nil, at: ["metadata", f]) }
        obj.set(nil, at: ["metadata", "managedFields"])
        obj.set(.string(UUID().uuidString.lowercased()), at: ["metadata", "uid"])
        obj.set(.string(now()), at: ["metadata", "creationTimestamp"])
        if type.tracksGeneration { obj.set(1, at: ["metadata", "generation"]) }
        if type.hasStatus { obj["status"] = nil }
    }

    /// Turns a candidate for an existing object into what gets stored: server-owned metadata kept,
    /// status or spec protected depending on `subresource`, generation bumped on spec changes.
    static func prepareUpdate(_ candidate: JSONValue, old: JSONValue, type: ResourceType, subresource: String?) -> JSONValue {
        var new = candidate
        if subresource == "status" {
            var merged = old
            merged["status"] = candidate["status"]
            merged.set(candidate[path: ["metadata", "managedFields"]], at: ["metadata", "managedFields"])
            new = merged
        } else if type.hasStatus {
            new["status"] = old["status"]
        }
        for f in serverOwned { new.set(old[path: ["metadata", f]], at: ["metadata", f]) }
        new.set(old[path: ["metadata", "name"]], at: ["metadata", "name"])
        new.set(old[path: ["metadata", "namespace"]], at: ["metadata", "namespace"])
        new["apiVersion"] = old["apiVersion"]
        new["kind"] = old["kind"]
        return new
    }

    /// Kinds without a generation (ConfigMaps, Services, ...) never get one, as on a real server.
    static func bumpGenerationIfSpecChanged(_ new: inout JSONValue, old: JSONValue) {
        if old[path: ["metadata", "generation"]] != nil, specPart(new) != specPart(old) {
            new.set(.int(old.generation + 1), at: ["metadata", "generation"])
        }
    }

    /// Everything but metadata and status: the part whose changes count as a new generation.
    private static func specPart(_ obj: JSONValue) -> JSONValue {
        var o = obj
        o["metadata"] = nil
        o["status"] = nil
        return o
    }

    /// Whether two versions differ in anything other than managedFields timestamps (the real
    /// server skips such no-op writes: no new resourceVersion, no watch event).
    static func isNoOp(_ new: JSONValue, _ old: JSONValue) -> Bool {
        func strip(_ o: JSONValue) -> JSONValue {
            var c = o
            let entries = o[path: ["metadata", "managedFields"]]?.arrayValue?.map { e -> JSONValue in var e = e; e["time"] = nil; return e }
            c.set(entries.map(JSONValue.array), at: ["metadata", "managedFields"])
            return c
        }
        return strip(new) == strip(old)
    }

    /// ConfigMaps and Secrets hold at most 1 MiB of data, as on a real cluster (etcd's limit
    /// shows through the API server's validation).
    static func validateSize(_ obj: JSONValue, type: ResourceType) throws(APIError) {
        guard type.group.isEmpty, type.kind == "ConfigMap" || type.kind == "Secret" else { return }
        var total = 0
        for field in ["data", "binaryData", "stringData"] {
            for (k, v) in obj[field]?.objectValue ?? [:] { total += k.utf8.count + (v.stringValue?.utf8.count ?? 0) }
        }
        if total > 1 << 20 {
            throw APIError.invalid(type, obj.name, field: "data", "Too long: must have at most 1048576 bytes")
        }
    }

    /// Valid object names: non-empty path segments without slashes or percent signs (the real
    /// server is stricter per kind; this catches what would break URLs).
    static func validateName(_ name: String, type: ResourceType) throws(APIError) {
        if name.isEmpty {
            throw APIError.invalid(type, name, field: "metadata.name", "Required value: name or generateName is required")
        }
        if name.contains("/") || name.contains("%") || name == "." || name == ".." || name.count > 253 {
            throw APIError.invalid(type, name, field: "metadata.name", "Invalid value: \"\(name)\": may not contain '/' or '%'")
        }
    }
}
