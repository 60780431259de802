import AgentEngine
import HawserProtocol
import Testing

@Suite struct SyncWavesTests {
    func planned(_ kind: String, _ name: String, wave: String? = nil, argo: String? = nil) -> PlannedObject {
        var annotations: [String: JSONValue] = [:]
        if let wave { annotations["hawser.io/sync-wave"] = .string(wave) }
        if let argo { annotations["argocd.argoproj.io/sync-wave"] = .string(argo) }
        let object: JSONValue = ["apiVersion": "v1", "kind": .string(kind), "metadata": ["name": .string(name), "annotations": .object(annotations)]]
        return PlannedObject(key: ResourceKey(object: object, defaultNamespace: "ns")!, object: object, source: "\(name).yaml", line: 1)
    }

    @Test func groupsByWaveAscendingKeepingKindOrderInside() {
        let objects = [
            planned("ConfigMap", "late", wave: "5"),
            planned("Namespace", "first"),
            planned("Service", "svc"),
            planned("ConfigMap", "early", argo: "-1"),
        ]
        let (waves, errors) = SyncWaves.group(objects)
        #expect(errors.isEmpty)
        #expect(waves.map(\.wave) == [-1, 0, 5])
        #expect(waves[1].objects.map(\.key.name) == ["first", "svc"], "the plan's order is kept within a wave")
        #expect(waves[0].objects.map(\.key.name) == ["early"])
    }

    @Test func hawserAnnotationWinsOverArgo() throws {
        #expect(try SyncWaves.wave(of: planned("ConfigMap", "x", wave: "2", argo: "9").object) == 2)
    }

    @Test func nonIntegerWaveIsAnErrorNamingTheFile() {
        let (_, errors) = SyncWaves.group([planned("ConfigMap", "bad", wave: "soon")])
        #expect(errors.count == 1)
        #expect(errors.first?.description.contains("bad.yaml:1") == true)
        #expect(errors.first?.message.contains("soon") == true)
    }

    @Test func resourceSyncOptionsComeFromEitherAnnotation() {
        let object: JSONValue = ["metadata": ["annotations": ["argocd.argoproj.io/sync-options": "Prune=false, PruneLast=true"]]]
        #expect(ResourceSyncOptions.of(object) == ["Prune=false", "PruneLast=true"])
    }
}

@Suite struct IgnoreDifferencesTests {
    let key = ResourceKey(group: "apps", version: "v1", kind: "Deployment", namespace: "ns", name: "web")
    let live: JSONValue = ["spec": ["replicas": 5, "template": ["metadata": ["annotations": ["a/b": "x", "keep": "y"]]]], "list": [1, 2, 3]]

