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
/// Like gitops-engine it dispatches on the group alone and accepts every version of it, so an
/// object read through an older or newer API version is judged by the same fields.
/// A kind without its own file is healthy as soon as it exists: most objects (ConfigMaps, Roles,
/// Secrets…) have no status to wait for.
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
    case ("apps", "StatefulSet"):
        return statefulSetHealth(object)
    case ("apps", "DaemonSet"), ("extensions", "DaemonSet"):
        return daemonSetHealth(object)
    case ("apps", "ReplicaSet"), ("extensions", "ReplicaSet"):
        return replicaSetHealth(object)
    case ("", "Pod"):
        return podHealth(object)
    case ("", "Service"):
        return serviceHealth(object)
    case ("", "PersistentVolumeClaim"):
        return persistentVolumeClaimHealth(object)
    case ("networking.k8s.io", "Ingress"), ("extensions", "Ingress"):
        return ingressHealth(object)
    case ("batch", "Job"):
        return jobHealth(object)
    case ("batch", "CronJob"):
        return cronJobHealth(object)
    case ("autoscaling", "HorizontalPodAutoscaler"):
        return horizontalPodAutoscalerHealth(object)
    case ("apiextensions.k8s.io", "CustomResourceDefinition"):
        return customResourceDefinitionHealth(object)
    case ("apiregistration.k8s.io", "APIService"):
        return apiServiceHealth(object)
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

// MARK: - Reading status the way Go's typed structs do

/// The first entry of `status.conditions` with the given type, as Kubernetes' own
/// `GetCondition` helpers pick it.
func statusCondition(_ type: String, of object: JSONValue) -> JSONValue? {
    object[path: ["status", "conditions"]]?.arrayValue?.first { $0["type"]?.stringValue == type }
}

/// A counter read as Go reads an absent `int32` field: 0.
func goInt(_ object: JSONValue, _ path: String...) -> Int64 {
    object[path: path]?.intValue ?? 0
}

/// A string read as Go reads an absent string field: empty.
func goString(_ value: JSONValue?, _ path: String...) -> String {
    value?[path: path]?.stringValue ?? ""
}

/// gitops-engine spells "no message" as `""`; `HealthResult` spells it `nil`, and only `nil`, so
/// that callers and fixtures (no `# message:` line) have one thing to compare against.
func nonEmpty(_ s: String) -> String? {
    s.isEmpty ? nil : s
}
