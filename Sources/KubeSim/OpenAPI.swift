// A deliberately thin OpenAPI v3: kubectl fetches it only to learn whether the server validates
// fields itself (the `fieldValidation` query parameter on PATCH). Declaring that — and nothing
// about field schemas — makes kubectl defer validation to the server instead of demanding a
// protobuf OpenAPI v2 schema. No schemas are published, so no field is misdescribed.

import Crypto
import Foundation
import HawserProtocol

enum OpenAPI {
    /// `/openapi/v3`: one entry per group-version, with a content hash clients cache by.
    static func root(_ registry: Registry, version: String) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for g in registry.groups {
            for v in g.versions {
                let key = g.name.isEmpty ? "api/\(v)" : "apis/\(g.name)/\(v)"
                let doc = groupVersion(group: g.name, version: v, registry, kubernetesVersion: version) ?? .null
                let digest = SHA512.hash(data: (try? doc.jsonData()) ?? Data()).map { String(format: "%02X", $0) }.joined()
                paths[key] = ["serverRelativeURL": .string("/openapi/v3/\(key)?hash=\(digest.prefix(128))")]
            }
        }
        return ["paths": .object(paths)]
    }

    static func groupVersion(group: String, version: String, _ registry: Registry, kubernetesVersion: String) -> JSONValue? {
        let types = registry.resources(group: group, version: version)
        guard !types.isEmpty else { return nil }
        var paths: [String: JSONValue] = [:]
        let params: [JSONValue] = ["dryRun", "fieldManager", "fieldValidation", "force"].map {
            ["name": .string($0), "in": "query", "schema": ["type": .string($0 == "force" ? "boolean" : "string"), "uniqueItems": true]]
        }
        for t in types {
            let prefix = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
            let item = t.namespaced ? "\(prefix)/namespaces/{namespace}/\(t.plural)/{name}" : "\(prefix)/\(t.plural)/{name}"
            paths[item] = [
                "patch": [
                    "operationId": .string("patch\(t.kind)"),
                    "x-kubernetes-action": "patch",
                    "x-kubernetes-group-version-kind": ["group": .string(group), "version": .string(version), "kind": .string(t.kind)],
                    "parameters": .array(params),
                    "responses": ["200": ["description": "OK"]],
                ],
            ]
        }
        return [
            "openapi": "3.0.0",
            "info": ["title": "Kubernetes", "version": .string(kubernetesVersion)],
            "paths": .object(paths),
            "components": ["schemas": [:]],
        ]
    }
}