    @Test func stripsMatchingPointersOnly() {
        let rules = [IgnoreDifference(group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas", "/spec/template/metadata/annotations/a~1b", "/list/1", "/missing/field"])]
        let stripped = IgnoreDifferences.strip(live, key: key, rules: rules)
        #expect(stripped[path: ["spec", "replicas"]] == nil)
        #expect(stripped[path: ["spec", "template", "metadata", "annotations"]] == ["keep": "y"])
        #expect(stripped["list"] == [1, 3])
    }

    @Test func otherKindsAndNamesAreUntouched() {
        let otherName = [IgnoreDifference(group: "apps", kind: "Deployment", name: "api", jsonPointers: ["/spec/replicas"])]
        let otherKind = [IgnoreDifference(group: "apps", kind: "StatefulSet", jsonPointers: ["/spec/replicas"])]
        #expect(IgnoreDifferences.strip(live, key: key, rules: otherName) == live)
        #expect(IgnoreDifferences.strip(live, key: key, rules: otherKind) == live)
    }

    @Test func ignoredDriftCompareSynced() {
        let desired: JSONValue = ["spec": ["replicas": 1]]
        let rules = [IgnoreDifference(group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"])]
        #expect(compare(desired: desired, live: live).status == .outOfSync)
        #expect(compare(desired: IgnoreDifferences.strip(desired, key: key, rules: rules), live: IgnoreDifferences.strip(live, key: key, rules: rules)).status == .synced)
    }
}

@Suite struct RetryPolicyTests {
    @Test func backoffGrowsByTheFactorAndIsCapped() {
        let p = RetryPolicy(limit: 5, backoffSeconds: 5, factor: 2, maxBackoffSeconds: 30)
        #expect([1, 2, 3, 4, 5].map { p.delay(beforeRetry: $0) } == [5, 10, 20, 30, 30])
    }
}

@Suite struct HookParsingTests {
    func planned(_ annotations: [String: JSONValue]) -> PlannedObject {
        let object: JSONValue = ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "h", "annotations": .object(annotations)]]
        return PlannedObject(key: ResourceKey(object: object, defaultNamespace: "ns")!, object: object, source: "h.yaml", line: 3)
    }

    @Test func hawserArgoAndHelmAnnotations() {
        let split = Hooks.split([
            planned(["hawser.io/hook": "PreSync,PostSync", "hawser.io/hook-delete-policy": "HookSucceeded"]),
            planned(["argocd.argoproj.io/hook": "SyncFail"]),
            planned(["helm.sh/hook": "pre-install,pre-upgrade", "helm.sh/hook-weight": "-5", "helm.sh/hook-delete-policy": "hook-failed"]),
            planned(["helm.sh/hook": "test"]),
            planned(["argocd.argoproj.io/hook": "Skip"]),
            planned([:]),
        ])
        #expect(split.errors.isEmpty)
        #expect(split.hooks.count == 3)
        #expect(split.resources.count == 1, "Helm test hooks and Skip are neither hooks nor resources: only the plain object is applied")
        #expect(split.hooks[0].phases == [.preSync, .postSync])
        #expect(split.hooks[0].deletePolicies == [.hookSucceeded])
        #expect(split.hooks[1].phases == [.syncFail])
        #expect(split.hooks[1].deletePolicies == [.beforeHookCreation], "Argo CD's default policy")
        #expect(split.hooks[2].phases == [.preSync] && split.hooks[2].wave == -5 && split.hooks[2].deletePolicies == [.hookFailed])
    }

    @Test func unknownHookIsAnErrorWithItsLocation() {
        let split = Hooks.split([planned(["hawser.io/hook": "PreSnyc"])])
        #expect(split.errors.first?.description == "h.yaml:3: unknown hook \"PreSnyc\" (use PreSync, Sync, PostSync or SyncFail)")
    }
}

@Suite struct UnifiedDiffTests {
    @Test func showsOnlyWhatTheManifestSetsWithContext() {
        let desired: JSONValue = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
                                  "spec": ["replicas": 2, "template": ["spec": ["containers": [["name": "app", "image": "nginx:1.27"]]]]]]
        let live: JSONValue = ["apiVersion": "apps/v1", "kind": "Deployment",
                               "metadata": ["name": "web", "uid": "123", "resourceVersion": "9"],
                               "spec": ["replicas": 5, "progressDeadlineSeconds": 600,
                                        "template": ["spec": ["containers": [["name": "app", "image": "nginx:1.25", "imagePullPolicy": "IfNotPresent"]]]]],
                               "status": ["readyReplicas": 5]]
        let diff = UnifiedDiff.render(desired: desired, live: live)
        let lines = diff.split(separator: "\n").map(String.init)
        #expect(lines.prefix(2) == ["--- live", "+++ desired"])
        #expect(lines.contains("-  replicas: 5"))
        #expect(lines.contains("+  replicas: 2"))
        #expect(lines.contains("-        - image: nginx:1.25"))
        #expect(lines.contains("+        - image: nginx:1.27"))
        #expect(lines.firstIndex(of: "-  replicas: 5")! < lines.firstIndex(of: "+  replicas: 2")!, "removed lines come first")
        #expect(lines.contains { $0.hasPrefix("@@ -") })
        for noise in ["uid", "resourceVersion", "progressDeadlineSeconds", "imagePullPolicy", "readyReplicas"] {
            #expect(!diff.contains(noise), "\(noise) is not part of what the manifest sets")
        }
    }

    @Test func equalObjectsHaveNoDiff() {
        let o: JSONValue = ["a": ["b": [1, 2]], "c": "x y"]
        #expect(UnifiedDiff.render(desired: o, live: o) == "")
    }

    @Test func compareCarriesTheUnifiedDiff() {
        let cmp = compare(desired: ["data": ["mode": "blue"]], live: ["data": ["mode": "green"], "metadata": ["uid": "1"]])
        #expect(cmp.unifiedDiff.contains("-  mode: green") && cmp.unifiedDiff.contains("+  mode: blue"), "\(cmp.unifiedDiff)")
        #expect(cmp.diff.contains("data.mode"), "the summary names the changed path")
    }
}
