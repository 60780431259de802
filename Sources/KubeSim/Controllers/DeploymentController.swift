// The Deployment part of kube-controller-manager, reduced to the status it publishes: first
// "ReplicaSetUpdated" with nothing available, then all replicas available ("NewReplicaSetAvailable").

import HawserProtocol

extension SimulatedController {
    static let deployment = SimulatedController(
        resource: GroupResource(group: "apps", plural: "deployments"),
        progressing: { obj, now in
            let replicas = obj[path: ["spec", "replicas"]]?.intValue ?? 1
            let name = obj[path: ["metadata", "name"]]?.stringValue ?? ""
            return [
                "observedGeneration": .int(obj.generation),
                "replicas": .int(replicas),
                "updatedReplicas": .int(replicas),
                "readyReplicas": 0,
                "availableReplicas": 0,
                "unavailableReplicas": .int(replicas),
                "conditions": [
                    .condition("Available", "False", reason: "MinimumReplicasUnavailable",
                               message: "Deployment does not have minimum availability.", now: now, probe: true),
                    .condition("Progressing", "True", reason: "ReplicaSetUpdated",
                               message: "ReplicaSet \"\(name)-\(podTemplateHash(obj))\" is progressing.", now: now, probe: true),
                ],
            ]
        },
        ready: { obj, now in
            let replicas = obj[path: ["spec", "replicas"]]?.intValue ?? 1
            let name = obj[path: ["metadata", "name"]]?.stringValue ?? ""
            return [
                "observedGeneration": .int(obj.generation),
                "replicas": .int(replicas),
                "updatedReplicas": .int(replicas),
                "readyReplicas": .int(replicas),
                "availableReplicas": .int(replicas),
                "conditions": [
                    .condition("Available", "True", reason: "MinimumReplicasAvailable",
                               message: "Deployment has minimum availability.", now: now, probe: true),
                    .condition("Progressing", "True", reason: "NewReplicaSetAvailable",
                               message: "ReplicaSet \"\(name)-\(podTemplateHash(obj))\" has successfully progressed.", now: now, probe: true),
                ],
            ]
        }
    )

    /// A stable stand-in for the pod-template-hash label of the Deployment's current ReplicaSet.
    static func podTemplateHash(_ obj: JSONValue) -> String {
        let text = (obj[path: ["spec", "template"]] ?? .null).jsonString()
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<10).map { i in alphabet[Int((hash >> (UInt64(i) * 6)) % UInt64(alphabet.count))] })
    }
}
