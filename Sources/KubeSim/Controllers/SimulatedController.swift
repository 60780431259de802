// Stand-ins for kube-controller-manager: they write the status a real controller would, so health
// checks built on status (Argo-style) see objects progress and become ready. A rollout has two
// steps: `progressing` right after a spec change, `ready` after the configured delay.

import HawserProtocol

struct SimulatedController: Sendable {
    var resource: GroupResource
    /// Whether the object's current spec has not been rolled out yet.
    var needsRollout: @Sendable (JSONValue) -> Bool = { obj in
        obj[path: ["status", "observedGeneration"]]?.intValue != obj[path: ["metadata", "generation"]]?.intValue
    }
    /// Status while rolling out; nil to go straight to `ready`.
    var progressing: (@Sendable (JSONValue, String) -> JSONValue)?
    /// Status once rolled out.
    var ready: @Sendable (JSONValue, String) -> JSONValue

    static let all: [GroupResource: SimulatedController] = Dictionary(
        uniqueKeysWithValues: [
            deployment, statefulSet, daemonSet, replicaSet, job, pod, persistentVolumeClaim, customResourceDefinition,
        ].map { ($0.resource, $0) })
}

extension JSONValue {
    var generation: Int64 { self[path: ["metadata", "generation"]]?.intValue ?? 1 }

    static func condition(_ type: String, _ status: String, reason: String, message: String, now: String, probe: Bool = false) -> JSONValue {
        var c: JSONValue = [
            "type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message),
            "lastTransitionTime": .string(now),
        ]
        if probe { c["lastUpdateTime"] = .string(now) }
        return c
    }
}
