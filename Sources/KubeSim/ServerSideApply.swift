// Server-side apply (`PATCH` with `application/apply-patch+yaml`): the applier declares the fields
// it wants; the server merges them, removes the fields it owned before and no longer declares, and
// refuses to overwrite another manager's differing value unless forced. Mirrors the semantics of
// structured-merge-diff, with list keys approximated by ListKeys.

import HawserProtocol

enum ServerSideApply {
    struct Conflict: Sendable {
        var manager: String
        var path: FieldPath
    }

    /// Merges `applied` into `live` (nil: the object does not exist yet) on behalf of `manager` and
    /// returns the new object with updated managedFields. Defaulting and system metadata are the
    /// caller's business.
    static func apply(
        live: JSONValue?, applied rawApplied: JSONValue, manager: String, force: Bool,
        type: ResourceType, subresource: String?, name: String, now: String
    ) throws(APIError) -> JSONValue {
        let applied = rawApplied.removingNulls()
        let base = live ?? ["apiVersion": .string(type.apiVersion), "kind": .string(type.kind), "metadata": ["name": .string(name)]]
        var entries = ManagedFields.entries(of: base)
        let newSet = ManagedFields.trackedFields(of: applied, type: type, subresource: subresource)

        var conflicts: [Conflict] = []
        for entry in entries where entry.manager != manager {
            for path in newSet.paths.intersection(entry.fields.paths) {
                if case .key = path.last { continue }
                if base.value(at: path) != applied.value(at: path) {
                    conflicts.append(Conflict(manager: entry.manager, path: path))
                }
            }
        }
        if !conflicts.isEmpty {
            if !force { throw conflictError(conflicts, type: type, name: name) }
            for c in conflicts {
                for i in entries.indices where entries[i].manager == c.manager {
                    entries[i].fields.paths.remove(c.path)
                }
            }
        }

        let mine = entries.firstIndex { $0.manager == manager && $0.operation == "Apply" && $0.subresource == subresource }
        let previous = mine.map { entries[$0].fields } ?? FieldSet()
        var result = merge(base, applied)

        let others = entries.enumerated().filter { $0.offset != mine }.map(\.element)
        let dropped = previous.paths.subtracting(newSet.paths).sorted { $0.count > $1.count }
        for path in dropped where !others.contains(where: { e in e.fields.paths.contains { $0.hasPrefix(path) } }) {
            result.remove(at: path)
        }

        let entry = ManagedFieldsEntry(
            manager: manager, operation: "Apply", apiVersion: type.apiVersion, time: now, subresource: subresource, fields: newSet)
        if let mine { entries[mine] = entry } else { entries.append(entry) }
        ManagedFields.set(entries, on: &result)
        return result
    }

    /// Deep merge of an apply configuration: maps merge by key, keyed lists merge by item key
    /// (applied order first, then remaining live items), everything else is replaced.
    static func merge(_ base: JSONValue, _ applied: JSONValue) -> JSONValue {
        guard case .object(var obj) = base, case .object(let patch) = applied else { return applied }
        for (k, v) in patch {
            guard let existing = obj[k] else { obj[k] = v; continue }
            switch (existing, v) {
            case (.object, .object):
                obj[k] = merge(existing, v)
            case (.array(let liveItems), .array(let appliedItems)):
                if let keys = ListKeys.keyFields(field: k, items: appliedItems),
                    ListKeys.keyFields(field: k, items: liveItems) == keys || liveItems.isEmpty
                {
                    // Items other managers added keep their place; the applier's new items are appended.
                    // If the applier covers every item, its order wins (it may be reordering its own list).
                    let appliedKeys = appliedItems.map { ListKeys.key(of: $0, fields: keys) }
                    let liveKeys = liveItems.map { ListKeys.key(of: $0, fields: keys) }
                    var merged: [JSONValue] = []
                    if Set(liveKeys).isSubset(of: appliedKeys) {
                        for (item, key) in zip(appliedItems, appliedKeys) {
                            merged.append(liveKeys.firstIndex(of: key).map { merge(liveItems[$0], item) } ?? item)
                        }
                    } else {
                        for (item, key) in zip(liveItems, liveKeys) {
                            merged.append(appliedKeys.firstIndex(of: key).map { merge(item, appliedItems[$0]) } ?? item)
                        }
                        for (item, key) in zip(appliedItems, appliedKeys) where !liveKeys.contains(key) { merged.append(item) }
                    }
                    obj[k] = .array(merged)
                } else {
                    obj[k] = v
                }
            default:
                obj[k] = v
            }
        }
        return .object(obj)
    }

    /// The 409 the real server returns, whose message kubectl prints verbatim with advice to use --force-conflicts.
    static func conflictError(_ conflicts: [Conflict], type: ResourceType, name: String) -> APIError {
        let sorted = conflicts.sorted { ($0.manager, $0.path.dotted) < ($1.manager, $1.path.dotted) }
        let byManager = Dictionary(grouping: sorted, by: \.manager)
        let count = conflicts.count
        var message = "Apply failed with \(count) conflict\(count == 1 ? "" : "s"): "
        message += byManager.keys.sorted().map { manager -> String in
            let paths = byManager[manager]!.map(\.path.dotted)
            if paths.count == 1 { return "conflict with \"\(manager)\" using \(type.apiVersion): \(paths[0])" }
            return "conflicts with \"\(manager)\" using \(type.apiVersion):\n" + paths.map { "- " + $0 }.joined(separator: "\n")
        }.joined(separator: "\n")
        var details: JSONValue = ["name": .string(name), "kind": .string(type.plural)]
        if !type.group.isEmpty { details["group"] = .string(type.group) }
        details["causes"] = .array(sorted.map {
            ["reason": "FieldManagerConflict", "message": .string("conflict with \"\($0.manager)\" using \(type.apiVersion)"), "field": .string($0.path.dotted)]
        })
        return APIError(code: 409, reason: "Conflict", message: message, details: details)
    }
}

extension JSONValue {
    func removingNulls() -> JSONValue {
        switch self {
        case .object(let o): return .object(o.compactMapValues { $0 == .null ? nil : $0.removingNulls() })
        case .array(let a): return .array(a.map { $0.removingNulls() })
        default: return self
        }
    }
}
