import HawserProtocol

/// Sync waves: objects are applied wave by wave, lowest first, and a wave must be healthy
/// before the next starts. The wave comes from `hawser.io/sync-wave`, or Argo CD's
/// `argocd.argoproj.io/sync-wave` so existing repositories work unchanged; default 0.
public enum SyncWaves {
    public static let annotation = "hawser.io/sync-wave"
    public static let argoAnnotation = "argocd.argoproj.io/sync-wave"

    /// The object's wave; an annotation that is not an integer is an error naming it.
    public static func wave(of object: JSONValue) throws(PlanError) -> Int {
        for key in [annotation, argoAnnotation] {
            guard let raw = object[path: ["metadata", "annotations", key]]?.stringValue else { continue }
            guard let wave = Int(raw.trimmingCharacters(in: .whitespaces)) else {
                throw PlanError(source: "", line: 0, message: "annotation \(key): \"\(raw)\" is not an integer sync wave")
            }
            return wave
        }
        return 0
    }

    /// Groups planned objects into waves, ascending. Within a wave the plan's order (namespaces
    /// and CRDs first, then Helm's kind order) is kept, as Argo CD orders by phase, wave, kind.
    public static func group(_ objects: [PlannedObject]) -> (waves: [(wave: Int, objects: [PlannedObject])], errors: [PlanError]) {
        var byWave: [Int: [PlannedObject]] = [:]
        var errors: [PlanError] = []
        for o in objects {
            do {
                byWave[try wave(of: o.object), default: []].append(o)
            } catch {
                errors.append(PlanError(source: o.source, line: o.line, message: error.message))
            }
        }
        return (byWave.keys.sorted().map { ($0, byWave[$0]!) }, errors)
    }
}

/// Per-resource sync options, from `hawser.io/sync-options` or `argocd.argoproj.io/sync-options`
/// (comma-separated, e.g. `Prune=false,PruneLast=true`).
public enum ResourceSyncOptions {
    public static let annotations = ["hawser.io/sync-options", "argocd.argoproj.io/sync-options"]

    public static func of(_ object: JSONValue) -> [String] {
        annotations.flatMap { SyncOption.parse(object[path: ["metadata", "annotations", $0]]?.stringValue) }
    }
}
