// Server-side printing: `kubectl get` asks for `as=Table` and prints the columns the server
// chooses. Common kinds get their familiar columns; everything else NAME and AGE.

import Foundation
import HawserProtocol

enum Table {
    private struct Column {
        var name: String
        var type = "string"
        var cell: (JSONValue) -> JSONValue
    }

    static func render(_ items: [JSONValue], type: ResourceType, resourceVersion: String, includeObject: String?) -> JSONValue {
        let cols = columns(for: type)
        let rows: [JSONValue] = items.map { obj in
            var row: JSONValue = ["cells": .array(cols.map { $0.cell(obj) })]
            switch includeObject {
            case "None": break
            case "Object": row["object"] = obj
            default:
                row["object"] = ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"] ?? [:]]
            }
            return row
        }
        return [
            "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": ["resourceVersion": .string(resourceVersion)],
            "columnDefinitions": .array(cols.map {
                ["name": .string($0.name), "type": .string($0.type), "format": .string($0.name == "Name" ? "name" : ""), "description": "", "priority": 0]
            }),
            "rows": .array(rows),
        ]
    }

    private static func columns(for type: ResourceType) -> [Column] {
        let name = Column(name: "Name") { .string($0.name) }
        let age = Column(name: "Age") { .string(Table.age($0[path: ["metadata", "creationTimestamp"]]?.stringValue)) }
        func int(_ path: [String]) -> (JSONValue) -> JSONValue { { .int($0[path: path]?.intValue ?? 0) } }
        switch (type.group, type.kind) {
        case ("apps", "Deployment"):
            return [
                name,
                Column(name: "Ready") { o in .string("\(o[path: ["status", "readyReplicas"]]?.intValue ?? 0)/\(o[path: ["spec", "replicas"]]?.intValue ?? 0)") },
                Column(name: "Up-to-date", type: "integer", cell: int(["status", "updatedReplicas"])),
                Column(name: "Available", type: "integer", cell: int(["status", "availableReplicas"])),
                age,
            ]
        case ("apps", "StatefulSet"):
            return [name, Column(name: "Ready") { o in .string("\(o[path: ["status", "readyReplicas"]]?.intValue ?? 0)/\(o[path: ["spec", "replicas"]]?.intValue ?? 0)") }, age]
        case ("", "Service"):
            return [
                name,
                Column(name: "Type") { $0[path: ["spec", "type"]] ?? "" },
                Column(name: "Cluster-IP") { $0[path: ["spec", "clusterIP"]] ?? "" },
                Column(name: "External-IP") { o in
                    let ingress = (o[path: ["status", "loadBalancer", "ingress"]]?.arrayValue ?? []).compactMap { $0["ip"]?.stringValue ?? $0["hostname"]?.stringValue }
                    if !ingress.isEmpty { return .string(ingress.joined(separator: ",")) }
                    return o[path: ["spec", "type"]] == "LoadBalancer" ? "<pending>" : "<none>"
                },
                Column(name: "Port(s)") { o in
                    let ports = (o[path: ["spec", "ports"]]?.arrayValue ?? []).map { p in
                        "\(p["port"]?.intValue ?? 0)\(p["nodePort"]?.intValue.map { ":\($0)" } ?? "")/\(p["protocol"]?.stringValue ?? "TCP")"
                    }
                    return .string(ports.isEmpty ? "<none>" : ports.joined(separator: ","))
                },
                age,
            ]
        case ("apps", "DaemonSet"):
            return [name, Column(name: "Desired", type: "integer", cell: int(["status", "desiredNumberScheduled"])),
                    Column(name: "Current", type: "integer", cell: int(["status", "currentNumberScheduled"])),
                    Column(name: "Ready", type: "integer", cell: int(["status", "numberReady"])),
                    Column(name: "Up-to-date", type: "integer", cell: int(["status", "updatedNumberScheduled"])),
                    Column(name: "Available", type: "integer", cell: int(["status", "numberAvailable"])), age]
        case ("batch", "Job"):
            return [name, Column(name: "Status") { o in
                        let conditions = o[path: ["status", "conditions"]]?.arrayValue ?? []
                        let met = { (type: String) in conditions.contains { $0["type"]?.stringValue == type && $0["status"] == "True" } }
                        return met("Complete") ? "Complete" : met("Failed") ? "Failed" : o[path: ["spec", "suspend"]] == true ? "Suspended" : "Running"
                    },
                    Column(name: "Completions") { o in
                        .string("\(o[path: ["status", "succeeded"]]?.intValue ?? 0)/\(o[path: ["spec", "completions"]]?.intValue ?? 1)")
                    }, age]
        case ("", "PersistentVolumeClaim"):
            return [name, Column(name: "Status") { $0[path: ["status", "phase"]] ?? "Pending" },
                    Column(name: "Capacity") { $0[path: ["status", "capacity", "storage"]] ?? "" }, age]
        case ("", "Namespace"):
            return [name, Column(name: "Status") { $0[path: ["status", "phase"]] ?? "" }, age]
        case ("", "Pod"):
            return [name, Column(name: "Status") { o in
                // A waiting container's reason (CrashLoopBackOff) wins over the phase, as in kubectl.
                let waiting = (o[path: ["status", "containerStatuses"]]?.arrayValue ?? []).compactMap { $0[path: ["state", "waiting", "reason"]] }
                return waiting.first ?? o[path: ["status", "phase"]] ?? "Pending"
            }, age]
        case ("", "ConfigMap"):
            return [name, Column(name: "Data", type: "integer") { .int(Int64(($0["data"]?.objectValue?.count ?? 0) + ($0["binaryData"]?.objectValue?.count ?? 0))) }, age]
        case ("", "Secret"):
            return [name, Column(name: "Type") { $0["type"] ?? "" }, Column(name: "Data", type: "integer") { .int(Int64($0["data"]?.objectValue?.count ?? 0)) }, age]
        default:
            return [name, age]
        }
    }

    /// kubectl's short duration format: 45s, 3m12s, 5h, 2d.
    static func age(_ timestamp: String?) -> String {
        guard let timestamp, let date = try? Date(timestamp, strategy: .iso8601) else { return "<unknown>" }
        let s = max(0, Int(Date().timeIntervalSince(date)))
        switch s {
        case ..<120: return "\(s)s"
        case ..<600: return "\(s / 60)m\(s % 60 == 0 ? "" : "\(s % 60)s")"
        case ..<(3 * 3600): return "\(s / 60)m"
        case ..<(48 * 3600): return "\(s / 3600)h"
        default: return "\(s / 86400)d"
        }
    }
}
