// Resource URLs of the Kubernetes API:
//   /api/v1/{plural}[/{name}[/{sub}]]                       cluster-scoped, or all namespaces
//   /api/v1/namespaces/{ns}/{plural}[/{name}[/{sub}]]       namespaced
//   /apis/{group}/{version}/...                             same, for named groups
//   .../watch/...                                           legacy watch prefix

struct RequestPath: Sendable {
    var type: ResourceType
    var namespace: String?
    var name: String?
    var subresource: String?
    var watchPrefix = false

    /// nil when the path names no served resource.
    static func parse(_ segments: [String], registry: Registry) -> RequestPath? {
        var rest: ArraySlice<String>
        let group: String
        let version: String
        if segments.first == "api", segments.count >= 3 {
            group = ""
            version = segments[1]
            rest = segments[2...]
        } else if segments.first == "apis", segments.count >= 4 {
            group = segments[1]
            version = segments[2]
            rest = segments[3...]
        } else {
            return nil
        }
        var watch = false
        if rest.first == "watch" {
            watch = true
            rest = rest.dropFirst()
        }
        let parts = Array(rest)
        if parts.count >= 3, parts[0] == "namespaces",
            let type = registry.find(group: group, version: version, plural: parts[2]), type.namespaced, parts.count <= 5
        {
            return RequestPath(
                type: type, namespace: parts[1], name: parts.count > 3 ? parts[3] : nil,
                subresource: parts.count > 4 ? parts[4] : nil, watchPrefix: watch)
        }
        guard !parts.isEmpty, parts.count <= 3, let type = registry.find(group: group, version: version, plural: parts[0]) else { return nil }
        // A namespaced type addressed without a namespace only supports list and watch across namespaces.
        if type.namespaced, parts.count > 1 { return nil }
        return RequestPath(
            type: type, namespace: nil, name: parts.count > 1 ? parts[1] : nil,
            subresource: parts.count > 2 ? parts[2] : nil, watchPrefix: watch)
    }
}
