// What the server knows about one kind of resource: where it lives in the URL space, how discovery
// describes it, and which subresources it has. Built-in types are listed in BuiltinResources.swift;
// CustomResourceDefinitions add more at runtime (CRDs.swift).

import HawserProtocol

struct ResourceType: Sendable, Hashable {
    var group: String           // "" for the core group
    var version: String
    var kind: String
    var plural: String
    var singular: String
    var namespaced: Bool
    var shortNames: [String] = []
    var categories: [String] = []
    /// Whether `/status` exists: writes to the main resource then keep the stored status, and writes
    /// to `/status` keep everything but status (as the real registry strategies do).
    var hasStatus: Bool = true
    /// `/scale` subresource: where the replica counts live inside the object.
    var scale: ScalePaths? = nil

    var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    var groupVersion: String { apiVersion }
    /// `deployments.apps`, `pods`: the resource name used in error messages.
    var qualifiedName: String { group.isEmpty ? plural : "\(plural).\(group)" }
    var groupResource: GroupResource { GroupResource(group: group, plural: plural) }

    /// Whether objects carry metadata.generation. Only some registry strategies set it (for kinds
    /// whose controllers report observedGeneration); custom resources always have it. A ConfigMap or
    /// Service with a generation would show up in `kubectl diff` where a real cluster shows none.
    var tracksGeneration: Bool {
        ResourceType.builtinGroupResources.contains(groupResource) ? ResourceType.generationTracked.contains(groupResource) : true
    }

    private static let builtinGroupResources = Set(builtins.map(\.groupResource))
    private static let generationTracked: Set<GroupResource> = Set([
        ("apps", "deployments"), ("apps", "statefulsets"), ("apps", "daemonsets"), ("apps", "replicasets"),
        ("batch", "jobs"), ("batch", "cronjobs"), ("apiextensions.k8s.io", "customresourcedefinitions"),
        ("policy", "poddisruptionbudgets"), ("networking.k8s.io", "networkpolicies"),
        ("admissionregistration.k8s.io", "validatingwebhookconfigurations"), ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
    ].map { GroupResource(group: $0.0, plural: $0.1) })

    static let verbs: [JSONValue] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
}

/// Storage identity of a resource, independent of the version it is served at.
struct GroupResource: Hashable, Sendable {
    var group: String
    var plural: String
}

struct ScalePaths: Sendable, Hashable {
    var specReplicas: [String] = ["spec", "replicas"]
    var statusReplicas: [String] = ["status", "replicas"]
    /// Where a CRD keeps its selector string; built-ins derive it from `spec.selector`.
    var labelSelector: [String]? = nil
}
