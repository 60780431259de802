// The cluster state: every object, the global resourceVersion counter, watch history and the
// simulated controllers' pending rollouts, all behind one actor so each request is atomic.

import Foundation
import HawserProtocol

struct ObjectKey: Hashable, Sendable, Comparable {
    var namespace: String
    var name: String
    static func < (a: ObjectKey, b: ObjectKey) -> Bool { (a.namespace, a.name) < (b.namespace, b.name) }
}

struct WriteOptions: Sendable {
    var dryRun = false
    var fieldManager: String?
    var force = false
    var userAgent: String?
    var manager: String { fieldManager ?? ManagedFields.defaultManager(userAgent: userAgent) }
}

enum PatchType: Sendable {
    case apply, merge, strategic, json
}

actor Store {
    private(set) var registry = Registry()
    private(set) var objects: [GroupResource: [ObjectKey: JSONValue]] = [:]
    private(set) var resourceVersion = 0
    private var watches = WatchHub()
    /// How long simulated controllers take to finish a rollout, and to give up on a failing one.
    let readyDelay: Duration
    let failureDelay: Duration
    /// Rollouts waiting for their delay (Controllers/Rollouts.swift).
    var rollouts: [StoredKey: PendingRollout] = [:]
    /// Who owns whom, by uid (GarbageCollector.swift).
    var ownership = OwnershipIndex()
    var allocatedLoadBalancerIPs: Set<String> = []
    private var allocatedIPs: Set<String> = []
    private var nextNodePort: Int64 = 30000

    static let namespaces = GroupResource(group: "", plural: "namespaces")
    static let crds = GroupResource(group: "apiextensions.k8s.io", plural: "customresourcedefinitions")

    init(readyDelay: Duration, failureDelay: Duration) {
        self.readyDelay = readyDelay
        self.failureDelay = failureDelay
    }

    /// The objects every cluster starts with.
    func bootstrap() {
        let nsType = registry.find(Store.namespaces)!
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            _ = try? create(nsType, namespace: nil, body: ["metadata": ["name": .string(ns)]], options: WriteOptions(fieldManager: "kube-apiserver"))
        }
        allocatedIPs.insert("10.96.0.1")
        let svc = registry.find(GroupResource(group: "", plural: "services"))!
        _ = try? create(svc, namespace: "default", body: [
            "metadata": ["name": "kubernetes", "labels": ["component": "apiserver", "provider": "kubernetes"]],
            "spec": ["clusterIP": "10.96.0.1", "ports": [["name": "https", "port": 443, "targetPort": 6443]]],
        ], options: WriteOptions(fieldManager: "kube-apiserver"))
    }

    func shutdown() {
        watches.closeAll()
        for pending in rollouts.values { pending.task.cancel() }
        rollouts = [:]
    }

    // MARK: Reads

    func get(_ type: ResourceType, namespace: String?, name: String) throws(APIError) -> JSONValue {
        guard let obj = objects[type.groupResource]?[key(type, namespace, name)] else { throw APIError.notFound(type, name) }
        return obj.served(as: type)
    }

    func list(_ type: ResourceType, filter: WatchFilter) -> (items: [JSONValue], resourceVersion: Int) {
        let all = objects[type.groupResource] ?? [:]
        // (No `cond ? obj : nil` here: JSONValue is nil-literal expressible, so nil would mean JSON null.)
        let items = all.keys.sorted().map { all[$0]! }.filter(filter.matches).map { $0.served(as: type) }
        return (items, resourceVersion)
    }

    func stored(_ gr: GroupResource, namespace: String?, name: String) -> JSONValue? {
        objects[gr]?[ObjectKey(namespace: namespace ?? "", name: name)]
    }

    // MARK: Writes

    func create(_ type: ResourceType, namespace: String?, body: JSONValue, options: WriteOptions) throws(APIError) -> JSONValue {
        var obj = try ObjectMeta.normalize(body, type: type, namespace: namespace, name: nil)
        if obj.name.isEmpty, let prefix = obj[path: ["metadata", "generateName"]]?.stringValue, !prefix.isEmpty {
            let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
            obj.set(.string(prefix + String((0..<5).map { _ in alphabet.randomElement()! })), at: ["metadata", "name"])
        }
        try ObjectMeta.validateName(obj.name, type: type)
        try ObjectMeta.validateSize(obj, type: type)
        let k = key(type, namespace, obj.name)
        if type.namespaced, stored(Store.namespaces, namespace: nil, name: k.namespace) == nil {
            throw APIError.namespaceNotFound(k.namespace)
        }
        if objects[type.groupResource]?[k] != nil { throw APIError.alreadyExists(type, obj.name) }
        ObjectMeta.prepareCreate(&obj, type: type)
        defaulter.apply(type, to: &obj, old: nil)
        ManagedFields.update(old: nil, new: &obj, manager: options.manager, type: type, subresource: nil, now: ObjectMeta.now())
        return commit(type, k, old: nil, new: obj, dryRun: options.dryRun)
    }

    func update(_ type: ResourceType, namespace: String?, name: String, body: JSONValue, subresource: String?, options: WriteOptions) throws(APIError) -> JSONValue {
        let k = key(type, namespace, name)
        guard let old = objects[type.groupResource]?[k] else { throw APIError.notFound(type, name) }
        let candidate = try ObjectMeta.normalize(body, type: type, namespace: namespace, name: name)
        if let rv = candidate.resourceVersionString, rv != old.resourceVersionString { throw APIError.conflict(type, name) }
        return write(type, k, old: old, candidate: candidate, subresource: subresource, manager: options.manager, dryRun: options.dryRun)
    }

    func patch(
        _ type: ResourceType, namespace: String?, name: String, patchType: PatchType, body: Data, subresource: String?, options: WriteOptions
    ) throws(APIError) -> JSONValue {
        let k = key(type, namespace, name)
        let old = objects[type.groupResource]?[k]
        let now = ObjectMeta.now()
        switch patchType {
        case .apply:
            guard let manager = options.fieldManager, !manager.isEmpty else {
                throw APIError.badRequest("PATCH requests with apply-patch+yaml content type must include a fieldManager query parameter")
            }
            let raw = try BodyDecoding.decode(body)
            if raw["apiVersion"] == nil || raw["kind"] == nil {
                throw APIError.badRequest("apiVersion and kind must be set in an apply configuration")
            }
            let applied = try ObjectMeta.normalize(raw, type: type, namespace: namespace, name: name)
            try ObjectMeta.validateSize(applied, type: type)
            if old == nil {
                if subresource != nil { throw APIError.notFound(type, name) }
                try ObjectMeta.validateName(name, type: type)
                if type.namespaced, stored(Store.namespaces, namespace: nil, name: k.namespace) == nil {
                    throw APIError.namespaceNotFound(k.namespace)
                }
            }
            var result = try ServerSideApply.apply(
                live: old, applied: applied, manager: manager, force: options.force, type: type, subresource: subresource, name: name, now: now)
            if let old {
                result = ObjectMeta.prepareUpdate(result, old: old, type: type, subresource: subresource)
                defaulter.apply(type, to: &result, old: old)
                ObjectMeta.bumpGenerationIfSpecChanged(&result, old: old)
                return commit(type, k, old: old, new: result, dryRun: options.dryRun)
            }
            let managed = result[path: ["metadata", "managedFields"]]
            result = try ObjectMeta.normalize(result, type: type, namespace: namespace, name: name)
            ObjectMeta.prepareCreate(&result, type: type)
            result.set(managed, at: ["metadata", "managedFields"])
            defaulter.apply(type, to: &result, old: nil)
            return commit(type, k, old: nil, new: result, dryRun: options.dryRun)
        case .merge, .strategic, .json:
            guard let old else { throw APIError.notFound(type, name) }
            let patch = try BodyDecoding.decode(body)
            let current = old.served(as: type)
            let patched: JSONValue
            switch patchType {
            case .merge: patched = Patches.mergePatch(current, patch)
            case .strategic: patched = Patches.strategicMergePatch(current, patch)
            default: patched = try Patches.jsonPatch(current, patch)
            }
            let candidate = try ObjectMeta.normalize(patched, type: type, namespace: namespace, name: name)
            if let rv = candidate.resourceVersionString, rv != old.resourceVersionString { throw APIError.conflict(type, name) }
            return write(type, k, old: old, candidate: candidate, subresource: subresource, manager: options.manager, dryRun: options.dryRun)
        }
    }

    /// A non-apply write to an existing object (PUT, merge/strategic/JSON patch, controllers, tests).
    func write(
        _ type: ResourceType, _ k: ObjectKey, old: JSONValue, candidate: JSONValue, subresource: String?, manager: String, dryRun: Bool
    ) -> JSONValue {
        var new = ObjectMeta.prepareUpdate(candidate, old: old, type: type, subresource: subresource)
        defaulter.apply(type, to: &new, old: old)
        ObjectMeta.bumpGenerationIfSpecChanged(&new, old: old)
        ManagedFields.update(old: old, new: &new, manager: manager, type: type, subresource: subresource, now: ObjectMeta.now())
        return commit(type, k, old: old, new: new, dryRun: dryRun)
    }

    /// Direct mutation for tests (`KubeSim.mutate`): anything may change, status included.
    func mutate(_ type: ResourceType, namespace: String?, name: String, _ body: @Sendable (inout JSONValue) -> Void) throws(APIError) {
        let k = key(type, namespace, name)
        guard let old = objects[type.groupResource]?[k] else { throw APIError.notFound(type, name) }
        var new = old
        body(&new)
        for f in ObjectMeta.serverOwned { new.set(old[path: ["metadata", f]], at: ["metadata", f]) }
        new.set(old[path: ["metadata", "name"]], at: ["metadata", "name"])
        new.set(old[path: ["metadata", "namespace"]], at: ["metadata", "namespace"])
        ObjectMeta.bumpGenerationIfSpecChanged(&new, old: old)
        ManagedFields.update(old: old, new: &new, manager: "kubesim", type: type, subresource: nil, now: ObjectMeta.now())
        _ = commit(type, k, old: old, new: new, dryRun: false)
    }

    func delete(
        _ type: ResourceType, namespace: String?, name: String, preconditions: JSONValue?, propagation: PropagationPolicy = .background,
        options: WriteOptions
    ) throws(APIError) -> JSONValue {
        let k = key(type, namespace, name)
        guard let old = objects[type.groupResource]?[k] else { throw APIError.notFound(type, name) }
        if let uid = preconditions?["uid"]?.stringValue, uid != old[path: ["metadata", "uid"]]?.stringValue {
            throw APIError(code: 409, reason: "Conflict", message: "Precondition failed: UID in precondition: \(uid), UID in object meta: \(old[path: ["metadata", "uid"]]?.stringValue ?? "")")
        }
        if let rv = preconditions?["resourceVersion"]?.stringValue, rv != old.resourceVersionString {
            throw APIError(code: 409, reason: "Conflict", message: "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(old.resourceVersionString ?? "")")
        }
        let isNamespace = type.groupResource == Store.namespaces
        let finalizers = old[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        if !options.dryRun, let uid = old[path: ["metadata", "uid"]]?.stringValue {
            // The garbage collector's part, done before the owner goes: Orphan releases the
            // dependents, Foreground deletes them first. Background deletes them once the owner
            // is removed (in `remove`), which for an owner with finalizers is later.
            switch propagation {
            case .orphan: orphanDependents(ownerUID: uid)
            case .foreground: deleteDependents(ownerUID: uid, propagation: .foreground)
            case .background: break
            }
        }
        if isNamespace || !finalizers.isEmpty {
            var terminating = old
            terminating.setDefault(.string(ObjectMeta.now()), at: ["metadata", "deletionTimestamp"])
            terminating.setDefault(0, at: ["metadata", "deletionGracePeriodSeconds"])
            if isNamespace { terminating.set("Terminating", at: ["status", "phase"]) }
            if options.dryRun { return terminating.served(as: type) }
            if isNamespace {
                // The namespace controller's work, done at once: empty the namespace, then drop it.
                for (gr, objs) in objects where gr != Store.namespaces {
                    for (ok, obj) in objs where ok.namespace == name { remove(gr, ok, obj) }
                }
                remove(type.groupResource, k, old)
                return terminating.served(as: type)
            }
            return commit(type, k, old: old, new: terminating, dryRun: false)
        }
        if !options.dryRun { remove(type.groupResource, k, old) }
        if propagation == .foreground {
            // What the real server answers before its garbage collector has finished: the owner,
            // marked for deletion, waiting on the foregroundDeletion finalizer.
            var deleting = old
            deleting.set(.string(ObjectMeta.now()), at: ["metadata", "deletionTimestamp"])
            deleting.set(0, at: ["metadata", "deletionGracePeriodSeconds"])
            deleting.set(.array(finalizers + ["foregroundDeletion"]), at: ["metadata", "finalizers"])
            return deleting.served(as: type)
        }
        var details: JSONValue = ["name": .string(name), "kind": .string(type.plural), "uid": old[path: ["metadata", "uid"]] ?? ""]
        if !type.group.isEmpty { details["group"] = .string(type.group) }
        return ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "details": details]
    }

    // MARK: Scale subresource

    func scale(_ type: ResourceType, namespace: String?, name: String) throws(APIError) -> JSONValue {
        guard let paths = type.scale else { throw APIError.notFound(type, name) }
        return Scale.object(of: try get(type, namespace: namespace, name: name), paths: paths)
    }

    /// Applies `transform` (a PUT body or a patch) to the Scale view and writes spec replicas back.
    func updateScale(
        _ type: ResourceType, namespace: String?, name: String, options: WriteOptions,
        _ transform: (JSONValue) throws(APIError) -> JSONValue
    ) throws(APIError) -> JSONValue {
        guard let paths = type.scale else { throw APIError.notFound(type, name) }
        let k = key(type, namespace, name)
        guard let old = objects[type.groupResource]?[k] else { throw APIError.notFound(type, name) }
        let newScale = try transform(Scale.object(of: old, paths: paths))
        if let rv = newScale.resourceVersionString, rv != old.resourceVersionString { throw APIError.conflict(type, name) }
        guard let replicas = newScale[path: ["spec", "replicas"]]?.intValue, replicas >= 0 else {
            throw APIError(code: 422, reason: "Invalid", message: "Scale.autoscaling \"\(name)\" is invalid: spec.replicas: Invalid value: must be greater than or equal to 0")
        }
        var candidate = old
        candidate.set(.int(replicas), at: paths.specReplicas)
        let stored = write(type, k, old: old, candidate: candidate, subresource: "scale", manager: options.manager, dryRun: options.dryRun)
        return Scale.object(of: stored, paths: paths)
    }

    // MARK: Watch

    func watch(_ filter: WatchFilter, since: Int?, sendInitialEvents: Bool, timeout: Duration?) -> AsyncStream<JSONValue> {
        // Bounded: a watcher that stops reading is cut off (it re-lists, as clients do after a
        // real API server ends a watch) instead of growing without limit.
        let (stream, continuation) = AsyncStream.makeStream(of: JSONValue.self, bufferingPolicy: .bufferingOldest(WatchHub.subscriberBuffer))
        if let since, since > 0, !sendInitialEvents {
            if since < watches.compactedThrough {
                continuation.yield([
                    "type": "ERROR",
                    "object": APIError.expired("too old resource version: \(since) (\(watches.compactedThrough + 1))").status,
                ])
                continuation.finish()
                return stream
            }
            for event in watches.history where event.resourceVersion > since {
                if let e = filter.translate(event) { continuation.yield(e) }
            }
        } else {
            for obj in list(filter.type, filter: filter).items {
                continuation.yield(["type": "ADDED", "object": obj])
            }
            if sendInitialEvents {
                continuation.yield([
                    "type": "BOOKMARK",
                    "object": [
                        "kind": .string(filter.type.kind), "apiVersion": .string(filter.type.apiVersion),
                        "metadata": ["resourceVersion": .string(String(resourceVersion)), "annotations": ["k8s.io/initial-events-end": "true"]],
                    ],
                ])
            }
        }
        let id = watches.subscribe(filter, continuation: continuation)
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        if let timeout {
            Task {
                try? await Task.sleep(for: timeout)
                self.unsubscribe(id)
            }
        }
        return stream
    }

    func unsubscribe(_ id: Int) { watches.unsubscribe(id) }

    // MARK: Internals

    private func key(_ type: ResourceType, _ namespace: String?, _ name: String) -> ObjectKey {
        ObjectKey(namespace: type.namespaced ? (namespace ?? "") : "", name: name)
    }

    private var defaulter: Defaulter {
        Defaulter(
            allocateClusterIP: { [self] in allocateClusterIP() },
            allocateNodePort: { [self] in allocateNodePort() })
    }

    private func allocateClusterIP() -> String {
        // 10.96.0.0/12: pick at random like the real allocator, avoiding the first addresses.
        while true {
            let n = UInt32.random(in: 16..<(1 << 20) - 1)
            let ip = "10.\(96 + (n >> 16)).\((n >> 8) & 0xff).\(n & 0xff)"
            if allocatedIPs.insert(ip).inserted { return ip }
        }
    }

    private func allocateNodePort() -> Int64 {
        defer { nextNodePort += 1 }
        return nextNodePort
    }

    /// Stores a new version (unless dry-run or a no-op), records the watch event and lets the
    /// simulated controllers react.
    private func commit(_ type: ResourceType, _ k: ObjectKey, old: JSONValue?, new: JSONValue, dryRun: Bool) -> JSONValue {
        var new = new
        if dryRun {
            if old == nil { new.set(nil, at: ["metadata", "resourceVersion"]) }
            return new.served(as: type)
        }
        if let old, ObjectMeta.isNoOp(new, old) { return old.served(as: type) }
        if old?[path: ["metadata", "deletionTimestamp"]] != nil || new[path: ["metadata", "deletionTimestamp"]] != nil,
            old != nil, (new[path: ["metadata", "finalizers"]]?.arrayValue ?? []).isEmpty
        {
            remove(type.groupResource, k, new)
            return new.served(as: type)
        }
        resourceVersion += 1
        new.set(.string(String(resourceVersion)), at: ["metadata", "resourceVersion"])
        objects[type.groupResource, default: [:]][k] = new
        ownership.record(StoredKey(resource: type.groupResource, key: k), old: old, new: new)
        watches.record(ChangeEvent(
            kind: old == nil ? .added : .modified, resourceVersion: resourceVersion, resource: type.groupResource,
            namespace: k.namespace, object: new, previous: old))
        afterCommit(type, k, new)
        return new.served(as: type)
    }

    /// Drops a stored object for good (no finalizers left), then lets the garbage collector delete
    /// or release what it owned.
    func remove(_ gr: GroupResource, _ k: ObjectKey, _ obj: JSONValue) {
        guard objects[gr]?[k] != nil else { return }   // already removed, e.g. as garbage of something else
        resourceVersion += 1
        var gone = obj
        gone.set(.string(String(resourceVersion)), at: ["metadata", "resourceVersion"])
        objects[gr]?[k] = nil
        watches.record(ChangeEvent(kind: .deleted, resourceVersion: resourceVersion, resource: gr, namespace: k.namespace, object: gone, previous: obj))
        if gr == GroupResource(group: "", plural: "services") {
            if let ip = obj[path: ["spec", "clusterIP"]]?.stringValue { allocatedIPs.remove(ip) }
            for ingress in obj[path: ["status", "loadBalancer", "ingress"]]?.arrayValue ?? [] {
                if let ip = ingress["ip"]?.stringValue { allocatedLoadBalancerIPs.remove(ip) }
            }
        }
        cancelRollout(gr, k)
        ownership.forget(StoredKey(resource: gr, key: k), object: obj)
        if gr == Store.crds {
            let served = ResourceType.fromCRD(obj)
            registry.unregister(crdName: k.name)
            for gr in Set(served.map(\.groupResource)) {
                for (ok, o) in objects[gr] ?? [:] { remove(gr, ok, o) }
            }
        }
        if let uid = obj[path: ["metadata", "uid"]]?.stringValue { collectGarbage(ownerUID: uid) }
    }

    private func afterCommit(_ type: ResourceType, _ k: ObjectKey, _ obj: JSONValue) {
        if type.groupResource == Store.crds {
            registry.register(crdName: k.name, ResourceType.fromCRD(obj))
        }
        startRollout(type, k, obj)
    }
}
