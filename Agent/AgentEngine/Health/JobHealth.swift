import HawserProtocol

/// Job health with Argo CD's logic and messages (gitops-engine `health_job.go`), read from the
/// Job controller's conditions:
/// - no `Complete`, `Failed` or `Suspended` condition yet: progressing (pods are running, or
///   about to);
/// - `Failed`: degraded, with the controller's message (`BackoffLimitExceeded`,
///   `DeadlineExceeded`…);
/// - `Suspended` true: suspended (`spec.suspend` was set and the controller has stopped the pods);
/// - `Complete`: healthy, with the controller's message.
///
/// Two deliberate differences from gitops-engine, both where it reads a resumed Job wrongly:
/// a `Suspended` condition counts only while its status is `True` (gitops-engine treats a
/// resumed Job, whose condition turns `False`, as finished and healthy while its pods still
/// run); and a suspended Job carries the condition's message (gitops-engine passes the empty
/// failure message).
func jobHealth(_ job: JSONValue) -> HealthResult {
    var failed = false
    var complete = false
    var suspended = false
    var failMessage = ""
    var completeMessage = ""
    var suspendMessage = ""
    for condition in job[path: ["status", "conditions"]]?.arrayValue ?? [] {
        switch goString(condition, "type") {
        case "Failed":
            failed = true
            failMessage = goString(condition, "message")
        case "Complete":
            complete = true
            completeMessage = goString(condition, "message")
        case "Suspended" where goString(condition, "status") == "True":
            suspended = true
            suspendMessage = goString(condition, "message")
        default:
            break
        }
    }
    if failed {
        return HealthResult(status: .degraded, message: nonEmpty(failMessage))
    }
    if suspended {
        return HealthResult(status: .suspended, message: nonEmpty(suspendMessage))
    }
    if complete {
        return HealthResult(status: .healthy, message: nonEmpty(completeMessage))
    }
    return HealthResult(status: .progressing)
}
