import HawserProtocol

/// Pod health with Argo CD's logic and messages (gitops-engine `health_pod.go`).
///
/// The restart policy decides how a pod is read:
/// - `Always` (the default, and what every controller-owned pod uses): a container waiting for
///   a reason that names an error (`Err…`, `…Error`, `…BackOff`: `ErrImagePull`,
///   `CrashLoopBackOff`, `ImagePullBackOff`, `CreateContainerConfigError`…) makes the pod
///   degraded whatever its phase, because the kubelet will keep retrying without ever getting
///   better on its own. A running pod is healthy once its `Ready` condition is true; not ready
///   after a container has already terminated once is degraded, otherwise progressing.
/// - `Never` / `OnFailure`: the pod runs to completion (typically a sync hook), so while it runs
///   it is progressing, and an image pull back-off is not called degraded: Argo CD found that
///   failing a hook on a transient pull error, and then seeing the hook run after the sync, is
///   worse. The `argocd.argoproj.io/ignore-restart-policy` annotation reads a running pod as if
///   its policy were `Always` (pods that an operator runs with `Never`).
///
/// Phases: `Pending` is progressing, `Succeeded` healthy, `Failed` degraded (with the pod's
/// message, else the first container's failure), anything else unknown.
func podHealth(_ pod: JSONValue) -> HealthResult {
    // The API server defaults an absent policy to Always; a live pod always carries it, but an
    // object that skipped defaulting (a simulator, a test) should read the same way.
    let restartPolicy = pod[path: ["spec", "restartPolicy"]]?.stringValue ?? "Always"
    let podMessage = nonEmpty(goString(pod, "status", "message"))
    let containerStatuses = pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []

    if restartPolicy == "Always" {
        var messages: [String] = []
        var stuck = false
        for container in containerStatuses {
            guard let waiting = container[path: ["state", "waiting"]], waiting.objectValue != nil else { continue }
            let reason = goString(waiting, "reason")
            if reason.hasPrefix("Err") || reason.hasSuffix("Error") || reason.hasSuffix("BackOff") {
                stuck = true
                if let message = nonEmpty(goString(waiting, "message")) { messages.append(message) }
            }
        }
        if stuck {
            return HealthResult(status: .degraded, message: nonEmpty(messages.joined(separator: ", ")))
        }
    }

    switch goString(pod, "status", "phase") {
    case "Pending":
        return HealthResult(status: .progressing, message: podMessage)
    case "Succeeded":
        return HealthResult(status: .healthy, message: podMessage)
    case "Failed":
        if let podMessage {
            return HealthResult(status: .degraded, message: podMessage)
        }
        let initStatuses = pod[path: ["status", "initContainerStatuses"]]?.arrayValue ?? []
        for container in initStatuses + containerStatuses {
            if let failure = failureMessage(of: container) {
                return HealthResult(status: .degraded, message: failure)
            }
        }
        return HealthResult(status: .degraded)
    case "Running":
        let ignoresRestartPolicy = pod[path: ["metadata", "annotations", "argocd.argoproj.io/ignore-restart-policy"]] != nil
        if restartPolicy == "Always" || ignoresRestartPolicy {
            if goString(statusCondition("Ready", of: pod), "status") == "True" {
                return HealthResult(status: .healthy, message: podMessage)
            }
            let restarted = containerStatuses.contains { container in
                container[path: ["lastState", "terminated"]]?.objectValue != nil
            }
            return HealthResult(status: restarted ? .degraded : .progressing, message: podMessage)
        }
        if restartPolicy == "Never" || restartPolicy == "OnFailure" {
            return HealthResult(status: .progressing, message: podMessage)
        }
        return HealthResult(status: .unknown, message: podMessage)
    default:
        return HealthResult(status: .unknown, message: podMessage)
    }
}

/// Why one container of a failed pod failed: its termination message, else `OOMKilled`, else its
/// exit code; `nil` when it did not fail (still running, or exited 0).
private func failureMessage(of container: JSONValue) -> String? {
    guard let terminated = container[path: ["state", "terminated"]], terminated.objectValue != nil else { return nil }
    if let message = nonEmpty(goString(terminated, "message")) {
        return message
    }
    if goString(terminated, "reason") == "OOMKilled" {
        return "OOMKilled"
    }
    let exitCode = goInt(terminated, "exitCode")
    if exitCode != 0 {
        return "container \(goQuoted(goString(container, "name"))) failed with exit code \(exitCode)"
    }
    return nil
}
