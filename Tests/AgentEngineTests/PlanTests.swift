import AgentEngine
import HawserProtocol
import Testing

struct PlanTests {
    /// Discovery as a small cluster would answer it; CRD-defined kinds are unknown (`nil`).
    static func discovery(_ key: ResourceKey) -> Bool? {
        switch key.kind {
        case "Deployment", "Service", "ConfigMap", "ServiceAccount", "Role", "RoleBinding": return true
        case "Namespace", "ClusterRole", "CustomResourceDefinition": return false
        default: return nil
        }
    }

    static func object(_ apiVersion: String, _ kind: String, _ name: String, namespace: String? = nil) -> JSONValue {
        var o: JSONValue = ["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": ["name": .string(name)]]
        if let namespace { o.set(.string(namespace), at: ["metadata", "namespace"]) }
        return o
    }

    static func manifest(_ object: JSONValue, _ source: String = "app.yaml", line: Int = 1) -> Manifest {
        Manifest(source: source, line: line, object: object)
    }

    @Test func ordersByInstallOrderThenName() {
        let manifests = [
            Self.manifest(Self.object("apps/v1", "Deployment", "web")),
            Self.manifest(Self.object("example.com/v1", "Widget", "w")),
            Self.manifest(Self.object("v1", "Service", "web")),
            Self.manifest(Self.object("apps/v1", "Deployment", "api")),
            Self.manifest(Self.object("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com")),
            Self.manifest(Self.object("v1", "ConfigMap", "settings")),
            Self.manifest(Self.object("example.com/v1", "Gadget", "g")),
            Self.manifest(Self.object("v1", "Namespace", "shop")),
            Self.manifest(Self.object("rbac.authorization.k8s.io/v1", "ClusterRole", "reader")),
            Self.manifest(Self.object("v1", "ServiceAccount", "web")),
        ]
        let result = plan(appName: "shop", manifests: manifests, defaultNamespace: "shop", namespacedLookup: Self.discovery)
        #expect(result.errors.isEmpty)
        #expect(result.objects.map { "\($0.key.kind)/\($0.key.name)" } == [
            "Namespace/shop", "CustomResourceDefinition/widgets.example.com", "ServiceAccount/web",
            "ConfigMap/settings", "ClusterRole/reader", "Service/web", "Deployment/api", "Deployment/web",
            "Gadget/g", "Widget/w",
        ])
    }

    @Test func defaultsNamespaceForNamespacedKinds() {
        let result = plan(appName: "shop", manifests: [
            Self.manifest(Self.object("apps/v1", "Deployment", "web")),
            Self.manifest(Self.object("apps/v1", "Deployment", "other", namespace: "elsewhere")),
            Self.manifest(Self.object("example.com/v1", "Widget", "w")),  // unknown kind: treated as namespaced
        ], defaultNamespace: "shop", namespacedLookup: Self.discovery)
        let byName = Dictionary(uniqueKeysWithValues: result.objects.map { ($0.key.name, $0) })
        #expect(byName["web"]?.key.namespace == "shop")
        #expect(byName["web"]?.object[path: ["metadata", "namespace"]] == "shop")
        #expect(byName["other"]?.key.namespace == "elsewhere")
        #expect(byName["w"]?.key.namespace == "shop")
    }

    @Test func clusterScopedKindsKeepNoNamespace() {
        let result = plan(appName: "shop", manifests: [
            Self.manifest(Self.object("v1", "Namespace", "shop", namespace: "shop")),
            Self.manifest(Self.object("rbac.authorization.k8s.io/v1", "ClusterRole", "reader")),
            // Unknown to discovery, but a well-known cluster-scoped kind.
            Self.manifest(Self.object("storage.k8s.io/v1", "StorageClass", "fast", namespace: "oops")),
        ], defaultNamespace: "shop", namespacedLookup: Self.discovery)
        #expect(result.errors.isEmpty)
        for planned in result.objects {
            #expect(planned.key.namespace == "")
            #expect(planned.object[path: ["metadata", "namespace"]] == nil)
        }
    }

    @Test func duplicateNamesBothLocations() {
        let result = plan(appName: "shop", manifests: [
            Self.manifest(Self.object("apps/v1", "Deployment", "web"), "base/deploy.yaml", line: 1),
            Self.manifest(Self.object("apps/v1", "Deployment", "web", namespace: "shop"), "overlay/deploy.yaml", line: 12),
            // Same name in another namespace or group is not a duplicate.
            Self.manifest(Self.object("apps/v1", "Deployment", "web", namespace: "other"), "overlay/deploy.yaml", line: 30),
        ], defaultNamespace: "shop", namespacedLookup: Self.discovery)
        #expect(result.objects.count == 2)
        #expect(result.errors.count == 1)
        let message = result.errors.first?.description ?? ""
        #expect(message.hasPrefix("overlay/deploy.yaml:12:"))
        #expect(message.contains("base/deploy.yaml:1"))
        #expect(message.contains("Deployment.apps shop/web"))
    }

    @Test func missingNameIsReportedAtItsLocation() {
        let nameless: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["labels": ["a": "b"]]]
        let result = plan(appName: "shop", manifests: [
            Self.manifest(nameless, "config/settings.yaml", line: 7),
            Self.manifest(["kind": "Service", "metadata": ["name": "x"]], "svc.yaml", line: 3),
            Self.manifest("just a string", "junk.yaml", line: 1),
            Self.manifest(Self.object("apps/v1/extra", "Deployment", "x"), "bad.yaml", line: 2),
        ], defaultNamespace: "shop", namespacedLookup: Self.discovery)
        #expect(result.objects.isEmpty)
        #expect(result.errors.map(\.description) == [
            "config/settings.yaml:7: ConfigMap is missing metadata.name",
            "svc.yaml:3: Service is missing apiVersion",
            "junk.yaml:1: not a Kubernetes object: expected a map with apiVersion, kind and metadata",
            "bad.yaml:2: invalid apiVersion \"apps/v1/extra\": expected \"v1\" or \"group/version\"",
        ])
    }

    @Test func stampsTrackingLabelAndAnnotation() {
        var deployment = Self.object("apps/v1", "Deployment", "web")
        deployment.set(["team": "a"], at: ["metadata", "labels"])
        let result = plan(appName: "shop", manifests: [
            Self.manifest(deployment),
            Self.manifest(Self.object("v1", "Namespace", "shop")),
        ], defaultNamespace: "shop", namespacedLookup: Self.discovery)
        let web = result.objects.first { $0.key.kind == "Deployment" }!
        #expect(web.object[path: ["metadata", "labels"]] == ["team": "a", "app.hawser.io/instance": "shop"])
        #expect(web.object[path: ["metadata", "annotations", "hawser.io/tracking-id"]] == "shop:apps/Deployment:shop/web")
        let ns = result.objects.first { $0.key.kind == "Namespace" }!
        #expect(ns.object[path: ["metadata", "annotations", "hawser.io/tracking-id"]] == "shop:/Namespace:/shop")
    }

    @Test func plannedObjectsCompareSyncedAgainstTheirAppliedSelves() {
        let result = plan(appName: "shop", manifests: [Self.manifest(Self.object("v1", "ConfigMap", "c"))],
                          defaultNamespace: "shop", namespacedLookup: Self.discovery)
        var live = result.objects[0].object
        live.set("1", at: ["metadata", "resourceVersion"])
        #expect(compare(desired: result.objects[0].object, live: live).status == .synced)
    }
}
