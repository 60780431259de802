// The garbage collector's effect on ownerReferences, done synchronously inside the Store: when an
// owner is removed its dependents (objects whose metadata.ownerReferences name its uid) are deleted
// too, recursively, unless another owner that still exists holds them, in which case only the
// dangling reference is dropped. `propagationPolicy` chooses when: Background (the default) after
// the owner is gone, Foreground before, Orphan never (the references are removed instead).

import HawserProtocol

/// A stored object's identity across resources.
struct StoredKey: Hashable, Sendable {
    var resource: GroupResource
    var key: ObjectKey
}

enum PropagationPolicy: String, Sendable {
    case orphan = "Orphan", background = "Background", foreground = "Foreground"

    /// From DeleteOptions (body) or the query, as the real server reads them; the deprecated
    /// `orphanDependents: true` means Orphan.
    static func parse(options: JSONValue?, query: [String: String]) throws(APIError) -> PropagationPolicy {
        let raw = options?["propagationPolicy"]?.stringValue ?? query["propagationPolicy"]
        if let raw, !raw.isEmpty {
            guard let policy = PropagationPolicy(rawValue: raw) else {
                throw APIError(code: 422, reason: "Invalid",
                               message: "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"\(raw)\": supported values: \"Foreground\", \"Background\", \"Orphan\"")
            }
            return policy
        }
        if options?["orphanDependents"]?.boolValue == true || query["orphanDependents"] == "true" { return .orphan }
        return .background
    }
}

/// uid -> object, and owner uid -> dependents, kept current on every store and removal so the
/// collector never scans the whole cluster.
struct OwnershipIndex: Sendable {
    private(set) var byUID: [String: StoredKey] = [:]
    private var dependents: [String: Set<StoredKey>] = [:]

    mutating func record(_ key: StoredKey, old: JSONValue?, new: JSONValue) {
        if let old { forget(key, object: old) }
        if let uid = new.uid { byUID[uid] = key }
        for owner in new.ownerUIDs { dependents[owner, default: []].insert(key) }
    }

    mutating func forget(_ key: StoredKey, object: JSONValue) {
        if let uid = object.uid, byUID[uid] == key { byUID[uid] = nil }
        for owner in object.ownerUIDs {
            dependents[owner]?.remove(key)
            if dependents[owner]?.isEmpty == true { dependents[owner] = nil }
        }
    }

    func dependents(of uid: String) -> [StoredKey] { (dependents[uid] ?? []).sorted { ($0.resource.plural, $0.key) < ($1.resource.plural, $1.key) } }
}

extension JSONValue {
    var uid: String? { self[path: ["metadata", "uid"]]?.stringValue }
    var ownerUIDs: [String] { (self[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).compactMap { $0["uid"]?.stringValue } }
}

extension Store {
    /// After an owner is gone: delete its dependents, or release those another live owner keeps.
    func collectGarbage(ownerUID: String) {
        for dep in ownership.dependents(of: ownerUID) {
            guard let obj = objects[dep.resource]?[dep.key] else { continue }
            let otherOwners = obj.ownerUIDs.filter { $0 != ownerUID }
            if otherOwners.contains(where: { ownership.byUID[$0] != nil }) {
                dropOwnerReferences(dep, obj) { $0 == ownerUID || ownership.byUID[$0] == nil }
            } else {
                deleteAsGarbage(dep, obj, propagation: .background)
            }
        }
    }

    /// Foreground deletion: dependents go before their owner.
    func deleteDependents(ownerUID: String, propagation: PropagationPolicy) {
        for dep in ownership.dependents(of: ownerUID) {
            guard let obj = objects[dep.resource]?[dep.key] else { continue }
            if let uid = obj.uid, propagation == .foreground { deleteDependents(ownerUID: uid, propagation: .foreground) }
            deleteAsGarbage(dep, obj, propagation: propagation)
        }
    }

    /// Orphan deletion: dependents stay, without the reference to their deleted owner.
    func orphanDependents(ownerUID: String) {
        for dep in ownership.dependents(of: ownerUID) {
            guard let obj = objects[dep.resource]?[dep.key] else { continue }
            dropOwnerReferences(dep, obj) { $0 == ownerUID }
        }
    }

    private func deleteAsGarbage(_ dep: StoredKey, _ obj: JSONValue, propagation: PropagationPolicy) {
        guard let type = registry.find(dep.resource) else { return }
        _ = try? delete(type, namespace: dep.key.namespace, name: dep.key.name, preconditions: ["uid": obj.uid.map(JSONValue.string) ?? .null],
                        propagation: propagation, options: WriteOptions(fieldManager: "kube-controller-manager"))
    }

    private func dropOwnerReferences(_ dep: StoredKey, _ obj: JSONValue, where drop: (String) -> Bool) {
        guard let type = registry.find(dep.resource) else { return }
        let refs = obj[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
        let kept = refs.filter { !drop($0["uid"]?.stringValue ?? "") }
        var candidate = obj
        candidate.set(kept.isEmpty ? nil : .array(kept), at: ["metadata", "ownerReferences"])
        _ = write(type, dep.key, old: obj, candidate: candidate, subresource: nil, manager: "kube-controller-manager", dryRun: false)
    }
}
