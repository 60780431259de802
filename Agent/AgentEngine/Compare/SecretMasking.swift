import HawserProtocol

/// Secrets' values never leave the agent in a diff: before a core/v1 Secret is compared, every
/// value under `data` and `stringData` (in the manifest and in the cluster) is replaced by a
/// run of `+`, as Argo CD masks them. Equal values get equal masks and different values
/// different ones, so the comparison still says whether the Secret is in sync and which keys
/// differ, but nobody who may read the app's status can read the Secret.
public enum SecretMasking {
    public static func masked(desired: JSONValue, live: JSONValue?) -> (desired: JSONValue, live: JSONValue?) {
        guard isSecret(desired) || live.map(isSecret) == true else { return (desired, live) }
        var values = Set<JSONValue>()
        for object in [desired, live].compactMap({ $0 }) {
            for field in ["data", "stringData"] {
                for value in object[field]?.objectValue?.values ?? [:].values { values.insert(value) }
            }
        }
        // Deterministic: the same inputs give the same masks (verdicts are cached by content).
        let ordered = values.sorted { $0.jsonString() < $1.jsonString() }
        var masks: [JSONValue: JSONValue] = [:]
        for (i, value) in ordered.enumerated() { masks[value] = .string(String(repeating: "+", count: 8 + i)) }
        func mask(_ object: JSONValue) -> JSONValue {
            guard case .object(var fields) = object else { return object }
            for field in ["data", "stringData"] {
                guard let entries = fields[field]?.objectValue else { continue }
                fields[field] = .object(entries.mapValues { masks[$0] ?? .string("++++++++") })
            }
            // The last-applied annotation kubectl leaves would carry the values too.
            if case .object(var metadata)? = fields["metadata"], case .object(var annotations)? = metadata["annotations"],
               annotations["kubectl.kubernetes.io/last-applied-configuration"] != nil {
                annotations["kubectl.kubernetes.io/last-applied-configuration"] = "++++++++"
                metadata["annotations"] = .object(annotations)
                fields["metadata"] = .object(metadata)
            }
            return .object(fields)
        }
        return (mask(desired), live.map(mask))
    }

    static func isSecret(_ object: JSONValue) -> Bool {
        object["kind"]?.stringValue == "Secret" && object["apiVersion"]?.stringValue == "v1"
    }
}
