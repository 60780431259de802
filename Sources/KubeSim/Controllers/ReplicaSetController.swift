// The ReplicaSet controller's status for a ReplicaSet applied on its own (Deployments here do not
// create ReplicaSets): all replicas created at once, ready after the delay, never with a `:fail` image.

import HawserProtocol

extension SimulatedController {
    static let replicaSet = SimulatedController(
        resource: GroupResource(group: "apps", plural: "replicasets"),
        progressing: { obj, _ in replicaSetStatus(obj, ready: 0) },
        ready: { obj, _ in replicaSetStatus(obj, ready: obj[path: ["spec", "replicas"]]?.intValue ?? 1) }
    )

    private static func replicaSetStatus(_ obj: JSONValue, ready: Int64) -> JSONValue {
        let n = obj[path: ["spec", "replicas"]]?.intValue ?? 1
        return .status([
            "observedGeneration": .int(obj.generation), "replicas": .int(n), "fullyLabeledReplicas": .int(n),
            "readyReplicas": .int(ready), "availableReplicas": .int(ready),
        ], omittingZero: ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"])
    }
}
