import AgentEngine
import AgentKube
import Foundation
import HawserProtocol

/// Reads an app's live objects and predicts what applying its manifests would produce, with
/// as few API requests as the answer allows.
///
/// - Live objects are listed per kind and namespace with the app's instance label (one
///   request for many objects) and only objects missing from those lists are fetched one by
///   one (not yet labelled, or absent).
/// - The server-side dry-run apply (the exact "desired" Argo CD's server-side diff uses) is
///   cached per object and reused while neither the manifest nor the live object's
///   resourceVersion changed: the result is a pure function of the two. A steady-state
///   resync therefore costs a handful of list requests, not two requests per object.
actor LiveState {
    let kube: KubeClient

    private struct Prediction {
        var desired: JSONValue
        var liveResourceVersion: String
        var predicted: JSONValue
    }
    private var predictions: [ResourceKey: Prediction] = [:]

    init(kube: KubeClient) { self.kube = kube }

    /// Live objects of `objects`, keyed by resource key (absent keys: not in the cluster).
    func live(of objects: [PlannedObject], app: String) async throws -> [ResourceKey: JSONValue] {
        struct Group: Hashable { let apiVersion: String; let kind: String; let namespace: String }
        var found: [ResourceKey: JSONValue] = [:]
        let wanted = Set(objects.map(\.key))
        for group in Set(objects.map { Group(apiVersion: $0.key.apiVersion, kind: $0.key.kind, namespace: $0.key.namespace) }) {
            let items = try await kube.list(apiVersion: group.apiVersion, kind: group.kind,
                                            namespace: group.namespace.isEmpty ? nil : group.namespace,
                                            labelSelector: "\(Tracking.instanceLabel)=\(app)")
            for item in items {
                guard let key = ResourceKey(object: item, defaultNamespace: group.namespace),
                      wanted.contains(key) else { continue }
                found[key] = item
            }
        }
        for obj in objects where found[obj.key] == nil {
            if let live = try await kube.get(obj.key) { found[obj.key] = live }
        }
        return found
    }

    /// What the API server would make of `desired` applied over `live` (dry run), cached.
    /// `nil` when the server refuses the dry run (the caller falls back to the manifest).
    func predicted(_ obj: PlannedObject, live: JSONValue) async -> JSONValue? {
        let rv = live[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""
        if let p = predictions[obj.key], p.liveResourceVersion == rv, p.desired == obj.object {
            return p.predicted
        }
        guard let result = try? await kube.apply(obj.object, fieldManager: "hawser", force: true, dryRun: true) else {
            predictions[obj.key] = nil
            return nil
        }
        predictions[obj.key] = Prediction(desired: obj.object, liveResourceVersion: rv, predicted: result)
        return result
    }

    /// Drops cached predictions of a withdrawn app's objects.
    func forget(_ keys: [ResourceKey]) {
        for key in keys { predictions[key] = nil }
    }
}
