import Foundation
import HawserProtocol

/// An Application as written in a file, in Argo CD's shape (`argoproj.io/v1alpha1`, accepted as
/// Argo CD writes it) or Hawser's (`hawser.io/v1`: the same shape, plus fleet targeting in
/// `spec.destination.clusterSelector` and `spec.rollout`).
///
/// What Hawser cannot do is never dropped unseen: a field it ignores is a warning, and a source
/// it cannot render the same way (plugins, jsonnet, Helm repository charts, several sources,
/// kustomize options) is an error naming the field.
public struct ApplicationDocument: Sendable, Hashable {
    public var spec: AppSpec
    /// Argo CD's resources finalizer: when a config repository removes the app, what it
    /// deployed is deleted too (without it, the app goes and its objects stay, as in Argo CD).
    public var deletesResources: Bool
    /// `Prune=false` in the app's sync-options annotation: a config repository never removes it.
    public var pruneDisabled: Bool
    /// The field that named the cluster, for messages about it.
    public var clusterField: String

    public init(spec: AppSpec, deletesResources: Bool = false, pruneDisabled: Bool = false, clusterField: String = "spec.destination.name") {
        self.spec = spec
        self.deletesResources = deletesResources
        self.pruneDisabled = pruneDisabled
        self.clusterField = clusterField
    }

    public static let resourcesFinalizers: Set<String> = [
        "resources-finalizer.argocd.argoproj.io", "resources-finalizer.argocd.argoproj.io/background", "resources-finalizer.argocd.argoproj.io/foreground",
    ]
    public static let syncOptionAnnotations = ["argocd.argoproj.io/sync-options", "hawser.io/sync-options"]

    static func known(_ version: ConfigAPIVersion) -> KnownFields {
        var destination: [String: KnownFields] = ["server": .value, "name": .value, "namespace": .value]
        var spec: [String: KnownFields] = [
            "project": .value, "source": source, "sources": .list(source),
            "destination": .fields([:]),
            "syncPolicy": .fields([
                "automated": .fields(["prune": .value, "selfHeal": .value, "enabled": .value,
                                      "allowEmpty": .unsupported("not supported")]),
                "syncOptions": .value,
                "retry": .fields(["limit": .value, "backoff": .fields(["duration": .value, "factor": .value, "maxDuration": .value])]),
                "managedNamespaceMetadata": .unsupported("labels and annotations for the created namespace are not supported"),
            ]),
            "ignoreDifferences": .list(.fields([
                "group": .value, "kind": .value, "name": .value, "namespace": .value, "jsonPointers": .value,
                "jqPathExpressions": .unsupported("jq path expressions are not supported; use jsonPointers"),
                "managedFieldsManagers": .unsupported("ignoring fields by manager is not supported; use jsonPointers"),
            ])),
            "revisionHistoryLimit": .value,
            "info": .unsupported("informational links are not shown by Hawser"),
        ]
        if version == .hawser {
            destination["clusterSelector"] = .value
            spec["rollout"] = .fields(["maxUnavailable": .value])
        }
        spec["destination"] = .fields(destination)
        return .fields([
            "apiVersion": .value, "kind": .value, "metadata": .fields(KnownFields.metadata), "spec": .fields(spec),
            "status": .ignored,
            "operation": .unsupported("an operation written in a file is not started; run `hawser app sync`"),
        ])
    }

    static let source: KnownFields = .fields([
        "repoURL": .value, "path": .value, "targetRevision": .value,
        "directory": .fields(["recurse": .value, "include": .value, "exclude": .value, "jsonnet": .value]),
        "helm": .fields([
            "releaseName": .value, "valueFiles": .value, "values": .value, "valuesObject": .value,
            "parameters": .list(.fields(["name": .value, "value": .value, "forceString": .value])),
            "fileParameters": .refused("Helm file parameters are not supported; put the values in a values file (spec.source.helm.valueFiles)"),
            "ignoreMissingValueFiles": .unsupported("every values file must exist"),
            "passCredentials": .unsupported("Hawser renders charts from Git only"),
            "skipCrds": .unsupported("not supported"), "skipTests": .unsupported("not supported"),
            "skipSchemaValidation": .unsupported("not supported"), "version": .unsupported("Hawser runs Helm 3"),
            "namespace": .unsupported("charts render into the application's destination namespace"),
            "kubeVersion": .unsupported("not supported"), "apiVersions": .unsupported("not supported"),
        ]),
        "kustomize": .value, "plugin": .value,
        "chart": .refused("charts from Helm repositories are not supported: point spec.source.repoURL at a Git repository holding the chart, and spec.source.path at its directory"),
        "ref": .unsupported("references between sources are not supported"),
        "name": .unsupported("source names are not used"),
    ])

