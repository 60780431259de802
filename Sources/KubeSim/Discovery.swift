// Discovery documents: what kubectl and client-go read to map kinds to URLs. KubeSim serves the
// legacy (unaggregated) form; clients asking for aggregated discovery get it with a plain
// application/json content type and fall back, exactly as against an older API server.

import HawserProtocol

enum Discovery {
    static func version(_ gitVersion: String) -> JSONValue {
        let numbers = gitVersion.dropFirst(gitVersion.hasPrefix("v") ? 1 : 0).split(separator: ".")
        return [
            "major": .string(numbers.first.map(String.init) ?? "1"),
            "minor": .string(numbers.count > 1 ? String(numbers[1]) : "0"),
            "gitVersion": .string(gitVersion),
            "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean",
            "buildDate": "2024-08-13T07:28:49Z",
            "goVersion": "go1.22.5",
            "compiler": "gc",
            "platform": "linux/amd64",
        ]
    }

    static func coreVersions(serverAddress: String) -> JSONValue {
        [
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]],
        ]
    }

    static func group(_ name: String, versions: [String]) -> JSONValue {
        let vs: [JSONValue] = versions.map { ["groupVersion": .string("\(name)/\($0)"), "version": .string($0)] }
        return ["name": .string(name), "versions": .array(vs), "preferredVersion": vs[0]]
    }

    static func groupList(_ registry: Registry) -> JSONValue {
        let groups = registry.groups.filter { !$0.name.isEmpty }.map { group($0.name, versions: $0.versions) }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)]
    }

    static func resourceList(group: String, version: String, _ registry: Registry) -> JSONValue? {
        let types = registry.resources(group: group, version: version)
        guard !types.isEmpty else { return nil }
        var resources: [JSONValue] = []
        for t in types {
            var r: JSONValue = [
                "name": .string(t.plural), "singularName": .string(t.singular), "namespaced": .bool(t.namespaced),
                "kind": .string(t.kind), "verbs": .array(ResourceType.verbs),
            ]
            if !t.shortNames.isEmpty { r["shortNames"] = .array(t.shortNames.map(JSONValue.string)) }
            if !t.categories.isEmpty { r["categories"] = .array(t.categories.map(JSONValue.string)) }
            resources.append(r)
            if t.hasStatus {
                resources.append([
                    "name": .string(t.plural + "/status"), "singularName": "", "namespaced": .bool(t.namespaced),
                    "kind": .string(t.kind), "verbs": ["get", "patch", "update"],
                ])
            }
            if t.scale != nil {
                resources.append([
                    "name": .string(t.plural + "/scale"), "singularName": "", "namespaced": .bool(t.namespaced),
                    "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"],
                ])
            }
        }
        return [
            "kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"), "resources": .array(resources),
        ]
    }
}
