import HawserProtocol

/// StatefulSet health with Argo CD's logic and messages (gitops-engine `health_statefulset.go`,
/// itself borrowed from `kubectl rollout status`).
///
/// In order: the controller must have observed the current generation; every desired replica
/// must be ready; then the update strategy decides what "rolled out" means:
/// - `RollingUpdate` with a `rollingUpdate` block (the API server always writes one, with
///   `partition: 0`): the pods above the partition must be updated;
/// - `OnDelete`: pods only change when someone deletes them, so readiness is all we can ask;
/// - otherwise the update revision must have become the current revision.
///
/// Absent counters read as 0 and absent revisions as `""`, as Go's zero values do.
func statefulSetHealth(_ sts: JSONValue) -> HealthResult {
    let generation = goInt(sts, "metadata", "generation")
    let observedGeneration = goInt(sts, "status", "observedGeneration")
    if observedGeneration == 0 || generation > observedGeneration {
        return HealthResult(status: .progressing, message: "Waiting for statefulset spec update to be observed...")
    }

    let specReplicas = sts[path: ["spec", "replicas"]]?.intValue
    let ready = goInt(sts, "status", "readyReplicas")
    if let specReplicas, ready < specReplicas {
        return HealthResult(status: .progressing, message: "Waiting for \(specReplicas - ready) pods to be ready...")
    }

    let strategy = sts[path: ["spec", "updateStrategy"]]
    let updated = goInt(sts, "status", "updatedReplicas")
    let strategyType = goString(strategy, "type")
    if strategyType == "RollingUpdate", let rollingUpdate = strategy?["rollingUpdate"], !rollingUpdate.isNull {
        if let specReplicas, let partition = rollingUpdate["partition"]?.intValue, updated < specReplicas - partition {
            return HealthResult(
                status: .progressing,
                message: "Waiting for partitioned roll out to finish: \(updated) out of \(specReplicas - partition) new pods have been updated...")
        }
        return HealthResult(status: .healthy, message: "partitioned roll out complete: \(updated) new pods have been updated...")
    }
    if strategyType == "OnDelete" {
        return HealthResult(status: .healthy, message: "statefulset has \(ready) ready pods")
    }

    let updateRevision = goString(sts, "status", "updateRevision")
    let currentRevision = goString(sts, "status", "currentRevision")
    if updateRevision != currentRevision {
        return HealthResult(
            status: .progressing,
            message: "waiting for statefulset rolling update to complete \(updated) pods at revision \(updateRevision)...")
    }
    let current = goInt(sts, "status", "currentReplicas")
    return HealthResult(
        status: .healthy,
        message: "statefulset rolling update complete \(current) pods at revision \(currentRevision)...")
}
