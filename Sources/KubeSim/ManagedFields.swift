// `metadata.managedFields`: who set which field, by which operation. Updates (create, PUT, merge and
// strategic patches, controllers writing status) take ownership of the fields they change; apply
// replaces the applier's set wholesale (ServerSideApply.swift).

import Foundation
import HawserProtocol

struct ManagedFieldsEntry: Sendable, Equatable {
    var manager: String
    var operation: String          // "Apply" | "Update"
    var apiVersion: String
    var time: String
    var subresource: String?
    var fields: FieldSet

    func sameIdentity(_ other: ManagedFieldsEntry) -> Bool {
        manager == other.manager && operation == other.operation && subresource == other.subresource
    }

    var json: JSONValue {
        var e: JSONValue = [
            "manager": .string(manager), "operation": .string(operation), "apiVersion": .string(apiVersion),
            "time": .string(time), "fieldsType": "FieldsV1", "fieldsV1": fields.fieldsV1,
        ]
        if let subresource { e["subresource"] = .string(subresource) }
        return e
    }

    init(manager: String, operation: String, apiVersion: String, time: String, subresource: String?, fields: FieldSet) {
        self.manager = manager
        self.operation = operation
        self.apiVersion = apiVersion
        self.time = time
        self.subresource = subresource
        self.fields = fields
    }

    init?(json: JSONValue) {
        guard let manager = json["manager"]?.stringValue else { return nil }
        self.manager = manager
        operation = json["operation"]?.stringValue ?? "Update"
        apiVersion = json["apiVersion"]?.stringValue ?? ""
        time = json["time"]?.stringValue ?? ""
        subresource = json["subresource"]?.stringValue
        fields = FieldSet(fieldsV1: json["fieldsV1"] ?? [:])
    }
}

enum ManagedFields {
    static func entries(of object: JSONValue) -> [ManagedFieldsEntry] {
        object[path: ["metadata", "managedFields"]]?.arrayValue?.compactMap(ManagedFieldsEntry.init(json:)) ?? []
    }

    static func set(_ entries: [ManagedFieldsEntry], on object: inout JSONValue) {
        let kept = entries.filter { !$0.fields.isEmpty }
        if kept.isEmpty {
            object.set(Optional<JSONValue>.none, at: ["metadata", "managedFields"])
        } else {
            object.set(.array(kept.map(\.json)), at: ["metadata", "managedFields"])
        }
    }

    /// Fields the server maintains itself; nobody owns them.
    static let systemPaths: [FieldPath] = {
        let metadata = ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
                        "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"]
        let top: [FieldPath] = [[.field("apiVersion")], [.field("kind")]]
        return top + metadata.map { [.field("metadata"), .field($0)] }
    }()

    /// The ownable fields of `object` as written through `subresource` of a resource type.
    static func trackedFields(of object: JSONValue, type: ResourceType, subresource: String?) -> FieldSet {
        let all = FieldSet.of(object).removing(prefixes: systemPaths)
        if subresource == "status" { return all.keeping(prefix: [.field("status")]) }
        if type.hasStatus { return all.removing(prefixes: [[.field("status")]]) }
        return all
    }

    /// Ownership after a non-apply write by `manager`: it gains what it changed, everyone loses
    /// what changed under them or disappeared.
    static func update(
        old: JSONValue?, new: inout JSONValue, manager: String, type: ResourceType, subresource: String?, now: String
    ) {
        var entries = old.map(entries(of:)) ?? []
        let newSet = trackedFields(of: new, type: type, subresource: subresource)
        let oldSet = old.map { trackedFields(of: $0, type: type, subresource: subresource) } ?? FieldSet()
        var changed = Set<FieldPath>()
        for p in newSet.paths {
            if case .key = p.last {
                if !oldSet.paths.contains(p) { changed.insert(p) }
            } else if old?.value(at: p) != new.value(at: p) {
                changed.insert(p)
            }
        }
        let removed = oldSet.paths.subtracting(newSet.paths)
        let me = ManagedFieldsEntry(
            manager: manager, operation: "Update", apiVersion: type.apiVersion, time: now, subresource: subresource, fields: FieldSet())
        guard !changed.isEmpty || !removed.isEmpty else {
            set(entries, on: &new)
            return
        }
        for i in entries.indices {
            entries[i].fields.paths.subtract(removed)
            if !entries[i].sameIdentity(me) { entries[i].fields.paths.subtract(changed) }
        }
        if let i = entries.firstIndex(where: { $0.sameIdentity(me) }) {
            entries[i].fields.paths.formUnion(changed)
            entries[i].time = now
            entries[i].apiVersion = type.apiVersion
        } else {
            var mine = me
            mine.fields.paths = changed
            entries.append(mine)
        }
        set(entries, on: &new)
    }

    /// Manager name when the request names none: the User-Agent's program name, as the real server derives it.
    static func defaultManager(userAgent: String?) -> String {
        guard let ua = userAgent, !ua.isEmpty else { return "unknown" }
        let name = ua.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ua
        return String(name.prefix(128))
    }
}