    // MARK: Reading

    static func read(_ o: [String: JSONValue], apiVersion: ConfigAPIVersion, serverClusters: [String: String], _ c: inout DocumentContext) -> ApplicationDocument? {
        known(apiVersion).check(.object(o), "", &c)
        guard let name = ConfigFiles.name(o, what: "Application", &c) else { return nil }
        let metadata = c.object(o["metadata"], "metadata") ?? [:]
        let specObject = c.object(o["spec"], "spec") ?? [:]
        if o["spec"] == nil { c.error("spec", "an Application needs a spec (source and destination)") }

        // Source: one, as `source` or a one-item `sources`.
        var sourceField = "spec.source"
        var sourceValue = specObject["source"]
        if let sources = c.list(specObject["sources"], "spec.sources") {
            if sources.count > 1 {
                c.error("spec.sources", "an application with \(sources.count) sources is not supported; give one spec.source, or split it into one application per source")
            } else if let only = sources.first {
                if sourceValue != nil { c.warn("spec.source", "spec.sources is set, so spec.source is ignored (as in Argo CD)") }
                sourceValue = only
                sourceField = "spec.sources[0]"
            }
        }
        let source = c.object(sourceValue, sourceField) ?? [:]
        if sourceValue == nil, o["spec"] != nil { c.error(sourceField, "the application needs a source: spec.source.repoURL and spec.source.path") }
        if let kustomize = source["kustomize"], kustomize != .null, kustomize != .object([:]) {
            c.error("\(sourceField).kustomize", "kustomize options in the application are not supported; put them in the kustomization.yaml of spec.source.path (images, namePrefix, patches…)")
        }
        if let plugin = source["plugin"], plugin != .null {
            c.error("\(sourceField).plugin", "config management plugins are not supported; render the manifests in CI and commit them, or use Helm or kustomize")
        }
        let repoURL = c.string(source["repoURL"], "\(sourceField).repoURL") ?? ""
        if repoURL.isEmpty, sourceValue != nil { c.error("\(sourceField).repoURL", "the Git repository's URL is required") }
        let directory = readDirectory(source["directory"], "\(sourceField).directory", argocd: apiVersion == .argocd, hasHelm: source["helm"] != nil, &c)
        let helm = readHelm(source["helm"], "\(sourceField).helm", &c)

        // Destination: one cluster by name (or Argo CD's server URL), or a selector.
        let destination = c.object(specObject["destination"], "spec.destination") ?? [:]
        var cluster = ""
        var clusterField = "spec.destination.name"
        let byName = c.string(destination["name"], "spec.destination.name")
        let byServer = c.string(destination["server"], "spec.destination.server")
        // Fleet targeting is Hawser's own: in an Argo CD Application it is an unknown field.
        let hawser = apiVersion == .hawser
        let selector = hawser ? c.string(destination["clusterSelector"], "spec.destination.clusterSelector") : nil
        switch (byName, byServer, selector) {
        case (let n?, nil, nil): cluster = n
        case (nil, let s?, nil):
            cluster = serverClusters[s] ?? s
            clusterField = "spec.destination.server"
        case (nil, nil, .some): clusterField = "spec.destination.clusterSelector"
        case (nil, nil, nil):
            if o["spec"] != nil {
                c.error("spec.destination", "the application needs a destination: spec.destination.name (a registered cluster)" + (apiVersion == .hawser ? " or spec.destination.clusterSelector" : ""))
            }
        default:
            c.error("spec.destination", "give one of spec.destination.name, spec.destination.server" + (apiVersion == .hawser ? " and spec.destination.clusterSelector" : "") + ", not several")
        }
        let namespace = c.string(destination["namespace"], "spec.destination.namespace") ?? ""
        if namespace.isEmpty, specObject["destination"] != nil {
            c.error("spec.destination.namespace", "the destination namespace is required: objects without a namespace are deployed there")
        }

        let rollout: RolloutStrategy? = (hawser ? c.object(specObject["rollout"], "spec.rollout") : nil).flatMap { r in
            switch r["maxUnavailable"] {
            case .int(let i)?: return RolloutStrategy(maxUnavailable: String(i))
            case let v: return c.string(v, "spec.rollout.maxUnavailable").map { RolloutStrategy(maxUnavailable: $0) }
            }
        }
        let annotations = c.stringMap(metadata["annotations"], "metadata.annotations") ?? [:]
        var pruneDisabled = false
        for key in annotations.keys.sorted() {
            if syncOptionAnnotations.contains(key) {
                pruneDisabled = pruneDisabled || SyncOption.parse(annotations[key]).contains(SyncOption.pruneFalse)
            } else {
                c.warn("metadata.annotations.\(key)", "annotations of an Application are not used by Hawser; ignored")
            }
        }
        let finalizers = c.strings(metadata["finalizers"], "metadata.finalizers") ?? []
        for (i, f) in finalizers.enumerated() where !resourcesFinalizers.contains(f) {
            c.warn("metadata.finalizers[\(i)]", "finalizer \"\(f)\" is not used by Hawser; ignored")
        }
        let spec = AppSpec(
            name: name, project: c.string(specObject["project"], "spec.project") ?? "default", repoURL: repoURL,
            path: c.string(source["path"], "\(sourceField).path") ?? ".", targetRevision: c.string(source["targetRevision"], "\(sourceField).targetRevision") ?? "HEAD",
            cluster: cluster, namespace: namespace,
            syncPolicy: readSyncPolicy(specObject["syncPolicy"], &c),
            ignoreDifferences: readIgnoreDifferences(specObject["ignoreDifferences"], &c),
            revisionHistoryLimit: c.int(specObject["revisionHistoryLimit"], "spec.revisionHistoryLimit") ?? 10,
            labels: c.stringMap(metadata["labels"], "metadata.labels") ?? [:],
            directory: directory, helm: helm, clusterSelector: selector, rollout: rollout)
        return ApplicationDocument(spec: spec, deletesResources: finalizers.contains(where: resourcesFinalizers.contains),
                                   pruneDisabled: pruneDisabled, clusterField: clusterField)
    }

