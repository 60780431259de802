import HawserProtocol

/// Walks a desired object and the live object side by side, reporting every field the desired
/// object sets that live state does not match.
///
/// Rules (the why of each is in the comment beside it):
/// - maps: recurse into keys the desired map has; keys only live has are ignored;
/// - lists of objects that all carry a `name` (containers, env, volumes, ports…): matched by
///   name, because order is not meaningful and the API server or webhooks may add entries;
/// - other lists: elementwise, and lengths must agree (an added arg is drift);
/// - numbers by value (`3` == `3.0`); strings as-is, so int-or-string `"25%"` stays a string;
/// - a desired `null`, `{}` or `[]` matches an absent live field: the API server drops them.
struct SubsetWalker {
    /// What the walk found, in path order.
    private(set) var differences: [FieldDifference] = []

    /// Fields the server owns even when a manifest (e.g. one exported with `kubectl get -o yaml`)
    /// carries them; comparing them would make every such manifest OutOfSync forever.
    static let serverOwnedMetadata: Set<String> = [
        "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink",
        "deletionTimestamp", "deletionGracePeriodSeconds",
    ]

    mutating func compareRoot(desired: JSONValue, live: JSONValue) {
        compare(desired: Self.comparable(desired), live: live, path: "")
    }

    /// The desired object without status and server-owned metadata: what is compared.
    static func comparable(_ desired: JSONValue) -> JSONValue {
        guard var d = desired.objectValue else { return desired }
        d["status"] = nil
        if var meta = d["metadata"]?.objectValue {
            for field in serverOwnedMetadata { meta[field] = nil }
            d["metadata"] = .object(meta)
        }
        return .object(d)
    }

    private mutating func compare(desired: JSONValue, live: JSONValue?, path: String) {
        if isEmptyish(desired) && (live == nil || isEmptyish(live!)) { return }
        guard let live else {
            differences.append(FieldDifference(path: path, desired: desired, live: nil))
            return
        }
        switch (desired, live) {
        case (.object(let d), .object(let l)):
            for key in d.keys.sorted() {
                compare(desired: d[key]!, live: l[key], path: join(path, key: key))
            }
        case (.array(let d), .array(let l)):
            compareLists(desired: d, live: l, path: path)
        default:
            if !scalarsEqual(desired, live) {
                differences.append(FieldDifference(path: path, desired: desired, live: live))
            }
        }
    }

    private mutating func compareLists(desired: [JSONValue], live: [JSONValue], path: String) {
        if let names = names(of: desired) {
            let liveByName = Dictionary(live.compactMap { item in item["name"]?.stringValue.map { ($0, item) } },
                                        uniquingKeysWith: { first, _ in first })
            for (name, item) in zip(names, desired) {
                compare(desired: item, live: liveByName[name], path: "\(path)[name=\(name)]")
            }
            return
        }
        guard desired.count == live.count else {
            differences.append(FieldDifference(path: path, desired: .array(desired), live: .array(live)))
            return
        }
        for (i, (d, l)) in zip(desired, live).enumerated() {
            compare(desired: d, live: l, path: "\(path)[\(i)]")
        }
    }

    /// The `name` of every element when all are objects with a string name, else `nil`.
    private func names(of list: [JSONValue]) -> [String]? {
        guard !list.isEmpty else { return nil }
        var names: [String] = []
        for item in list {
            guard let name = item["name"]?.stringValue else { return nil }
            names.append(name)
        }
        return names
    }

    private func isEmptyish(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return true
        case .object(let o): return o.isEmpty
        case .array(let a): return a.isEmpty
        default: return false
        }
    }

    private func scalarsEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Double(x) == y
        default: return a == b
        }
    }

    /// Appends a key to a readable path, bracketing keys that contain dots or slashes
    /// (`metadata.labels["app.kubernetes.io/name"]`) so the path stays unambiguous.
    private func join(_ path: String, key: String) -> String {
        let plain = !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
        if plain { return path.isEmpty ? key : "\(path).\(key)" }
        return "\(path)[\"\(key)\"]"
    }
}
