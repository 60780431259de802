import HawserProtocol

/// CustomResourceDefinition health with Argo CD's logic and messages (gitops-engine
/// `health_customresourcedefinition.go`), read from the API server's conditions. In order:
/// - no conditions yet: progressing, the API server has not looked at it;
/// - `Terminating` true: progressing, it is being removed with its custom resources;
/// - `NamesAccepted` false: degraded, its plural or kind clashes with another CRD;
/// - `Established` not true: degraded, the API does not serve it;
/// - `NonStructuralSchema` true: degraded, the schema breaks the structural rules;
/// - otherwise healthy.
///
/// Like gitops-engine, the message carries the message of the last condition that matched any
/// of these rules.
func customResourceDefinitionHealth(_ crd: JSONValue) -> HealthResult {
    let conditions = crd[path: ["status", "conditions"]]?.arrayValue ?? []
    guard !conditions.isEmpty else {
        return HealthResult(status: .progressing, message: "Status conditions not found")
    }

    var established = false
    var terminating = false
    var namesNotAccepted = false
    var nonStructural = false
    var conditionMessage = ""
    for condition in conditions {
        let status = goString(condition, "status")
        switch goString(condition, "type") {
        case "Terminating" where status == "True":
            terminating = true
            conditionMessage = goString(condition, "message")
        case "NamesAccepted" where status == "False":
            namesNotAccepted = true
            conditionMessage = goString(condition, "message")
        case "Established":
            if status == "True" {
                established = true
            } else {
                conditionMessage = goString(condition, "message")
            }
        case "NonStructuralSchema" where status == "True":
            nonStructural = true
            conditionMessage = goString(condition, "message")
        default:
            break
        }
    }

    if terminating {
        return HealthResult(status: .progressing, message: "CRD is being terminated: \(conditionMessage)")
    }
    if namesNotAccepted {
        return HealthResult(status: .degraded, message: "CRD names have not been accepted: \(conditionMessage)")
    }
    if !established {
        return HealthResult(status: .degraded, message: "CRD is not established: \(conditionMessage)")
    }
    if nonStructural {
        return HealthResult(status: .degraded, message: "Schema violations found: \(conditionMessage)")
    }
    return HealthResult(status: .healthy, message: "CRD is healthy")
}
