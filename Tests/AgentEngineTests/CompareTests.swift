import AgentEngine
import HawserProtocol
import Testing

struct CompareTests {
    static let desired: JSONValue = [
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": ["name": "web", "namespace": "shop", "labels": ["app": "web", "app.hawser.io/instance": "shop"]],
        "spec": [
            "replicas": 3,
            "strategy": ["rollingUpdate": ["maxSurge": "25%"]],
            "template": [
                "metadata": ["labels": ["app": "web"]],
                "spec": ["containers": [
                    ["name": "web", "image": "nginx:1.27", "args": ["--port", "8080"]],
                    ["name": "log", "image": "busybox"],
                ]],
            ],
        ],
    ]

    /// The desired object as the API server returns it: defaults, status and metadata added,
    /// containers reordered and a webhook-injected sidecar.
    static var live: JSONValue {
        var live = desired
        live.set("8c1d", at: ["metadata", "uid"])
        live.set("12345", at: ["metadata", "resourceVersion"])
        live.set(2, at: ["metadata", "generation"])
        live.set("2025-01-01T00:00:00Z", at: ["metadata", "creationTimestamp"])
        live.set([["manager": "hawser", "operation": "Apply"]], at: ["metadata", "managedFields"])
        live.set(["deployment.kubernetes.io/revision": "2"], at: ["metadata", "annotations"])
        live.set(600, at: ["spec", "progressDeadlineSeconds"])
        live.set("25%", at: ["spec", "strategy", "rollingUpdate", "maxUnavailable"])
        live.set("RollingUpdate", at: ["spec", "strategy", "type"])
        live.set(["containers": [
            ["name": "log", "image": "busybox", "imagePullPolicy": "Always"],
            ["name": "istio-proxy", "image": "istio/proxyv2"],
            ["name": "web", "image": "nginx:1.27", "args": ["--port", "8080"], "imagePullPolicy": "IfNotPresent",
             "terminationMessagePath": "/dev/termination-log"],
        ], "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"], at: ["spec", "template", "spec"])
        live.set(["replicas": 3, "availableReplicas": 3], at: ["status"])
        return live
    }

    @Test func serverAddedFieldsAreIgnored() {
        let result = compare(desired: Self.desired, live: Self.live)
        #expect(result.status == .synced)
        #expect(result.diff == "")
    }

    @Test func missingLiveObjectIsOutOfSync() {
        #expect(compare(desired: Self.desired, live: nil).status == .outOfSync)
    }

    @Test func scaledReplicasAreDrift() {
        var live = Self.live
        live.set(5, at: ["spec", "replicas"])
        let result = compare(desired: Self.desired, live: live)
        #expect(result.status == .outOfSync)
        #expect(result.differences == [FieldDifference(path: "spec.replicas", desired: 3, live: 5)])
        #expect(result.diff == "- spec.replicas: 5\n+ spec.replicas: 3")
    }

    @Test func containerImageDriftIsFoundByName() {
        var live = Self.live
        var containers = live[path: ["spec", "template", "spec", "containers"]]!.arrayValue!
        containers[2]["image"] = "nginx:1.25"
        live.set(.array(containers), at: ["spec", "template", "spec", "containers"])
        let result = compare(desired: Self.desired, live: live)
        #expect(result.status == .outOfSync)
        #expect(result.differences.map(\.path) == ["spec.template.spec.containers[name=web].image"])
        #expect(result.diff.contains("\"nginx:1.25\""))
    }

    @Test func removedContainerIsDrift() {
        var live = Self.live
        let containers = live[path: ["spec", "template", "spec", "containers"]]!.arrayValue!.filter { $0["name"] != "log" }
        live.set(.array(containers), at: ["spec", "template", "spec", "containers"])
        let result = compare(desired: Self.desired, live: live)
        #expect(result.differences.map(\.path) == ["spec.template.spec.containers[name=log]"])
    }

    @Test func removedLabelIsDrift() {
        var live = Self.live
        live.set(["app": "web"], at: ["metadata", "labels"])
        let result = compare(desired: Self.desired, live: live)
        #expect(result.status == .outOfSync)
        #expect(result.differences == [FieldDifference(path: "metadata.labels[\"app.hawser.io/instance\"]", desired: "shop", live: nil)])
        #expect(result.diff.contains("<absent>"))
    }

    @Test func changedArgsListIsDrift() {
        var live = Self.live
        var containers = live[path: ["spec", "template", "spec", "containers"]]!.arrayValue!
        containers[2]["args"] = ["--port", "8080", "--debug"]
        live.set(.array(containers), at: ["spec", "template", "spec", "containers"])
        let result = compare(desired: Self.desired, live: live)
        #expect(result.differences.map(\.path) == ["spec.template.spec.containers[name=web].args"])
    }

    @Test func numbersCompareByValue() {
        var live = Self.live
        live.set(.double(3.0), at: ["spec", "replicas"])
        #expect(compare(desired: Self.desired, live: live).status == .synced)
    }

    @Test func intOrStringIsComparedAsIs() {
        var live = Self.live
        live.set("50%", at: ["spec", "strategy", "rollingUpdate", "maxSurge"])
        let result = compare(desired: Self.desired, live: live)
        #expect(result.differences == [FieldDifference(path: "spec.strategy.rollingUpdate.maxSurge", desired: "25%", live: "50%")])
    }

    @Test func emptyDesiredValuesMatchAbsentLiveFields() {
        var desired = Self.desired
        desired.set([:], at: ["spec", "template", "spec", "securityContext"])
        desired.set([], at: ["spec", "template", "spec", "tolerations"])
        desired.set(JSONValue.null, at: ["spec", "minReadySeconds"])
        #expect(compare(desired: desired, live: Self.live).status == .synced)
    }

    @Test func serverOwnedMetadataInTheManifestIsIgnored() {
        var desired = Self.desired
        desired.set("stale", at: ["metadata", "resourceVersion"])
        desired.set(["replicas": 0], at: ["status"])
        #expect(compare(desired: desired, live: Self.live).status == .synced)
    }

    @Test func longDiffsAreSummarised() {
        var desired: JSONValue = ["data": [:]]
        var live: JSONValue = ["data": [:]]
        for i in 0..<10 {
            desired.set(.string("a\(i)"), at: ["data", "k\(i)"])
            live.set(.string("b\(i)"), at: ["data", "k\(i)"])
        }
        let result = compare(desired: desired, live: live, maxLines: 3)
        #expect(result.differences.count == 10)
        #expect(result.diff.split(separator: "\n").count == 7)
        #expect(result.diff.hasSuffix("and 7 more differing fields"))
    }
}
