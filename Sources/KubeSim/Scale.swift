// The `/scale` subresource's view of an object (autoscaling/v1 Scale), used by `kubectl scale`
// and HPAs.

import HawserProtocol

enum Scale {
    static func object(of obj: JSONValue, paths: ScalePaths) -> JSONValue {
        var metadata: JSONValue = [:]
        for f in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
            if let v = obj[path: ["metadata", f]] { metadata[f] = v }
        }
        var status: JSONValue = ["replicas": obj[path: paths.statusReplicas] ?? 0]
        if let selector = selector(of: obj, paths: paths) { status["selector"] = .string(selector) }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": metadata,
            "spec": ["replicas": obj[path: paths.specReplicas] ?? 0],
            "status": status,
        ]
    }

    private static func selector(of obj: JSONValue, paths: ScalePaths) -> String? {
        if let p = paths.labelSelector { return obj[path: p]?.stringValue }
        guard let selector = obj[path: ["spec", "selector"]] else { return nil }
        var parts = (selector["matchLabels"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.stringValue ?? "")" }
        for e in selector["matchExpressions"]?.arrayValue ?? [] {
            let key = e["key"]?.stringValue ?? ""
            let values = (e["values"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
            switch e["operator"]?.stringValue {
            case "In": parts.append("\(key) in (\(values))")
            case "NotIn": parts.append("\(key) notin (\(values))")
            case "Exists": parts.append(key)
            case "DoesNotExist": parts.append("!" + key)
            default: break
            }
        }
        return parts.joined(separator: ",")
    }
}
