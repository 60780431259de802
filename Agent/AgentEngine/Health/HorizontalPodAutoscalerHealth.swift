import Foundation
import HawserProtocol

/// HorizontalPodAutoscaler health with Argo CD's logic and messages (gitops-engine
/// `health_hpa.go`), read from the autoscaler's conditions: in `status.conditions` for
/// `autoscaling/v2` (and the old v2beta1/v2beta2), and for `autoscaling/v1`, which has no
/// conditions field, from the JSON list the API server keeps in the
/// `autoscaling.alpha.kubernetes.io/conditions` annotation.
///
/// - A condition whose reason says the autoscaler cannot work (it cannot read or update the
///   target's scale, cannot read a metric, or has a broken selector) is degraded, with the
///   controller's message.
/// - Otherwise `AbleToScale` or `ScalingLimited` true is healthy, with that condition's message.
/// - Otherwise (no conditions yet) it is progressing: "Waiting to Autoscale".
///
/// Two deliberate differences from gitops-engine's `checkConditions`: every condition is
/// checked for a degraded reason before any is taken as healthy (gitops-engine stops at the
/// first match, so an `AbleToScale: True` listed before a failing `ScalingActive` hid the
/// failure; Argo CD's own newer fixtures expect degraded there); and the metric failures
/// include every metric source the HPA controller reports (`FailedGetObjectMetric`,
/// `FailedGetPodsMetric`, `FailedGetExternalMetric`, `FailedGetContainerResourceMetric`), not
/// only `FailedGetResourceMetric`.
func horizontalPodAutoscalerHealth(_ hpa: JSONValue) -> HealthResult {
    let conditions: [JSONValue]
    if hpa["apiVersion"]?.stringValue == "autoscaling/v1" {
        guard let annotation = hpa[path: ["metadata", "annotations", "autoscaling.alpha.kubernetes.io/conditions"]]?.stringValue else {
            return waitingToAutoscale
        }
        guard let parsed = try? JSONValue.parse(Data(annotation.utf8)).arrayValue else {
            return HealthResult(status: .unknown, message: "failed to convert conditions annotation to typed: not a JSON list of conditions")
        }
        conditions = parsed
    } else {
        conditions = hpa[path: ["status", "conditions"]]?.arrayValue ?? []
    }

    if let failing = conditions.first(where: isDegraded) {
        return HealthResult(status: .degraded, message: nonEmpty(goString(failing, "message")))
    }
    if let working = conditions.first(where: isHealthy) {
        return HealthResult(status: .healthy, message: nonEmpty(goString(working, "message")))
    }
    return waitingToAutoscale
}

private let waitingToAutoscale = HealthResult(status: .progressing, message: "Waiting to Autoscale")

/// Condition type and reason pairs the HPA controller sets when it cannot do its job. As in
/// gitops-engine the reason alone decides, not the condition's status.
private let degradedReasons: Set<[String]> = [
    ["AbleToScale", "FailedGetScale"],
    ["AbleToScale", "FailedUpdateScale"],
    ["ScalingActive", "FailedGetResourceMetric"],
    ["ScalingActive", "FailedGetContainerResourceMetric"],
    ["ScalingActive", "FailedGetPodsMetric"],
    ["ScalingActive", "FailedGetObjectMetric"],
    ["ScalingActive", "FailedGetExternalMetric"],
    ["ScalingActive", "InvalidSelector"],
]

private func isDegraded(_ condition: JSONValue) -> Bool {
    degradedReasons.contains([goString(condition, "type"), goString(condition, "reason")])
}

private func isHealthy(_ condition: JSONValue) -> Bool {
    let type = goString(condition, "type")
    return (type == "AbleToScale" || type == "ScalingLimited") && goString(condition, "status") == "True"
}
