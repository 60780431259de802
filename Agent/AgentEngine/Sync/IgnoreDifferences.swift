import HawserProtocol

/// Removes the fields an app's `ignoreDifferences` names before comparing, from both sides,
/// so a field another controller owns (an HPA's replicas, an injected annotation) never makes
/// the app OutOfSync. Pointers follow RFC 6901 (`~1` is `/`, `~0` is `~`); a pointer to a
/// missing field is simply nothing to remove.
public enum IgnoreDifferences {
    public static func strip(_ object: JSONValue, key: ResourceKey, rules: [IgnoreDifference]) -> JSONValue {
        var out = object
        for rule in rules where rule.matches(key) {
            for pointer in rule.jsonPointers {
                out = remove(tokens(pointer), from: out)
            }
        }
        return out
    }

    static func tokens(_ pointer: String) -> [String] {
        pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func remove(_ path: [String], from value: JSONValue) -> JSONValue {
        guard let head = path.first else { return value }
        let rest = Array(path.dropFirst())
        switch value {
        case .object(var o):
            if rest.isEmpty { o[head] = nil } else if let child = o[head] { o[head] = remove(rest, from: child) }
            return .object(o)
        case .array(var a):
            guard let i = Int(head), a.indices.contains(i) else { return value }
            if rest.isEmpty { a.remove(at: i) } else { a[i] = remove(rest, from: a[i]) }
            return .array(a)
        default:
            return value
        }
    }
}
