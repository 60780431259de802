import Foundation
import HawserProtocol

/// An AppProject as written in a file: Argo CD's shape, which Hawser's `ProjectSpec` keeps
/// field for field. What Hawser does not enforce is a warning, never dropped unseen.
enum ProjectDocument {
    static let groupKind: KnownFields = .list(.fields(["group": .value, "kind": .value]))

    static let known: KnownFields = .fields([
        "apiVersion": .value, "kind": .value, "metadata": .fields(KnownFields.metadata), "status": .ignored,
        "spec": .fields([
            "description": .value, "sourceRepos": .value,
            "destinations": .list(.fields(["server": .value, "name": .value, "namespace": .value])),
            "clusterResourceWhitelist": groupKind, "clusterResourceBlacklist": groupKind,
            "namespaceResourceWhitelist": groupKind, "namespaceResourceBlacklist": groupKind,
            "roles": .list(.fields(["name": .value, "description": .value, "policies": .value, "groups": .value,
                                    "jwtTokens": .unsupported("project tokens are issued with `hawser proj role create-token`, not listed")])),
            "syncWindows": .list(.fields([
                "kind": .value, "schedule": .value, "duration": .value, "applications": .value, "namespaces": .value,
                "clusters": .value, "manualSync": .value, "timeZone": .value,
                "andOperator": .unsupported("windows always match when any of applications, namespaces or clusters does"),
                "description": .unsupported("not kept"),
            ])),
            "orphanedResources": .unsupported("orphaned resource monitoring is not supported"),
            "signatureKeys": .unsupported("commit signature verification is not supported"),
            "sourceNamespaces": .unsupported("Applications are not namespaced in Hawser"),
            "destinationServiceAccounts": .unsupported("agents apply with their own service account"),
            "permitOnlyProjectScopedClusters": .unsupported("clusters are not scoped to projects"),
        ]),
    ])

    static func read(_ o: [String: JSONValue], apiVersion: ConfigAPIVersion, serverClusters: [String: String], _ c: inout DocumentContext) -> (String, ProjectSpec)? {
        known.check(.object(o), "", &c)
        guard let name = ConfigFiles.name(o, what: "AppProject", &c) else { return nil }
        let metadata = c.object(o["metadata"], "metadata") ?? [:]
        for key in (c.stringMap(metadata["annotations"], "metadata.annotations") ?? [:]).keys.sorted() {
            c.warn("metadata.annotations.\(key)", "annotations of an AppProject are not used by Hawser; ignored")
        }
        if !(c.stringMap(metadata["labels"], "metadata.labels") ?? [:]).isEmpty {
            c.warn("metadata.labels", "labels of an AppProject are not used by Hawser; ignored")
        }
        for (i, f) in (c.strings(metadata["finalizers"], "metadata.finalizers") ?? []).enumerated() {
            c.warn("metadata.finalizers[\(i)]", "finalizer \"\(f)\" is not used by Hawser; ignored")
        }
        let specValue = o["spec"] ?? .object([:])
        guard c.object(specValue, "spec") != nil || specValue == .null else { return nil }
        var spec: ProjectSpec
        do {
            spec = try WireJSON.decoder().decode(ProjectSpec.self, from: WireJSON.encoder().encode(specValue == .null ? .object([:]) : specValue))
        } catch let error as DecodingError {
            let (path, message) = Self.explain(error)
            c.error("spec" + path, message)
            return nil
        } catch {
            c.error("spec", "\(error)")
            return nil
        }
        // Argo CD destinations name clusters by API server URL; Hawser matches names.
        for (i, d) in spec.destinations.enumerated() {
            guard let server = d.server, server.contains("://") else { continue }
            if let mapped = serverClusters[server] {
                spec.destinations[i].server = mapped
            } else {
                c.warn("spec.destinations[\(i)].server", "Hawser matches destinations by cluster name, and \"\(server)\" is not one; map it to a cluster (--destination-server \(server)=CLUSTER) or write spec.destinations[\(i)].name")
            }
        }
        for problem in spec.validate() {
            // ProjectSpec names the field first: "sourceRepos[1] \"x\": listed twice".
            let field = problem.prefix { $0 != " " && $0 != ":" }
            c.error("spec." + field, String(problem.dropFirst(field.count).drop { $0 == ":" || $0 == " " }))
        }
        return (name, spec)
    }

