import HawserProtocol

/// The hub's RBAC policy from Git: Hawser's `RBACPolicy`, or Argo CD's ConfigMap
/// `argocd-rbac-cm` as it is (its `policy.csv` and any `policy.*.csv`). The lines are added to
/// the policy the hub was started with; they cannot take any away. The default role stays the
/// hub's own (`--rbac-default-role`): from Git it would hand a role to every user at once.
public struct PolicyDocument: Sendable, Hashable {
    public var csv: String
    /// Where each part of `csv` is written: its field (`data.policy.csv`) and its first line in `csv`.
    public var sections: [Section]

    public struct Section: Sendable, Hashable {
        public var field: String
        public var firstLine: Int
    }

    public init(csv: String, sections: [Section] = []) {
        self.csv = csv
        self.sections = sections
    }

    /// The field and the line within it of line `line` of `csv`.
    public func place(ofLine line: Int) -> (field: String?, line: Int?) {
        guard let s = sections.last(where: { $0.firstLine <= line }) else { return (nil, nil) }
        return (s.field, line - s.firstLine + 1)
    }

    static func joined(_ parts: [(field: String, text: String)]) -> PolicyDocument {
        var csv = ""
        var sections: [Section] = []
        for p in parts {
            if !csv.isEmpty && !csv.hasSuffix("\n") { csv += "\n" }
            sections.append(Section(field: p.field, firstLine: csv.split(separator: "\n", omittingEmptySubsequences: false).count - (csv.isEmpty ? 0 : 1) + 1))
            csv += p.text
        }
        return PolicyDocument(csv: csv, sections: sections)
    }

    static func read(_ o: [String: JSONValue], kind: String, _ c: inout DocumentContext) -> PolicyDocument? {
        if kind == "ConfigMap" {
            KnownFields.fields(["apiVersion": .value, "kind": .value, "metadata": .fields(KnownFields.metadata), "data": .value]).check(.object(o), "", &c)
            let name = c.string(c.object(o["metadata"], "metadata")?["name"], "metadata.name")
            guard name == "argocd-rbac-cm" else {
                c.error("metadata.name", "the only ConfigMap read here is Argo CD's RBAC policy, argocd-rbac-cm; \(name.map { "\"\($0)\"" } ?? "this one") is not it")
                return nil
            }
            let data = c.stringMap(o["data"], "data") ?? [:]
            var parts: [(field: String, text: String)] = []
            for key in data.keys.sorted() {
                switch key {
                case "policy.csv": parts.insert(("data.policy.csv", data[key]!), at: 0)
                case "policy.default":
                    c.warn("data.policy.default", "the default role is the hub's own (--rbac-default-role); it is not taken from Git")
                case "scopes":
                    if data[key]!.replacingOccurrences(of: " ", with: "") != "[groups]" {
                        c.warn("data.scopes", "only the groups claim is mapped to roles; ignored")
                    }
                case "policy.matchMode":
                    if data[key] != "glob" { c.error("data.policy.matchMode", "Hawser matches policy objects with globs; regex matching is not supported") }
                default:
                    if key.hasPrefix("policy.") && key.hasSuffix(".csv") { parts.append(("data.\(key)", data[key]!)) } else { c.warn("data.\(key)", "not used by Hawser; ignored") }
                }
            }
            return joined(parts)
        }
        KnownFields.fields(["apiVersion": .value, "kind": .value, "metadata": .fields(KnownFields.metadata),
                            "spec": .fields(["policy": .value])]).check(.object(o), "", &c)
        let spec = c.object(o["spec"], "spec") ?? [:]
        return joined([("spec.policy", c.string(spec["policy"], "spec.policy") ?? "")])
    }
}
