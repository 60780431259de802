import HawserProtocol

/// ReplicaSet health with Argo CD's logic and messages (gitops-engine `health_replicaset.go`).
///
/// Until the controller has observed the current generation the counters describe an older
/// spec, so the ReplicaSet is progressing. After that, a `ReplicaFailure` condition (pods the
/// controller could not create: quota, admission webhooks…) is degraded with the controller's
/// own words, and fewer available replicas than desired is progressing.
func replicaSetHealth(_ replicaSet: JSONValue) -> HealthResult {
    let generation = goInt(replicaSet, "metadata", "generation")
    let observedGeneration = goInt(replicaSet, "status", "observedGeneration")
    guard generation <= observedGeneration else {
        return HealthResult(
            status: .progressing,
            message: "Waiting for rollout to finish: observed replica set generation less than desired generation")
    }

    if let failure = statusCondition("ReplicaFailure", of: replicaSet), goString(failure, "status") == "True" {
        return HealthResult(status: .degraded, message: nonEmpty(goString(failure, "message")))
    }
    let available = goInt(replicaSet, "status", "availableReplicas")
    if let specReplicas = replicaSet[path: ["spec", "replicas"]]?.intValue, available < specReplicas {
        return HealthResult(
            status: .progressing,
            message: "Waiting for rollout to finish: \(available) out of \(specReplicas) new replicas are available...")
    }
    return HealthResult(status: .healthy)
}
