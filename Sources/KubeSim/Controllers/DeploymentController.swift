// The Deployment part of kube-controller-manager, reduced to the status it publishes. While new
// pods are not ready the status shows what the rolling update would hold at that moment: a fresh
// Deployment (or a Recreate) has nothing available; an update of an available one keeps
// `replicas - maxUnavailable` old pods and surges new ones. Once ready, everything is updated and
// available ("NewReplicaSetAvailable"). A `:fail` image never becomes available and, after the
// failure delay (standing in for progressDeadlineSeconds), Progressing turns False with
// ProgressDeadlineExceeded, which is what `kubectl rollout status` and Argo-style health report.

import HawserProtocol

extension SimulatedController {
    static let deployment = SimulatedController(
        resource: GroupResource(group: "apps", plural: "deployments"),
        progressing: { obj, ctx in
            let n = obj[path: ["spec", "replicas"]]?.intValue ?? 1
            let (oldKept, new) = midRollout(obj, replicas: n)
            let recreate = obj[path: ["spec", "strategy", "type"]]?.stringValue == "Recreate"
            let maxUnavailable = recreate ? 0 : resolve(obj[path: ["spec", "strategy", "rollingUpdate", "maxUnavailable"]], of: n, roundUp: false)
            let available = oldKept >= n - maxUnavailable
            return status(obj, replicas: oldKept + new, updated: new, available: oldKept, conditions: [
                available
                    ? .condition("Available", "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability.", now: ctx.now, probe: true)
                    : .condition("Available", "False", reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability.", now: ctx.now, probe: true),
                .condition("Progressing", "True", reason: "ReplicaSetUpdated",
                           message: "ReplicaSet \"\(replicaSetName(obj))\" is progressing.", now: ctx.now, probe: true),
            ])
        },
        ready: { obj, ctx in
            let n = obj[path: ["spec", "replicas"]]?.intValue ?? 1
            return status(obj, replicas: n, updated: n, available: n, conditions: [
                .condition("Available", "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability.", now: ctx.now, probe: true),
                .condition("Progressing", "True", reason: "NewReplicaSetAvailable",
                           message: "ReplicaSet \"\(replicaSetName(obj))\" has successfully progressed.", now: ctx.now, probe: true),
            ])
        },
        failed: { obj, ctx in
            var status = obj["status"] ?? [:]
            let conditions = (status["conditions"]?.arrayValue ?? []).filter { $0["type"] != "Progressing" }
            status["conditions"] = .array(conditions + [
                .condition("Progressing", "False", reason: "ProgressDeadlineExceeded",
                           message: "ReplicaSet \"\(replicaSetName(obj))\" has timed out progressing.", now: ctx.now, probe: true),
            ])
            return status
        }
    )

    private static func status(_ obj: JSONValue, replicas: Int64, updated: Int64, available: Int64, conditions: [JSONValue]) -> JSONValue {
        var s = JSONValue.status([
            "observedGeneration": .int(obj.generation), "replicas": .int(replicas), "updatedReplicas": .int(updated),
            "readyReplicas": .int(available), "availableReplicas": .int(available),
            "unavailableReplicas": .int(max(0, replicas - available)),
        ], omittingZero: ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas"])
        s["conditions"] = .array(conditions)
        return s
    }

    /// Old pods kept and new pods created while the new ones are not ready yet. The controller
    /// scales the old ReplicaSet down to `replicas - maxUnavailable` and the new one up to what
    /// `maxSurge` allows; with nothing available before (or Recreate) everything is new.
    private static func midRollout(_ obj: JSONValue, replicas n: Int64) -> (oldKept: Int64, new: Int64) {
        let previouslyAvailable = obj[path: ["status", "availableReplicas"]]?.intValue ?? 0
        guard previouslyAvailable > 0, obj[path: ["spec", "strategy", "type"]]?.stringValue != "Recreate" else { return (0, n) }
        let rolling = obj[path: ["spec", "strategy", "rollingUpdate"]]
        let surge = resolve(rolling?["maxSurge"], of: n, roundUp: true)
        var unavailable = resolve(rolling?["maxUnavailable"], of: n, roundUp: false)
        if surge == 0, unavailable == 0 { unavailable = 1 }
        let oldKept = min(previouslyAvailable, max(0, n - unavailable))
        return (oldKept, min(n, max(0, n + surge - oldKept)))
    }

    /// An int-or-percent (`25%`) against `total`, rounded as the Deployment controller does
    /// (surge up, unavailable down); 25% when absent.
    private static func resolve(_ value: JSONValue?, of total: Int64, roundUp: Bool) -> Int64 {
        if let i = value?.intValue, value?.stringValue == nil { return i }
        let text = value?.stringValue ?? "25%"
        guard text.hasSuffix("%"), let percent = Int64(text.dropLast()) else { return Int64(text) ?? 0 }
        let scaled = total * percent
        return roundUp ? (scaled + 99) / 100 : scaled / 100
    }

    static func replicaSetName(_ obj: JSONValue) -> String {
        "\(obj[path: ["metadata", "name"]]?.stringValue ?? "")-\(podTemplateHash(obj))"
    }

    /// A stable stand-in for the pod-template-hash label of the Deployment's current ReplicaSet.
    static func podTemplateHash(_ obj: JSONValue) -> String {
        let text = (obj[path: ["spec", "template"]] ?? .null).jsonString()
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<10).map { i in alphabet[Int((hash >> (UInt64(i) * 6)) % UInt64(alphabet.count))] })
    }
}