    /// Argo CD reads a plain directory without subdirectories unless `recurse: true`; Hawser's
    /// own default recurses. An Argo CD Application keeps Argo CD's meaning.
    static func readDirectory(_ value: JSONValue?, _ field: String, argocd: Bool, hasHelm: Bool, _ c: inout DocumentContext) -> DirectoryOptions? {
        guard let d = c.object(value, field) else { return argocd && !hasHelm ? DirectoryOptions(recurse: false) : nil }
        if let jsonnet = d["jsonnet"], jsonnet != .null, jsonnet != .object([:]) {
            c.error("\(field).jsonnet", "jsonnet is not supported; render it to YAML in CI and commit the output, or use Helm or kustomize")
        }
        var options = DirectoryOptions(recurse: c.bool(d["recurse"], "\(field).recurse"),
                                       include: c.string(d["include"], "\(field).include"), exclude: c.string(d["exclude"], "\(field).exclude"))
        if argocd && options.recurse == nil { options.recurse = false }
        return options
    }

    static func readHelm(_ value: JSONValue?, _ field: String, _ c: inout DocumentContext) -> HelmOptions? {
        guard let h = c.object(value, field) else { return nil }
        var values = c.string(h["values"], "\(field).values")
        if let object = h["valuesObject"], object != .null {
            if values != nil { c.warn("\(field).values", "valuesObject is set, so values is ignored (as in Argo CD)") }
            values = YAMLTree.from(object).yaml()
        }
        let parameters: [HelmParameter]? = c.list(h["parameters"], "\(field).parameters").map { items in
            items.enumerated().compactMap { i, item in
                let at = "\(field).parameters[\(i)]"
                guard let p = c.object(item, at) else { return nil }
                guard let name = c.string(p["name"], "\(at).name"), !name.isEmpty else {
                    c.error("\(at).name", "a Helm parameter needs a name")
                    return nil
                }
                let value: String
                switch p["value"] {
                case .int(let n)?: value = String(n)
                case .bool(let b)?: value = String(b)
                case let v: value = c.string(v, "\(at).value") ?? ""
                }
                return HelmParameter(name: name, value: value, forceString: c.bool(p["forceString"], "\(at).forceString"))
            }
        }
        return HelmOptions(releaseName: c.string(h["releaseName"], "\(field).releaseName"), valueFiles: c.strings(h["valueFiles"], "\(field).valueFiles"),
                           values: values, parameters: parameters)
    }

