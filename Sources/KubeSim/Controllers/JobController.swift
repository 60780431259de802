// The Job controller's status: the Job starts at once (startTime, active pods), and after the delay
// either completes (Complete and SuccessCriteriaMet, completionTime, succeeded = completions) or,
// with a `:fail` image, fails the way a crashing container makes it fail: every retry allowed by
// backoffLimit used up, FailureTarget and Failed with reason BackoffLimitExceeded and no
// completionTime. A suspended Job does not start.

import HawserProtocol

extension SimulatedController {
    static let job = SimulatedController(
        resource: GroupResource(group: "batch", plural: "jobs"),
        needsRollout: { obj in obj[path: ["status", "startTime"]] == nil && obj[path: ["spec", "suspend"]]?.boolValue != true },
        progressing: { obj, ctx in
            let completions = obj[path: ["spec", "completions"]]?.intValue ?? 1
            let parallelism = obj[path: ["spec", "parallelism"]]?.intValue ?? 1
            return jobStatus(obj, ctx, [
                "active": .int(min(completions, parallelism)),
            ])
        },
        ready: { obj, ctx in
            let message = "Reached expected number of succeeded pods"
            return jobStatus(obj, ctx, [
                "completionTime": .string(ctx.now),
                "succeeded": .int(obj[path: ["spec", "completions"]]?.intValue ?? 1),
                "conditions": [
                    jobCondition("SuccessCriteriaMet", reason: "CompletionsReached", message: message, now: ctx.now),
                    jobCondition("Complete", reason: "CompletionsReached", message: message, now: ctx.now),
                ],
            ])
        },
        failed: { obj, ctx in
            let message = "Job has reached the specified backoff limit"
            return jobStatus(obj, ctx, [
                "failed": .int((obj[path: ["spec", "backoffLimit"]]?.intValue ?? 6) + 1),
                "conditions": [
                    jobCondition("FailureTarget", reason: "BackoffLimitExceeded", message: message, now: ctx.now),
                    jobCondition("Failed", reason: "BackoffLimitExceeded", message: message, now: ctx.now),
                ],
            ])
        }
    )

    private static func jobStatus(_ obj: JSONValue, _ ctx: ControllerContext, _ fields: [String: JSONValue]) -> JSONValue {
        var all: [String: JSONValue] = [
            "startTime": obj[path: ["status", "startTime"]] ?? .string(ctx.now),
            "ready": 0, "terminating": 0, "uncountedTerminatedPods": [:],
        ]
        all.merge(fields) { _, new in new }
        return .object(all)
    }

    /// Job conditions carry lastProbeTime where workload conditions carry lastUpdateTime.
    private static func jobCondition(_ type: String, reason: String, message: String, now: String) -> JSONValue {
        var c = JSONValue.condition(type, "True", reason: reason, message: message, now: now)
        c["lastProbeTime"] = .string(now)
        return c
    }
}
