import HawserProtocol

/// DaemonSet health with Argo CD's logic and messages (gitops-engine `health_daemonset.go`,
/// itself borrowed from `kubectl rollout status`).
///
/// The controller must have observed the current generation; with the `OnDelete` strategy pods
/// only change when someone deletes them, so the DaemonSet is healthy and the message says how
/// far the manual rollout got; otherwise every node that should run a pod must run an updated,
/// available one.
///
/// Absent counters read as 0, as Go's zero values do.
func daemonSetHealth(_ daemonSet: JSONValue) -> HealthResult {
    let generation = goInt(daemonSet, "metadata", "generation")
    let observedGeneration = goInt(daemonSet, "status", "observedGeneration")
    if generation > observedGeneration {
        return HealthResult(
            status: .progressing,
            message: "Waiting for rollout to finish: observed daemon set generation less than desired generation")
    }

    let desired = goInt(daemonSet, "status", "desiredNumberScheduled")
    let updated = goInt(daemonSet, "status", "updatedNumberScheduled")
    let available = goInt(daemonSet, "status", "numberAvailable")
    if goString(daemonSet, "spec", "updateStrategy", "type") == "OnDelete" {
        return HealthResult(status: .healthy, message: "daemon set \(updated) out of \(desired) new pods have been updated")
    }

    let name = goQuoted(goString(daemonSet, "metadata", "name"))
    if updated < desired {
        return HealthResult(
            status: .progressing,
            message: "Waiting for daemon set \(name) rollout to finish: \(updated) out of \(desired) new pods have been updated...")
    }
    if available < desired {
        return HealthResult(
            status: .progressing,
            message: "Waiting for daemon set \(name) rollout to finish: \(available) of \(desired) updated pods are available...")
    }
    return HealthResult(status: .healthy)
}