    static func readSyncPolicy(_ value: JSONValue?, _ c: inout DocumentContext) -> SyncPolicy {
        guard let p = c.object(value, "spec.syncPolicy") else { return SyncPolicy() }
        var policy = SyncPolicy()
        if let automated = c.object(p["automated"], "spec.syncPolicy.automated") {
            policy.automated = c.bool(automated["enabled"], "spec.syncPolicy.automated.enabled") ?? true
            policy.prune = c.bool(automated["prune"], "spec.syncPolicy.automated.prune") ?? false
            policy.selfHeal = c.bool(automated["selfHeal"], "spec.syncPolicy.automated.selfHeal") ?? false
        }
        for (i, option) in (c.strings(p["syncOptions"], "spec.syncPolicy.syncOptions") ?? []).enumerated() {
            if SyncOption.known.contains(option) {
                policy.syncOptions.append(option)
            } else {
                c.warn("spec.syncPolicy.syncOptions[\(i)]", "sync option \"\(option)\" is not supported by Hawser (it knows \(SyncOption.known.sorted().joined(separator: ", "))); ignored")
            }
        }
        if let r = c.object(p["retry"], "spec.syncPolicy.retry") {
            var retry = RetryPolicy()
            retry.limit = c.int(r["limit"], "spec.syncPolicy.retry.limit") ?? retry.limit
            if let b = c.object(r["backoff"], "spec.syncPolicy.retry.backoff") {
                retry.backoffSeconds = duration(b["duration"], "spec.syncPolicy.retry.backoff.duration", &c) ?? retry.backoffSeconds
                retry.factor = c.number(b["factor"], "spec.syncPolicy.retry.backoff.factor") ?? retry.factor
                retry.maxBackoffSeconds = duration(b["maxDuration"], "spec.syncPolicy.retry.backoff.maxDuration", &c) ?? retry.maxBackoffSeconds
            }
            policy.retry = retry
        }
        return policy
    }

    static func readIgnoreDifferences(_ value: JSONValue?, _ c: inout DocumentContext) -> [IgnoreDifference] {
        (c.list(value, "spec.ignoreDifferences") ?? []).enumerated().compactMap { i, item in
            let at = "spec.ignoreDifferences[\(i)]"
            guard let d = c.object(item, at) else { return nil }
            let pointers = c.strings(d["jsonPointers"], "\(at).jsonPointers") ?? []
            if pointers.isEmpty, d["jqPathExpressions"] == nil && d["managedFieldsManagers"] == nil {
                c.error("\(at).jsonPointers", "list the JSON pointers to ignore, e.g. [/spec/replicas]")
            }
            guard let kind = c.string(d["kind"], "\(at).kind"), !kind.isEmpty else {
                c.error("\(at).kind", "the kind of the objects whose fields are ignored is required")
                return nil
            }
            guard !pointers.isEmpty else { return nil }
            return IgnoreDifference(group: c.string(d["group"], "\(at).group") ?? "", kind: kind, name: c.string(d["name"], "\(at).name"),
                                    namespace: c.string(d["namespace"], "\(at).namespace"), jsonPointers: pointers)
        }
    }

    /// Go's duration syntax as Argo CD writes it (`5s`, `3m`, `1h30m`, `500ms`), or a number
    /// of seconds.
    static func duration(_ value: JSONValue?, _ field: String, _ c: inout DocumentContext) -> Double? {
        if case .int(let i)? = value { return Double(i) }
        if case .double(let d)? = value { return d }
        guard let text = c.string(value, field) else { return nil }
        guard let seconds = GoDuration.seconds(text) else {
            c.error(field, "\"\(text)\" is not a duration; write e.g. 5s, 3m or 1h30m")
            return nil
        }
        return seconds
    }

    // MARK: Writing

