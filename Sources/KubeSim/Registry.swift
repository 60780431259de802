// The set of served resource types: built-ins plus those contributed by CRDs. Discovery,
// OpenAPI and routing all read it, so a created CRD shows up everywhere at once.

import HawserProtocol

struct Registry: Sendable {
    private(set) var types: [ResourceType] = ResourceType.builtins
    /// CRD name -> the types it contributes.
    private var fromCRDs: [String: [ResourceType]] = [:]

    func find(group: String, version: String, plural: String) -> ResourceType? {
        types.first { $0.group == group && $0.version == version && $0.plural == plural }
    }

    func find(apiVersion: String, kind: String) -> ResourceType? {
        types.first { $0.apiVersion == apiVersion && $0.kind == kind }
    }

    /// Any served version of a stored resource (used to render watch events and namespace cleanup).
    func find(_ gr: GroupResource) -> ResourceType? {
        types.first { $0.group == gr.group && $0.plural == gr.plural }
    }

    /// Groups in discovery order, each with its versions (first = preferred).
    var groups: [(name: String, versions: [String])] {
        var order: [String] = []
        var versions: [String: [String]] = [:]
        for t in types {
            if versions[t.group] == nil { order.append(t.group) }
            if !(versions[t.group]?.contains(t.version) ?? false) { versions[t.group, default: []].append(t.version) }
        }
        return order.map { ($0, versions[$0]!) }
    }

    func resources(group: String, version: String) -> [ResourceType] {
        types.filter { $0.group == group && $0.version == version }
    }

    mutating func register(crdName: String, _ crdTypes: [ResourceType]) {
        unregister(crdName: crdName)
        let builtin = Set(types.map(\.groupResource))
        let accepted = crdTypes.filter { !builtin.contains($0.groupResource) }
        fromCRDs[crdName] = accepted
        types += accepted
    }

    mutating func unregister(crdName: String) {
        guard let old = fromCRDs.removeValue(forKey: crdName) else { return }
        types.removeAll { t in old.contains(t) }
    }
}
