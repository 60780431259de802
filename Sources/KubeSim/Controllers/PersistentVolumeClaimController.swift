// The persistent-volume binder's status for a claim: Pending at once, Bound after the delay (as
// with an Immediate-binding storage class that provisions dynamically), with the requested size.

import HawserProtocol

extension SimulatedController {
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