    /// The `hawser.io/v1` document `read` turns back into the same spec.
    public static func write(_ spec: AppSpec, deletesResources: Bool = false) -> YAMLTree {
        var metadata: [(String, YAMLTree)] = [("name", .string(spec.name))]
        if !spec.labels.isEmpty { metadata.append(("labels", .stringMap(spec.labels))) }
        if deletesResources { metadata.append(("finalizers", .list([.string("resources-finalizer.argocd.argoproj.io")]))) }

        var source: [(String, YAMLTree)] = [("repoURL", .string(spec.repoURL)), ("path", .string(spec.path)), ("targetRevision", .string(spec.targetRevision))]
        if let d = spec.directory {
            var fields: [(String, YAMLTree)] = []
            if let r = d.recurse { fields.append(("recurse", .bool(r))) }
            if let i = d.include { fields.append(("include", .string(i))) }
            if let e = d.exclude { fields.append(("exclude", .string(e))) }
            source.append(("directory", .map(fields)))
        }
        if let h = spec.helm {
            var fields: [(String, YAMLTree)] = []
            if let r = h.releaseName { fields.append(("releaseName", .string(r))) }
            if let f = h.valueFiles { fields.append(("valueFiles", .list(f.map { .string($0) }))) }
            if let v = h.values { fields.append(("values", .string(v))) }
            if let ps = h.parameters {
                fields.append(("parameters", .list(ps.map { p in
                    var f: [(String, YAMLTree)] = [("name", .string(p.name)), ("value", .string(p.value))]
                    if let s = p.forceString { f.append(("forceString", .bool(s))) }
                    return .map(f)
                })))
            }
            source.append(("helm", .map(fields)))
        }
        var destination: [(String, YAMLTree)] = []
        if let selector = spec.clusterSelector { destination.append(("clusterSelector", .string(selector))) } else { destination.append(("name", .string(spec.cluster))) }
        destination.append(("namespace", .string(spec.namespace)))

        var body: [(String, YAMLTree)] = [("project", .string(spec.project)), ("source", .map(source)), ("destination", .map(destination))]
        let p = spec.syncPolicy
        var policy: [(String, YAMLTree)] = []
        if p.automated || p.prune || p.selfHeal {
            var automated: [(String, YAMLTree)] = [("prune", .bool(p.prune)), ("selfHeal", .bool(p.selfHeal))]
            if !p.automated { automated.append(("enabled", .bool(false))) }
            policy.append(("automated", .map(automated)))
        }
        if !p.syncOptions.isEmpty { policy.append(("syncOptions", .list(p.syncOptions.map { .string($0) }))) }
        if let r = p.retry {
            policy.append(("retry", .map([("limit", .int(r.limit)), ("backoff", .map([
                ("duration", .string(GoDuration.format(r.backoffSeconds))), ("factor", .number(r.factor)),
                ("maxDuration", .string(GoDuration.format(r.maxBackoffSeconds))),
            ]))])))
        }
        if !policy.isEmpty { body.append(("syncPolicy", .map(policy))) }
        if !spec.ignoreDifferences.isEmpty {
            body.append(("ignoreDifferences", .list(spec.ignoreDifferences.map { d in
                var f: [(String, YAMLTree)] = [("group", .string(d.group)), ("kind", .string(d.kind))]
                if let n = d.name { f.append(("name", .string(n))) }
                if let ns = d.namespace { f.append(("namespace", .string(ns))) }
                f.append(("jsonPointers", .list(d.jsonPointers.map { .string($0) })))
                return .map(f)
            })))
        }
        if spec.revisionHistoryLimit != 10 { body.append(("revisionHistoryLimit", .int(spec.revisionHistoryLimit))) }
        if let r = spec.rollout { body.append(("rollout", .map([("maxUnavailable", .string(r.maxUnavailable))]))) }
        return .map([("apiVersion", .string(ConfigAPIVersion.hawser.rawValue)), ("kind", .string("Application")),
                     ("metadata", .map(metadata)), ("spec", .map(body))])
    }
}

/// Go's `time.Duration` text, as Argo CD's retry backoff uses it.
enum GoDuration {
    static let units: [(String, Double)] = [("h", 3600), ("m", 60), ("s", 1), ("ms", 0.001), ("us", 0.000_001), ("µs", 0.000_001), ("ns", 0.000_000_001)]

    static func seconds(_ text: String) -> Double? {
        let s = text.trimmingCharacters(in: .whitespaces)
        if let plain = Double(s), plain >= 0 { return plain }
        var rest = Substring(s)
        var total = 0.0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { $0.isLetter || $0 == "µ" }
            // Longest unit first: "ms" before "m".
            guard let unit = units.sorted(by: { $0.0.count > $1.0.count }).first(where: { $0.0 == unitText }) else { return nil }
            rest = rest.dropFirst(unitText.count)
            total += value * unit.1
        }
        return total
    }

    /// `180` → `3m`, `5` → `5s`, `5400` → `1h30m`, `2.5` → `2.5s`.
    static func format(_ seconds: Double) -> String {
        guard seconds == seconds.rounded(), seconds >= 1, seconds < 1e12 else {
            return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
        }
        var left = Int(seconds)
        var out = ""
        for (unit, size) in [("h", 3600), ("m", 60), ("s", 1)] where left >= size {
            out += "\(left / size)\(unit)"
            left %= size
        }
        return out
    }
}
