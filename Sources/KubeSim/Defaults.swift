// Defaulting as the real API server does it on every write, for the fields users see in
// `kubectl get -o yaml` and that diff engines must learn to ignore (replicas, strategy,
// clusterIP, container pull policy, ...). Applied after merging, before ownership is computed for
// non-apply writes, so defaulted fields belong to whoever created the object and never to an
// applier (as in Kubernetes).

import Foundation
import HawserProtocol

struct Defaulter {
    /// Returns an unused ClusterIP from 10.96.0.0/12.
    var allocateClusterIP: () -> String
    var allocateNodePort: () -> Int64

    func apply(_ type: ResourceType, to obj: inout JSONValue, old: JSONValue?) {
        switch (type.group, type.kind) {
        case ("", "Namespace"):
            obj.setDefault(["kubernetes"], at: ["spec", "finalizers"])
            if obj[path: ["metadata", "deletionTimestamp"]] == nil { obj.set("Active", at: ["status", "phase"]) }
            if let name = obj[path: ["metadata", "name"]] { obj.set(name, at: ["metadata", "labels", "kubernetes.io/metadata.name"]) }
        case ("", "Service"):
            service(&obj, old: old)
        case ("", "Secret"):
            if obj["type"] == nil || obj["type"] == "" { obj["type"] = "Opaque" }
            if let stringData = obj["stringData"]?.objectValue {
                for (k, v) in stringData {
                    obj.set(.string(Data((v.stringValue ?? "").utf8).base64EncodedString()), at: ["data", k])
                }
                obj["stringData"] = nil
            }
        case ("", "Pod"):
            if var spec = obj["spec"] { podSpec(&spec, restartPolicy: "Always"); obj["spec"] = spec }
        case ("", "PersistentVolumeClaim"):
            obj.setDefault("Filesystem", at: ["spec", "volumeMode"])
        case ("apps", "Deployment"):
            obj.setDefault(1, at: ["spec", "replicas"])
            obj.setDefault(["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": "25%", "maxSurge": "25%"]], at: ["spec", "strategy"])
            obj.setDefault(10, at: ["spec", "revisionHistoryLimit"])
            obj.setDefault(600, at: ["spec", "progressDeadlineSeconds"])
            podTemplate(&obj, at: ["spec", "template"], restartPolicy: "Always")
        case ("apps", "StatefulSet"):
            obj.setDefault(1, at: ["spec", "replicas"])
            obj.setDefault("OrderedReady", at: ["spec", "podManagementPolicy"])
            obj.setDefault(["type": "RollingUpdate", "rollingUpdate": ["partition": 0]], at: ["spec", "updateStrategy"])
            obj.setDefault(10, at: ["spec", "revisionHistoryLimit"])
            obj.setDefault(["whenDeleted": "Retain", "whenScaled": "Retain"], at: ["spec", "persistentVolumeClaimRetentionPolicy"])
            podTemplate(&obj, at: ["spec", "template"], restartPolicy: "Always")
        case ("apps", "DaemonSet"):
            obj.setDefault(["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": 1, "maxSurge": 0]], at: ["spec", "updateStrategy"])
            obj.setDefault(10, at: ["spec", "revisionHistoryLimit"])
            podTemplate(&obj, at: ["spec", "template"], restartPolicy: "Always")
        case ("apps", "ReplicaSet"):
            obj.setDefault(1, at: ["spec", "replicas"])
            podTemplate(&obj, at: ["spec", "template"], restartPolicy: "Always")
        case ("batch", "Job"):
            job(&obj, at: ["spec"])
        case ("batch", "CronJob"):
            obj.setDefault("Allow", at: ["spec", "concurrencyPolicy"])
            obj.setDefault(false, at: ["spec", "suspend"])
            obj.setDefault(3, at: ["spec", "successfulJobsHistoryLimit"])
            obj.setDefault(1, at: ["spec", "failedJobsHistoryLimit"])
            job(&obj, at: ["spec", "jobTemplate", "spec"])
        case ("apiextensions.k8s.io", "CustomResourceDefinition"):
            obj.setDefault(["strategy": "None"], at: ["spec", "conversion"])
        default:
            break
        }
    }

    private func job(_ obj: inout JSONValue, at path: [String]) {
        guard obj[path: path] != nil else { return }
        obj.setDefault(6, at: path + ["backoffLimit"])
        obj.setDefault(1, at: path + ["completions"])
        obj.setDefault(1, at: path + ["parallelism"])
        obj.setDefault("NonIndexed", at: path + ["completionMode"])
        obj.setDefault(false, at: path + ["suspend"])
        podTemplate(&obj, at: path + ["template"], restartPolicy: nil)
    }

    private func podTemplate(_ obj: inout JSONValue, at path: [String], restartPolicy: String?) {
        guard var spec = obj[path: path + ["spec"]] else { return }
        podSpec(&spec, restartPolicy: restartPolicy)
        obj.set(spec, at: path + ["spec"])
    }

    private func podSpec(_ spec: inout JSONValue, restartPolicy: String?) {
        if let restartPolicy { spec.setDefault(.string(restartPolicy), at: ["restartPolicy"]) }
        spec.setDefault(30, at: ["terminationGracePeriodSeconds"])
        spec.setDefault("ClusterFirst", at: ["dnsPolicy"])
        spec.setDefault("default-scheduler", at: ["schedulerName"])
        spec.setDefault([:], at: ["securityContext"])
        for list in ["containers", "initContainers"] {
            guard let containers = spec[list]?.arrayValue else { continue }
            spec[list] = .array(containers.map(container))
        }
    }

    private func container(_ c: JSONValue) -> JSONValue {
        var c = c
        let image = c["image"]?.stringValue ?? ""
        let lastComponent = image.split(separator: "/").last.map(String.init) ?? image
        let tagged = lastComponent.contains(":") && !lastComponent.hasSuffix(":latest")
        c.setDefault(.string(tagged || image.contains("@") ? "IfNotPresent" : "Always"), at: ["imagePullPolicy"])
        c.setDefault("/dev/termination-log", at: ["terminationMessagePath"])
        c.setDefault("File", at: ["terminationMessagePolicy"])
        c.setDefault([:], at: ["resources"])
        if let ports = c["ports"]?.arrayValue {
            c["ports"] = .array(ports.map { p in var p = p; p.setDefault("TCP", at: ["protocol"]); return p })
        }
        return c
    }

    private func service(_ obj: inout JSONValue, old: JSONValue?) {
        let type = obj[path: ["spec", "type"]]?.stringValue ?? "ClusterIP"
        obj.set(.string(type), at: ["spec", "type"])
        obj.setDefault("None", at: ["spec", "sessionAffinity"])
        if type != "ExternalName" {
            if obj[path: ["spec", "clusterIP"]] == nil || obj[path: ["spec", "clusterIP"]] == "" {
                let ip = old?[path: ["spec", "clusterIP"]] ?? .string(allocateClusterIP())
                obj.set(ip, at: ["spec", "clusterIP"])
            }
            obj.setDefault([obj[path: ["spec", "clusterIP"]]!], at: ["spec", "clusterIPs"])
            obj.setDefault(["IPv4"], at: ["spec", "ipFamilies"])
            obj.setDefault("SingleStack", at: ["spec", "ipFamilyPolicy"])
            obj.setDefault("Cluster", at: ["spec", "internalTrafficPolicy"])
        }
        if type == "NodePort" || type == "LoadBalancer" {
            obj.setDefault("Cluster", at: ["spec", "externalTrafficPolicy"])
        }
        let oldPorts = old?[path: ["spec", "ports"]]?.arrayValue ?? []
        if let ports = obj[path: ["spec", "ports"]]?.arrayValue {
            obj.set(.array(ports.map { p in
                var p = p
                p.setDefault("TCP", at: ["protocol"])
                p.setDefault(p["port"] ?? .null, at: ["targetPort"])
                if type == "NodePort" || type == "LoadBalancer", p["nodePort"] == nil {
                    let previous = oldPorts.first { $0["port"] == p["port"] }?["nodePort"]
                    p["nodePort"] = previous ?? .int(allocateNodePort())
                }
                return p
            }), at: ["spec", "ports"])
        }
        obj.setDefault(["loadBalancer": [:]], at: ["status"])
    }
}

extension JSONValue {
    /// Sets `value` at `path` only when nothing is there yet.
    mutating func setDefault(_ value: JSONValue, at path: [String]) {
        if self[path: path] == nil || self[path: path] == .null { set(value, at: path) }
    }
}