    /// `.roles[0].name`, "a string is required" from a decoding error.
    static func explain(_ error: DecodingError) -> (String, String) {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { k in k.intValue.map { "[\($0)]" } ?? ".\(k.stringValue)" }.joined()
        }
        switch error {
        case .typeMismatch(let type, let context): return (path(context.codingPath), "expected \(typeName(type))")
        case .valueNotFound(let type, let context): return (path(context.codingPath), "expected \(typeName(type)), got null")
        case .keyNotFound(let key, let context): return (path(context.codingPath + [key]), "is required")
        case .dataCorrupted(let context): return (path(context.codingPath), context.debugDescription)
        @unknown default: return ("", "\(error)")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        let name = "\(type)"
        if name.hasPrefix("Array") { return "a list" }
        if name.hasPrefix("Dictionary") { return "a mapping" }
        if name == "String" { return "a string" }
        if name == "Bool" { return "true or false" }
        if name.contains("Int") || name == "Double" { return "a number" }
        return "a mapping"
    }

    /// The `hawser.io/v1` document `read` turns back into the same spec.
    static func write(_ name: String, _ spec: ProjectSpec) -> YAMLTree {
        var body: [(String, YAMLTree)] = []
        if let d = spec.description { body.append(("description", .string(d))) }
        body.append(("sourceRepos", .list(spec.sourceRepos.map { .string($0) })))
        body.append(("destinations", .list(spec.destinations.map { d in
            var f: [(String, YAMLTree)] = []
            if let n = d.name { f.append(("name", .string(n))) }
            if let s = d.server { f.append(("server", .string(s))) }
            f.append(("namespace", .string(d.namespace)))
            return .map(f)
        })))
        func kinds(_ key: String, _ list: [GroupKind]) {
            if !list.isEmpty { body.append((key, .list(list.map { .map([("group", .string($0.group)), ("kind", .string($0.kind))]) }))) }
        }
        kinds("clusterResourceWhitelist", spec.clusterResourceWhitelist)
        kinds("clusterResourceBlacklist", spec.clusterResourceBlacklist)
        kinds("namespaceResourceWhitelist", spec.namespaceResourceWhitelist)
        kinds("namespaceResourceBlacklist", spec.namespaceResourceBlacklist)
        if !spec.roles.isEmpty {
            body.append(("roles", .list(spec.roles.map { r in
                var f: [(String, YAMLTree)] = [("name", .string(r.name))]
                if let d = r.description { f.append(("description", .string(d))) }
                f.append(("policies", .list(r.policies.map { .string($0) })))
                f.append(("groups", .list(r.groups.map { .string($0) })))
                return .map(f)
            })))
        }
        if !spec.syncWindows.isEmpty {
            body.append(("syncWindows", .list(spec.syncWindows.map { w in
                var f: [(String, YAMLTree)] = [("kind", .string(w.kind.rawValue)), ("schedule", .string(w.schedule)), ("duration", .string(w.duration))]
                if !w.applications.isEmpty { f.append(("applications", .list(w.applications.map { .string($0) }))) }
                if !w.namespaces.isEmpty { f.append(("namespaces", .list(w.namespaces.map { .string($0) }))) }
                if !w.clusters.isEmpty { f.append(("clusters", .list(w.clusters.map { .string($0) }))) }
                if w.manualSync { f.append(("manualSync", .bool(true))) }
                if let tz = w.timeZone { f.append(("timeZone", .string(tz))) }
                return .map(f)
            })))
        }
        return .map([("apiVersion", .string(ConfigAPIVersion.hawser.rawValue)), ("kind", .string("AppProject")),
                     ("metadata", .map([("name", .string(name))])), ("spec", .map(body))])
    }
}
