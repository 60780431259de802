import HawserProtocol

/// One object ready to apply: validated, namespaced, stamped with tracking metadata.
public struct PlannedObject: Sendable, Hashable {
    public var key: ResourceKey
    public var object: JSONValue
    /// Where the manifest came from, so apply errors can name the file a user has to fix.
    public var source: String
    public var line: Int

    public init(key: ResourceKey, object: JSONValue, source: String, line: Int) {
        self.key = key
        self.object = object
        self.source = source
        self.line = line
    }
}

/// A manifest that cannot be applied, located at `source:line`.
public struct PlanError: Error, Sendable, Hashable, CustomStringConvertible {
    public var source: String
    public var line: Int
    public var message: String

    public init(source: String, line: Int, message: String) {
        self.source = source
        self.line = line
        self.message = message
    }

    public var description: String { "\(source):\(line): \(message)" }
}

/// Objects in apply order, and the manifests that were rejected.
public struct PlanResult: Sendable, Hashable {
    public var objects: [PlannedObject]
    public var errors: [PlanError]

    public init(objects: [PlannedObject], errors: [PlanError]) {
        self.objects = objects
        self.errors = errors
    }
}

/// Turns rendered manifests into an ordered list of objects to apply.
///
/// Validates each manifest, defaults the namespace of namespaced kinds, rejects duplicates,
/// stamps Hawser's tracking label and annotation, and orders the result so that dependencies
/// come first (Namespaces, CRDs, then Helm's install order). A rejected manifest is reported and
/// left out; whether to apply the rest is the caller's decision.
///
/// - Parameters:
///   - appName: the application that owns the objects; goes into the tracking metadata.
///   - defaultNamespace: the namespace for namespaced objects that do not name one.
///   - namespacedLookup: whether a kind is namespaced, from API discovery; `nil` when discovery
///     does not know the kind (e.g. a CRD created by this very plan).
public func plan(
    appName: String,
    manifests: [Manifest],
    defaultNamespace: String,
    namespacedLookup: (ResourceKey) -> Bool?
) -> PlanResult {
    var planned: [PlannedObject] = []
    var errors: [PlanError] = []
    var firstSeen: [ResourceKey: PlannedObject] = [:]

    for manifest in manifests {
        switch validate(manifest) {
        case .failure(let error):
            errors.append(error)
        case .success(var key):
            var object = manifest.object
            let namespaced = namespacedLookup(key) ?? !isWellKnownClusterScoped(kind: key.kind)
            if namespaced {
                if key.namespace.isEmpty { key.namespace = defaultNamespace }
                object.set(.string(key.namespace), at: ["metadata", "namespace"])
            } else {
                key.namespace = ""
                object.set(nil, at: ["metadata", "namespace"])
            }
            let identity = ResourceKey(group: key.group, version: "", kind: key.kind, namespace: key.namespace, name: key.name)
            if let first = firstSeen[identity] {
                errors.append(PlanError(
                    source: manifest.source, line: manifest.line,
                    message: "duplicate \(key), already defined at \(first.source):\(first.line)"))
                continue
            }
            stampTracking(&object, appName: appName, key: key)
            let item = PlannedObject(key: key, object: object, source: manifest.source, line: manifest.line)
            firstSeen[identity] = item
            planned.append(item)
        }
    }
    return PlanResult(objects: inInstallOrder(planned), errors: errors)
}

/// Checks what every object needs before it can be identified: a map with apiVersion, kind and
/// metadata.name. Returns the key with the manifest's own namespace (possibly empty).
func validate(_ manifest: Manifest) -> Result<ResourceKey, PlanError> {
    func fail(_ message: String) -> Result<ResourceKey, PlanError> {
        .failure(PlanError(source: manifest.source, line: manifest.line, message: message))
    }
    let object = manifest.object
    guard object.objectValue != nil else {
        return fail("not a Kubernetes object: expected a map with apiVersion, kind and metadata")
    }
    var missing: [String] = []
    let apiVersion = object["apiVersion"]?.stringValue ?? ""
    let kind = object["kind"]?.stringValue ?? ""
    if apiVersion.isEmpty { missing.append("apiVersion") }
    if kind.isEmpty { missing.append("kind") }
    if (object[path: ["metadata", "name"]]?.stringValue ?? "").isEmpty { missing.append("metadata.name") }
    if !missing.isEmpty {
        let what = kind.isEmpty ? "object" : kind
        return fail("\(what) is missing \(missing.joined(separator: ", "))")
    }
    let parts = apiVersion.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count <= 2, !parts.contains(where: \.isEmpty) else {
        return fail("invalid apiVersion \"\(apiVersion)\": expected \"v1\" or \"group/version\"")
    }
    guard let key = ResourceKey(object: object) else { return fail("cannot identify object") }
    return .success(key)
}
