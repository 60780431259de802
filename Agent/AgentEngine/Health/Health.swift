import HawserProtocol

/// The health of one live object, as shown in an application's resource table.
public struct HealthResult: Sendable, Hashable {
    public var status: HealthStatusCode
    /// Why the object is not healthy, in Argo CD's words where Argo CD has words for it.
    public var message: String?

    public init(status: HealthStatusCode, message: String? = nil) {
        self.status = status
        self.message = message
    }
}

/// Assesses a live object's health.
///
/// The shape follows gitops-engine's `pkg/health`: this function only handles what is common to
/// every kind (absence, pending deletion) and dispatches on group and kind to one file per kind.
/// A kind without its own file is healthy as soon as it exists: most objects (ConfigMaps, Roles,
/// Services without load balancers…) have no status to wait for.
///
/// - Parameter object: the live object, or `nil` when it does not exist in the cluster.
public func health(of object: JSONValue?) -> HealthResult {
    guard let object, object.objectValue != nil else {
        return HealthResult(status: .missing)
    }
    if let deletion = object[path: ["metadata", "deletionTimestamp"]], !deletion.isNull {
        return HealthResult(status: .progressing, message: "Pending deletion")
    }
    let (group, kind) = groupKind(of: object)
    switch (group, kind) {
    case ("apps", "Deployment"), ("extensions", "Deployment"):
        return deploymentHealth(object)
    default:
        return HealthResult(status: .healthy)
    }
}

/// The API group and kind of an object: `("apps", "Deployment")`, `("", "ConfigMap")`.
func groupKind(of object: JSONValue) -> (group: String, kind: String) {
    let apiVersion = object["apiVersion"]?.stringValue ?? ""
    let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/", maxSplits: 1)[0]) : ""
    return (group, object["kind"]?.stringValue ?? "")
}
