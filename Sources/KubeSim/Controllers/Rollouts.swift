// The Store's side of the simulated controllers: when a write leaves an object needing a rollout,
// write its `progressing` status, then after the delay its outcome (`ready`, or `failed` for a
// `:fail` image after the longer failure delay). One pending rollout per object: a new generation
// replaces the pending one, a write that keeps the generation (labels, status) leaves it alone.

import HawserProtocol

struct PendingRollout: Sendable {
    var uid: String
    var generation: Int64
    var task: Task<Void, Never>
}

extension Store {
    func startRollout(_ type: ResourceType, _ k: ObjectKey, _ obj: JSONValue) {
        guard let controller = SimulatedController.all[type.groupResource], controller.needsRollout(obj),
            obj[path: ["metadata", "deletionTimestamp"]] == nil
        else { return }
        let rk = StoredKey(resource: type.groupResource, key: k)
        let uid = obj[path: ["metadata", "uid"]]?.stringValue ?? ""
        if let pending = rollouts[rk], pending.uid == uid, pending.generation == obj.generation { return }
        cancelRollout(type.groupResource, k)

        let failing = Self.runsFailingImage(obj)
        let outcome = failing ? controller.failed : controller.ready
        let delay = controller.delayed ? (failing ? failureDelay : readyDelay) : .zero
        var current = obj
        if let progressing = controller.progressing, delay > .zero || outcome == nil {
            current = writeStatus(type, k, progressing(obj, context()))
        } else if let progressing = controller.progressing {
            // Straight to the outcome, which is computed from the object as if it had progressed.
            current["status"] = progressing(obj, context())
        }
        guard let outcome else { return }   // stays progressing, as a workload whose pods never get ready
        guard delay > .zero else {
            writeStatus(type, k, outcome(current, context()))
            return
        }
        let generation = obj.generation
        let task = Task {
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            self.completeRollout(type, k, uid: uid, generation: generation, outcome: outcome)
        }
        rollouts[rk] = PendingRollout(uid: uid, generation: generation, task: task)
    }

    func cancelRollout(_ gr: GroupResource, _ k: ObjectKey) {
        rollouts.removeValue(forKey: StoredKey(resource: gr, key: k))?.task.cancel()
    }

    private func completeRollout(
        _ type: ResourceType, _ k: ObjectKey, uid: String, generation: Int64, outcome: SimulatedController.StatusBuilder
    ) {
        let rk = StoredKey(resource: type.groupResource, key: k)
        guard let pending = rollouts[rk], pending.uid == uid, pending.generation == generation else { return }
        rollouts[rk] = nil
        guard let obj = stored(type.groupResource, namespace: k.namespace, name: k.name),
            obj[path: ["metadata", "uid"]]?.stringValue == uid, obj.generation == generation
        else { return }
        writeStatus(type, k, outcome(obj, context()))
    }

    /// Whether the object's pods would run an image tagged `fail` (a Pod's own spec, or a workload's template).
    static func runsFailingImage(_ obj: JSONValue) -> Bool {
        obj["kind"] == "Pod" ? JSONValue.runsFailingImage(podSpec: obj["spec"]) : obj.templateRunsFailingImage
    }

    private func context() -> ControllerContext {
        ControllerContext(now: ObjectMeta.now(), allocateLoadBalancerIP: { [self] in allocateLoadBalancerIP() })
    }

    private func allocateLoadBalancerIP() -> String? {
        for host in 1...254 where !allocatedLoadBalancerIPs.contains("192.0.2.\(host)") {
            allocatedLoadBalancerIPs.insert("192.0.2.\(host)")
            return "192.0.2.\(host)"
        }
        return nil
    }

    /// A status write by kube-controller-manager; returns the object as stored afterwards.
    @discardableResult
    func writeStatus(_ type: ResourceType, _ k: ObjectKey, _ status: JSONValue) -> JSONValue {
        guard let old = stored(type.groupResource, namespace: k.namespace, name: k.name) else { return [:] }
        var status = status
        Conditions.carryOver(from: old["status"], into: &status)
        guard old["status"] != status else { return old }
        if type.groupResource == GroupResource(group: "", plural: "services") {
            // Addresses a Service no longer shows go back to the pool.
            let kept = Set((status[path: ["loadBalancer", "ingress"]]?.arrayValue ?? []).compactMap { $0["ip"]?.stringValue })
            for ingress in old[path: ["status", "loadBalancer", "ingress"]]?.arrayValue ?? [] {
                if let ip = ingress["ip"]?.stringValue, !kept.contains(ip) { allocatedLoadBalancerIPs.remove(ip) }
            }
        }
        var candidate = old
        candidate["status"] = status
        _ = write(type, k, old: old, candidate: candidate, subresource: "status", manager: "kube-controller-manager", dryRun: false)
        return stored(type.groupResource, namespace: k.namespace, name: k.name) ?? candidate
    }
}
