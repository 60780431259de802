// CustomResourceDefinitions: a stored CRD makes its resources servable and discoverable, and the
// simulated apiextensions controller marks it Established so `kubectl wait --for condition=established` works.

import HawserProtocol

extension ResourceType {
    /// The served versions of a CRD object; empty when the CRD is malformed.
    static func fromCRD(_ crd: JSONValue) -> [ResourceType] {
        guard let group = crd[path: ["spec", "group"]]?.stringValue,
            let names = crd[path: ["spec", "names"]], let plural = names["plural"]?.stringValue, let kind = names["kind"]?.stringValue
        else { return [] }
        let namespaced = crd[path: ["spec", "scope"]]?.stringValue != "Cluster"
        let versions = crd[path: ["spec", "versions"]]?.arrayValue ?? []
        return versions.compactMap { v -> ResourceType? in
            guard let version = v["name"]?.stringValue, v["served"]?.boolValue != false else { return nil }
            var scale: ScalePaths?
            if let s = v[path: ["subresources", "scale"]] {
                func path(_ key: String) -> [String]? {
                    s[key]?.stringValue.map { $0.split(separator: ".").map(String.init) }
                }
                scale = ScalePaths(
                    specReplicas: path("specReplicasPath") ?? ["spec", "replicas"],
                    statusReplicas: path("statusReplicasPath") ?? ["status", "replicas"],
                    labelSelector: path("labelSelectorPath"))
            }
            return ResourceType(
                group: group, version: version, kind: kind, plural: plural,
                singular: names["singular"]?.stringValue ?? kind.lowercased(), namespaced: namespaced,
                shortNames: names["shortNames"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                categories: names["categories"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                hasStatus: v[path: ["subresources", "status"]] != nil, scale: scale)
        }
    }
}

extension SimulatedController {
    static let customResourceDefinition = SimulatedController(
        resource: GroupResource(group: "apiextensions.k8s.io", plural: "customresourcedefinitions"),
        needsRollout: { crd in crd[path: ["status", "acceptedNames"]] != crd[path: ["spec", "names"]] },
        delayed: false,
        progressing: nil,
        ready: { crd, ctx in
            let now = ctx.now
            let stored = crd[path: ["spec", "versions"]]?.arrayValue?.filter { $0["storage"]?.boolValue == true }.compactMap { $0["name"] } ?? []
            return [
                "acceptedNames": crd[path: ["spec", "names"]] ?? [:],
                "storedVersions": .array(stored),
                "conditions": [
                    .condition("NamesAccepted", "True", reason: "NoConflicts", message: "no conflicts found", now: now),
                    .condition("Established", "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted", now: now),
                ],
            ]
        }
    )
}
