import HawserProtocol

/// Deployment health with Argo CD's logic and messages (gitops-engine `health_deployment.go`,
/// itself borrowed from `kubectl rollout status`), so that users see the same words they know.
///
/// Absent status counters read as 0, as Go's zero values do.
func deploymentHealth(_ deployment: JSONValue) -> HealthResult {
    if deployment[path: ["spec", "paused"]]?.boolValue == true {
        return HealthResult(status: .suspended, message: "Deployment is paused")
    }
    let generation = deployment[path: ["metadata", "generation"]]?.intValue ?? 0
    let status = deployment["status"] ?? .object([:])
    let observedGeneration = status["observedGeneration"]?.intValue ?? 0
    guard generation <= observedGeneration else {
        return HealthResult(
            status: .progressing,
            message: "Waiting for rollout to finish: observed deployment generation less than desired generation")
    }

    let progressing = status["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == "Progressing" }
    let specReplicas = deployment[path: ["spec", "replicas"]]?.intValue
    let replicas = status["replicas"]?.intValue ?? 0
    let updated = status["updatedReplicas"]?.intValue ?? 0
    let available = status["availableReplicas"]?.intValue ?? 0

    if progressing?["reason"]?.stringValue == "ProgressDeadlineExceeded" {
        let name = deployment[path: ["metadata", "name"]]?.stringValue ?? ""
        return HealthResult(status: .degraded, message: "Deployment \(goQuoted(name)) exceeded its progress deadline")
    }
    if let specReplicas, updated < specReplicas {
        return HealthResult(
            status: .progressing,
            message: "Waiting for rollout to finish: \(updated) out of \(specReplicas) new replicas have been updated...")
    }
    if replicas > updated {
        return HealthResult(
            status: .progressing,
            message: "Waiting for rollout to finish: \(replicas - updated) old replicas are pending termination...")
    }
    if available < updated {
        return HealthResult(
            status: .progressing,
            message: "Waiting for rollout to finish: \(available) of \(updated) updated replicas are available...")
    }
    return HealthResult(status: .healthy)
}

/// Go's `%q` for the plain names Kubernetes allows: double quotes, with `"` and `\` escaped.
func goQuoted(_ s: String) -> String {
    var out = "\""
    for c in s {
        if c == "\"" || c == "\\" { out.append("\\") }
        out.append(c)
    }
    return out + "\""
}
