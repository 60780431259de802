// The DaemonSet controller's status on a simulated cluster of one schedulable node: one pod is
// desired and scheduled; it becomes ready after the delay, or never with a `:fail` image
// (numberUnavailable stays 1, which `kubectl rollout status ds` and health checks wait on).

import HawserProtocol

extension SimulatedController {
    /// Nodes a DaemonSet's pods land on.
    static let simulatedNodeCount: Int64 = 1

    static let daemonSet = SimulatedController(
        resource: GroupResource(group: "apps", plural: "daemonsets"),
        progressing: { obj, _ in daemonSetStatus(obj, ready: 0) },
        ready: { obj, _ in daemonSetStatus(obj, ready: simulatedNodeCount) }
    )

    private static func daemonSetStatus(_ obj: JSONValue, ready: Int64) -> JSONValue {
        let n = simulatedNodeCount
        // The four scheduling counters have no omitempty in apps/v1; the others do.
        return .status([
            "observedGeneration": .int(obj.generation), "desiredNumberScheduled": .int(n), "currentNumberScheduled": .int(n),
            "updatedNumberScheduled": .int(n), "numberReady": .int(ready), "numberAvailable": .int(ready),
            "numberUnavailable": .int(n - ready), "numberMisscheduled": 0,
        ], omittingZero: ["numberAvailable", "numberUnavailable", "updatedNumberScheduled"])
    }
}
