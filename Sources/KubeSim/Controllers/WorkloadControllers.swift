// Minimal status for the other workload kinds, so that their health is observable: StatefulSet,
// DaemonSet (one simulated node), ReplicaSet, Job (completes), Pod (runs), PVC (binds).

import HawserProtocol

extension SimulatedController {
    static let statefulSet = SimulatedController(
        resource: GroupResource(group: "apps", plural: "statefulsets"),
        progressing: { obj, _ in
            let replicas = obj[path: ["spec", "replicas"]]?.intValue ?? 1
            let revision = "\(obj[path: ["metadata", "name"]]?.stringValue ?? "")-\(podTemplateHash(obj))"
            return ["observedGeneration": .int(obj.generation), "replicas": .int(replicas), "readyReplicas": 0, "availableReplicas": 0,
                    "currentReplicas": 0, "updatedReplicas": 0, "currentRevision": .string(revision), "updateRevision": .string(revision), "collisionCount": 0]
        },
        ready: { obj, _ in
            let replicas = obj[path: ["spec", "replicas"]]?.intValue ?? 1
            let revision = "\(obj[path: ["metadata", "name"]]?.stringValue ?? "")-\(podTemplateHash(obj))"
            return ["observedGeneration": .int(obj.generation), "replicas": .int(replicas), "readyReplicas": .int(replicas),
                    "availableReplicas": .int(replicas), "currentReplicas": .int(replicas), "updatedReplicas": .int(replicas),
                    "currentRevision": .string(revision), "updateRevision": .string(revision), "collisionCount": 0]
        }
    )

    static let daemonSet = SimulatedController(
        resource: GroupResource(group: "apps", plural: "daemonsets"),
        progressing: { obj, _ in
            ["observedGeneration": .int(obj.generation), "desiredNumberScheduled": 1, "currentNumberScheduled": 1,
             "updatedNumberScheduled": 1, "numberReady": 0, "numberAvailable": 0, "numberUnavailable": 1, "numberMisscheduled": 0]
        },
        ready: { obj, _ in
            ["observedGeneration": .int(obj.generation), "desiredNumberScheduled": 1, "currentNumberScheduled": 1,
             "updatedNumberScheduled": 1, "numberReady": 1, "numberAvailable": 1, "numberMisscheduled": 0]
        }
    )

    static let replicaSet = SimulatedController(
        resource: GroupResource(group: "apps", plural: "replicasets"),
        progressing: { obj, _ in
            let replicas = obj[path: ["spec", "replicas"]]?.intValue ?? 1
            return ["observedGeneration": .int(obj.generation), "replicas": .int(replicas), "fullyLabeledReplicas": .int(replicas),
                    "readyReplicas": 0, "availableReplicas": 0]
        },
        ready: { obj, _ in
            let replicas = obj[path: ["spec", "replicas"]]?.intValue ?? 1
            return ["observedGeneration": .int(obj.generation), "replicas": .int(replicas), "fullyLabeledReplicas": .int(replicas),
                    "readyReplicas": .int(replicas), "availableReplicas": .int(replicas)]
        }
    )

    static let job = SimulatedController(
        resource: GroupResource(group: "batch", plural: "jobs"),
        needsRollout: { obj in obj[path: ["status", "startTime"]] == nil },
        progressing: { _, now in ["startTime": .string(now), "active": 1, "ready": 0, "terminating": 0, "uncountedTerminatedPods": [:]] },
        ready: { obj, now in
            let completions = obj[path: ["spec", "completions"]]?.intValue ?? 1
            return [
                "startTime": obj[path: ["status", "startTime"]] ?? .string(now), "completionTime": .string(now),
                "succeeded": .int(completions), "ready": 0, "terminating": 0, "uncountedTerminatedPods": [:],
                "conditions": [
                    .condition("SuccessCriteriaMet", "True", reason: "CompletionsReached", message: "Reached expected number of succeeded pods", now: now),
                    .condition("Complete", "True", reason: "CompletionsReached", message: "Reached expected number of succeeded pods", now: now),
                ],
            ]
        }
    )

    static let pod = SimulatedController(
        resource: GroupResource(group: "", plural: "pods"),
        needsRollout: { obj in obj[path: ["status", "phase"]] == nil },
        progressing: { _, now in ["phase": "Pending", "qosClass": "BestEffort", "startTime": .string(now)] },
        ready: { obj, now in
            let containers = obj[path: ["spec", "containers"]]?.arrayValue ?? []
            return [
                "phase": "Running", "qosClass": "BestEffort", "startTime": obj[path: ["status", "startTime"]] ?? .string(now),
                "podIP": "10.244.0.10", "hostIP": "172.18.0.2",
                "conditions": .array(["Initialized", "Ready", "ContainersReady", "PodScheduled"].map { JSONValue.condition($0, "True", reason: "", message: "", now: now) }),
                "containerStatuses": .array(containers.map { c in
                    ["name": c["name"] ?? "", "image": c["image"] ?? "", "imageID": "", "ready": true, "started": true, "restartCount": 0,
                     "state": ["running": ["startedAt": .string(now)]]]
                }),
            ]
        }
    )

    static let persistentVolumeClaim = SimulatedController(
        resource: GroupResource(group: "", plural: "persistentvolumeclaims"),
        needsRollout: { obj in obj[path: ["status", "phase"]] == nil },
        progressing: { _, _ in ["phase": "Pending"] },
        ready: { obj, _ in
            ["phase": "Bound", "accessModes": obj[path: ["spec", "accessModes"]] ?? ["ReadWriteOnce"],
             "capacity": ["storage": obj[path: ["spec", "resources", "requests", "storage"]] ?? "1Gi"]]
        }
    )
}
