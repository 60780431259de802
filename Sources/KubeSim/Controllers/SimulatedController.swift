// Stand-ins for kube-controller-manager (and a cloud load-balancer controller): they write the
// status a real controller would, so health checks built on status (Argo-style, `kubectl rollout
// status`, `kubectl wait`) see objects progress, become ready, or fail.
//
// A rollout has up to three steps: `progressing` right after a spec change, then after the
// configured delay either `ready`, or, when the object runs an image tagged `fail`, `failed` (after
// the failure delay). A controller without `failed` leaves a failing object progressing for ever,
// as a StatefulSet whose pods never become ready does. No pods are created: each controller
// computes the status its pods would have produced.

import HawserProtocol

struct SimulatedController: Sendable {
    typealias StatusBuilder = @Sendable (JSONValue, ControllerContext) -> JSONValue

    var resource: GroupResource
    /// Whether the object's current spec has not been rolled out yet.
    var needsRollout: @Sendable (JSONValue) -> Bool = { obj in
        obj[path: ["status", "observedGeneration"]]?.intValue != obj[path: ["metadata", "generation"]]?.intValue
    }
    /// Whether the outcome waits for the simulated delay (false: written at once, like CRD establishment).
    var delayed = true
    /// Status written as soon as a rollout starts; nil writes nothing until the outcome.
    var progressing: StatusBuilder?
    /// Status once rolled out. Receives the object with the `progressing` status already applied.
    var ready: StatusBuilder
    /// Status once a rollout of a `:fail` image gives up; nil: such an object stays `progressing`.
    var failed: StatusBuilder?

    static let all: [GroupResource: SimulatedController] = Dictionary(
        uniqueKeysWithValues: [
            deployment, statefulSet, daemonSet, replicaSet, job, pod, persistentVolumeClaim, service, customResourceDefinition,
        ].map { ($0.resource, $0) })
}

/// What a status builder may use besides the object: the time of the write, and allocators whose
/// state lives in the Store.
struct ControllerContext {
    var now: String
    /// A free address from 192.0.2.0/24 (TEST-NET-1: documentation only, never routed), or nil
    /// when all are taken, as a load-balancer controller leaves the service pending.
    var allocateLoadBalancerIP: () -> String?
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

    /// A status object without the counters Go's `omitempty` leaves out when zero, so that
    /// `kubectl get -o yaml` and jsonpath show what a real cluster shows (readyReplicas absent, not 0).
    static func status(_ fields: [String: JSONValue], omittingZero keys: Set<String>) -> JSONValue {
        .object(fields.filter { key, value in !(keys.contains(key) && value == .int(0)) })
    }

    /// The image references of every container in a pod spec (init and ephemeral ones included).
    static func images(inPodSpec spec: JSONValue?) -> [String] {
        ["initContainers", "containers", "ephemeralContainers"].flatMap { list in
            (spec?[list]?.arrayValue ?? []).compactMap { $0["image"]?.stringValue }
        }
    }

    /// Whether a pod spec runs an image tagged `fail` (`nginx:fail`, `registry:5000/app:fail@sha256:…`):
    /// KubeSim's convention for a container that never becomes ready (it crashes, or its probe fails).
    static func runsFailingImage(podSpec spec: JSONValue?) -> Bool {
        images(inPodSpec: spec).contains { image in
            let withoutDigest = image.split(separator: "@", maxSplits: 1).first.map(String.init) ?? image
            let last = withoutDigest.split(separator: "/").last.map(String.init) ?? withoutDigest
            return last.split(separator: ":").dropFirst().last == "fail"
        }
    }

    /// `runsFailingImage` for a workload's pod template.
    var templateRunsFailingImage: Bool { JSONValue.runsFailingImage(podSpec: self[path: ["spec", "template", "spec"]]) }
}

enum Conditions {
    /// Carries the old conditions' timestamps over as the real controllers do: an unchanged
    /// condition (same status and reason) is kept as it was; one whose status is unchanged keeps its
    /// lastTransitionTime. Without this every status write would look like a transition.
    static func carryOver(from old: JSONValue?, into new: inout JSONValue) {
        guard let previous = old?["conditions"]?.arrayValue, let current = new["conditions"]?.arrayValue else { return }
        new["conditions"] = .array(current.map { c in
            guard let before = previous.first(where: { $0["type"] == c["type"] }), before["status"] == c["status"] else { return c }
            if before["reason"] == c["reason"], before["message"] == c["message"] { return before }
            var merged = c
            merged["lastTransitionTime"] = before["lastTransitionTime"]
            return merged
        })
    }
}
