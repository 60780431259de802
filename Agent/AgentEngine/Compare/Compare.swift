import HawserProtocol

/// The outcome of comparing one desired manifest with its live object.
public struct ResourceComparison: Sendable, Hashable {
    public var status: SyncStatusCode
    /// Every field the manifest sets that live state does not match; empty when synced.
    public var differences: [FieldDifference]
    /// A short, readable rendering of `differences` (`-` live, `+` desired), for the UI and CLI.
    public var diff: String
    /// The same difference as a unified diff of YAML (live → desired), for people to read.
    public var unifiedDiff: String = ""

    public init(status: SyncStatusCode, differences: [FieldDifference], diff: String) {
        self.status = status
        self.differences = differences
        self.diff = diff
    }
}

/// One field where live state differs from the manifest. `nil` means the field is absent.
public struct FieldDifference: Sendable, Hashable {
    /// A readable path: `spec.template.spec.containers[name=web].image`.
    public var path: String
    public var desired: JSONValue?
    public var live: JSONValue?

    public init(path: String, desired: JSONValue?, live: JSONValue?) {
        self.path = path
        self.desired = desired
        self.live = live
    }
}

/// Compares a desired manifest with the live object, with desired-subset semantics.
///
/// Every field the manifest sets must be equal in live state; fields only live state has
/// (server defaults, `status`, uid, resourceVersion, managedFields…) are ignored, because the
/// manifest's author never claimed them. This is what a server-side apply with our field manager
/// converges to, so "Synced" means "applying again would change nothing we own".
///
/// Secrets are compared with their values masked (`SecretMasking`), so no diff shows them.
///
/// - Parameters:
///   - desired: the planned object (with Hawser's tracking label and annotation).
///   - live: the object in the cluster, or `nil` when it does not exist.
///   - maxLines: how many differences the `diff` text shows before summarising the rest.
public func compare(desired unmasked: JSONValue, live unmaskedLive: JSONValue?, maxLines: Int = 40) -> ResourceComparison {
    let (desired, live) = SecretMasking.masked(desired: unmasked, live: unmaskedLive)
    guard let live else {
        return ResourceComparison(status: .outOfSync, differences: [], diff: "resource is missing from the cluster")
    }
    var walker = SubsetWalker()
    walker.compareRoot(desired: desired, live: live)
    let differences = walker.differences
    if differences.isEmpty {
        return ResourceComparison(status: .synced, differences: [], diff: "")
    }
    var result = ResourceComparison(status: .outOfSync, differences: differences, diff: render(differences, maxLines: maxLines))
    result.unifiedDiff = UnifiedDiff.render(desired: SubsetWalker.comparable(desired), live: live, maxLines: maxLines * 2)
    return result
}

/// Renders differences as `- path: live` / `+ path: desired` pairs, like a unified diff of the
/// fields involved, so a reader sees at a glance what changed where.
func render(_ differences: [FieldDifference], maxLines: Int) -> String {
    var lines: [String] = []
    for d in differences.prefix(maxLines) {
        lines.append("- \(d.path): \(d.live.map(inline) ?? "<absent>")")
        lines.append("+ \(d.path): \(d.desired.map(inline) ?? "<absent>")")
    }
    if differences.count > maxLines {
        lines.append("… and \(differences.count - maxLines) more differing fields")
    }
    return lines.joined(separator: "\n")
}

/// A value on one line, shortened so a large subtree does not flood the diff.
func inline(_ value: JSONValue) -> String {
    let text = value.jsonString()
    return text.count > 120 ? String(text.prefix(117)) + "..." : text
}
