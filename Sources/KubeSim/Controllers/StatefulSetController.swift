// The StatefulSet controller's status. A new StatefulSet with OrderedReady pod management creates
// pod 0 first and waits for it to be ready, so while progressing it has one replica; an update of
// a ready one replaces the highest ordinal first, and `currentRevision` stays the old revision
// until every pod runs the new one (what `kubectl rollout status sts` waits for). A `:fail` image
// never gets past that point: readyReplicas stays absent (0).

import HawserProtocol

extension SimulatedController {
    static let statefulSet = SimulatedController(
        resource: GroupResource(group: "apps", plural: "statefulsets"),
        progressing: { obj, _ in
            let n = obj[path: ["spec", "replicas"]]?.intValue ?? 1
            let revision = revisionName(obj)
            let previousReady = obj[path: ["status", "readyReplicas"]]?.intValue ?? 0
            let previousRevision = obj[path: ["status", "updateRevision"]]?.stringValue
            if previousReady > 0, let previousRevision, previousRevision != revision, n > 0 {
                // Rolling update: pod n-1 is being replaced, the others still run the old revision.
                let old = min(previousReady, n - 1)
                return status(obj, replicas: n, ready: old, current: old, updated: 1, currentRevision: previousRevision, updateRevision: revision)
            }
            let parallel = obj[path: ["spec", "podManagementPolicy"]]?.stringValue == "Parallel"
            let created = parallel ? n : min(n, max(previousReady, 0) + 1)
            return status(obj, replicas: created, ready: min(previousReady, created), current: created, updated: created,
                          currentRevision: revision, updateRevision: revision)
        },
        ready: { obj, _ in
            let n = obj[path: ["spec", "replicas"]]?.intValue ?? 1
            let revision = revisionName(obj)
            return status(obj, replicas: n, ready: n, current: n, updated: n, currentRevision: revision, updateRevision: revision)
        }
    )

    private static func status(
        _ obj: JSONValue, replicas: Int64, ready: Int64, current: Int64, updated: Int64, currentRevision: String, updateRevision: String
    ) -> JSONValue {
        // replicas and availableReplicas have no omitempty in apps/v1; collisionCount is a pointer the controller sets.
        .status([
            "observedGeneration": .int(obj.generation), "replicas": .int(replicas), "readyReplicas": .int(ready),
            "availableReplicas": .int(ready), "currentReplicas": .int(current), "updatedReplicas": .int(updated),
            "currentRevision": .string(currentRevision), "updateRevision": .string(updateRevision), "collisionCount": 0,
        ], omittingZero: ["readyReplicas", "currentReplicas", "updatedReplicas"])
    }

    /// `<name>-<hash>`: the name of the ControllerRevision for the current pod template.
    private static func revisionName(_ obj: JSONValue) -> String {
        "\(obj[path: ["metadata", "name"]]?.stringValue ?? "")-\(podTemplateHash(obj))"
    }
}
