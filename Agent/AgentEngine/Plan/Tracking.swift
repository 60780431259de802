import HawserProtocol

/// The metadata by which Hawser recognises objects it manages.
///
/// The label lets the agent list an application's objects with one label selector (to find
/// ones removed from Git); the annotation, in Argo CD's tracking-id format, says exactly which
/// application and identity an object was applied as, so a copied label cannot fool pruning.
public enum Tracking {
    public static let instanceLabel = "app.hawser.io/instance"
    public static let trackingIDAnnotation = "hawser.io/tracking-id"

    /// `<app>:<group>/<kind>:<namespace>/<name>`; the core group is empty, as in Argo CD.
    public static func trackingID(appName: String, key: ResourceKey) -> String {
        "\(appName):\(key.group)/\(key.kind):\(key.namespace)/\(key.name)"
    }
}

/// Adds the instance label and tracking-id annotation, keeping the manifest's own ones.
func stampTracking(_ object: inout JSONValue, appName: String, key: ResourceKey) {
    var labels = object[path: ["metadata", "labels"]]?.objectValue ?? [:]
    labels[Tracking.instanceLabel] = .string(appName)
    object.set(.object(labels), at: ["metadata", "labels"])

    var annotations = object[path: ["metadata", "annotations"]]?.objectValue ?? [:]
    annotations[Tracking.trackingIDAnnotation] = .string(Tracking.trackingID(appName: appName, key: key))
    object.set(.object(annotations), at: ["metadata", "annotations"])
}
