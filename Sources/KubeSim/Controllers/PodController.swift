// The kubelet's status for a Pod created directly (workload controllers here create no pods):
// Pending at once, Running and Ready after the delay. A `:fail` image behaves like a container that
// exits with an error: with restartPolicy Never the pod ends Failed; otherwise it keeps running in
// CrashLoopBackOff, never Ready.

import HawserProtocol

extension SimulatedController {
    static let pod = SimulatedController(
        resource: GroupResource(group: "", plural: "pods"),
        needsRollout: { obj in obj[path: ["status", "phase"]] == nil },
        progressing: { _, ctx in ["phase": "Pending", "qosClass": "BestEffort", "startTime": .string(ctx.now)] },
        ready: { obj, ctx in
            podStatus(obj, ctx, phase: "Running", ready: true) { _ in
                ["ready": true, "started": true, "restartCount": 0, "state": ["running": ["startedAt": .string(ctx.now)]]]
            }
        },
        failed: { obj, ctx in
            let never = obj[path: ["spec", "restartPolicy"]]?.stringValue == "Never"
            let terminated: JSONValue = [
                "exitCode": 1, "reason": "Error", "startedAt": .string(ctx.now), "finishedAt": .string(ctx.now), "containerID": "",
            ]
            return podStatus(obj, ctx, phase: never ? "Failed" : "Running", ready: false) { name in
                never
                    ? ["ready": false, "started": false, "restartCount": 0, "state": ["terminated": terminated]]
                    : ["ready": false, "started": false, "restartCount": 3, "lastState": ["terminated": terminated],
                       "state": ["waiting": ["reason": "CrashLoopBackOff",
                                             "message": .string("back-off 40s restarting failed container=\(name) pod=\(obj.name)_\(obj.namespace)")]]]
            }
        }
    )

    private static func podStatus(
        _ obj: JSONValue, _ ctx: ControllerContext, phase: String, ready: Bool, container: (String) -> JSONValue
    ) -> JSONValue {
        let containers = obj[path: ["spec", "containers"]]?.arrayValue ?? []
        let readiness: JSONValue = ready ? "True" : "False"
        let conditions: [JSONValue] = [("PodReadyToStartContainers", "True"), ("Initialized", "True"), ("Ready", readiness),
                                       ("ContainersReady", readiness), ("PodScheduled", "True")].map { type, status in
            var c: JSONValue = ["type": .string(type), "status": status, "lastTransitionTime": .string(ctx.now), "lastProbeTime": nil]
            if status == "False" { c["reason"] = "ContainersNotReady" }
            return c
        }
        return [
            "phase": .string(phase), "qosClass": "BestEffort", "startTime": obj[path: ["status", "startTime"]] ?? .string(ctx.now),
            "podIP": "10.244.0.10", "podIPs": [["ip": "10.244.0.10"]], "hostIP": "172.18.0.2", "hostIPs": [["ip": "172.18.0.2"]],
            "conditions": .array(conditions),
            "containerStatuses": .array(containers.map { c in
                let name = c["name"]?.stringValue ?? ""
                var s = container(name)
                s["name"] = .string(name)
                s["image"] = c["image"] ?? ""
                s["imageID"] = ""
                return s
            }),
        ]
    }
}
