import HawserProtocol
import Synchronization

/// Parses an `APIResourceList` (the answer of `/api/v1` or `/apis/<group>/<version>`), keeping
/// top-level resources and dropping subresources such as `deployments/status`.
func parseResourceList(_ list: JSONValue, apiVersion: String) -> [APIResourceInfo] {
    let parts = apiVersion.split(separator: "/", maxSplits: 1).map(String.init)
    let group = parts.count == 2 ? parts[0] : ""
    let version = parts.count == 2 ? parts[1] : parts[0]
    return (list["resources"]?.arrayValue ?? []).compactMap { r in
        guard let name = r["name"]?.stringValue, !name.contains("/"),
              let kind = r["kind"]?.stringValue
        else { return nil }
        return APIResourceInfo(
            group: group, version: version, kind: kind, name: name,
            namespaced: r["namespaced"]?.boolValue ?? false,
            verbs: (r["verbs"]?.arrayValue ?? []).compactMap(\.stringValue))
    }
}

/// Discovered resource lists, per group-version.
///
/// A whole group-version is fetched at a time: one request answers for every kind in it.
/// A lock rather than an actor: lookups are tiny and synchronous, and need no suspension.
final class DiscoveryCache: Sendable {
    private let lists = Mutex<[String: [APIResourceInfo]]>([:])

    func lookup(apiVersion: String, kind: String) -> APIResourceInfo? {
        lists.withLock { $0[apiVersion]?.first { $0.kind == kind } }
    }

    func store(apiVersion: String, resources: [APIResourceInfo]) {
        lists.withLock { $0[apiVersion] = resources }
    }
}
