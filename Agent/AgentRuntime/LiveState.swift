import AgentEngine
import AgentKube
import Foundation
import HawserProtocol

/// Compares an app's planned objects with the cluster, with as few API requests and as little
/// memory as the answer allows.
///
/// - Live objects are listed per kind and namespace with the app's instance label (one
///   request for many objects); only objects missing from a list are fetched one by one (not
///   yet labelled, or absent).
/// - One list at a time: its objects are compared and dropped before the next list is read,
///   so memory follows the largest kind-and-namespace group, not the whole app.
/// - Each object's desired state is the server-side dry-run apply of its manifest (what Argo
///   CD's server-side diff uses). The verdict (sync status, diff, health) is a pure function of
///   the manifest, the live object and the ignore rules, so it is cached per object under the
///   live `resourceVersion` and a hash of the manifest and rules, and reused until one changes.
///   A steady-state resync therefore costs a handful of list requests and no dry runs, and the
///   agent keeps a few dozen bytes per object rather than copies of them.
actor LiveState {
    let kube: KubeClient

    private struct Verdict {
        var inputs: Int
        var liveResourceVersion: String
        var row: ResourceStatus
    }
    private var verdicts: [ResourceKey: Verdict] = [:]

    init(kube: KubeClient) { self.kube = kube }

    /// One row per object: in sync or not (with the diff), and its health.
    func compare(_ objects: [PlannedObject], app: String, ignoring rules: [IgnoreDifference]) async -> [ResourceStatus] {
        struct Group: Hashable { let apiVersion: String; let kind: String; let namespace: String }
        var groups: [Group: [PlannedObject]] = [:]
        for obj in objects {
            groups[Group(apiVersion: obj.key.apiVersion, kind: obj.key.kind, namespace: obj.key.namespace), default: []].append(obj)
        }
        var rows: [ResourceKey: ResourceStatus] = [:]
        rows.reserveCapacity(objects.count)
        var rulesHasher = Hasher()
        rulesHasher.combine(rules)
        let rulesHash = rulesHasher.finalize()
        for (group, members) in groups {
            var found: [ResourceKey: JSONValue] = [:]
            do {
                let wanted = Set(members.map(\.key))
                let items = try await kube.list(apiVersion: group.apiVersion, kind: group.kind,
                                                namespace: group.namespace.isEmpty ? nil : group.namespace,
                                                labelSelector: "\(Tracking.instanceLabel)=\(app)")
                for item in items {
                    guard let key = ResourceKey(object: item, defaultNamespace: group.namespace), wanted.contains(key) else { continue }
                    found[key] = item
                }
                for obj in members where found[obj.key] == nil {
                    if let live = try await kube.get(obj.key) { found[obj.key] = live }
                }
            } catch {
                for obj in members {
                    rows[obj.key] = ResourceStatus(key: obj.key, status: .unknown, health: .unknown, message: "cannot read the live object: \(error)")
                }
                continue
            }
            for obj in members {
                rows[obj.key] = await verdict(obj, live: found.removeValue(forKey: obj.key), rules: rules, rulesHash: rulesHash)
            }
        }
        return objects.map { rows[$0.key]! }
    }

    private func verdict(_ obj: PlannedObject, live: JSONValue?, rules: [IgnoreDifference], rulesHash: Int) async -> ResourceStatus {
        guard let live else {
            verdicts[obj.key] = nil
            return Self.row(obj, desired: obj.object, live: nil, rules: rules)
        }
        let rv = live[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""
        var hasher = Hasher()
        hasher.combine(obj.object)
        hasher.combine(rulesHash)
        let inputs = hasher.finalize()
        if let v = verdicts[obj.key], v.inputs == inputs, v.liveResourceVersion == rv, !rv.isEmpty {
            return v.row
        }
        guard let predicted = try? await kube.apply(obj.object, fieldManager: "hawser", force: true, dryRun: true) else {
            // The server refused the dry run: compare with the manifest itself, and ask again next time.
            verdicts[obj.key] = nil
            return Self.row(obj, desired: obj.object, live: live, rules: rules)
        }
        let row = Self.row(obj, desired: predicted, live: live, rules: rules)
        verdicts[obj.key] = Verdict(inputs: inputs, liveResourceVersion: rv, row: row)
        return row
    }

    static func row(_ obj: PlannedObject, desired: JSONValue, live: JSONValue?, rules: [IgnoreDifference]) -> ResourceStatus {
        let cmp = AgentEngine.compare(
            desired: IgnoreDifferences.strip(desired, key: obj.key, rules: rules),
            live: live.map { IgnoreDifferences.strip($0, key: obj.key, rules: rules) })
        let h = health(of: live)
        // OutOfSync rows carry the changed paths, then the unified diff a person reads.
        let message = cmp.status == .outOfSync ? [cmp.diff, cmp.unifiedDiff].filter { !$0.isEmpty }.joined(separator: "\n") : h.message
        return ResourceStatus(key: obj.key, status: cmp.status, health: h.status, message: message)
    }

    /// Drops cached verdicts of a withdrawn app's objects.
    func forget(_ keys: [ResourceKey]) {
        for key in keys { verdicts[key] = nil }
    }
}
