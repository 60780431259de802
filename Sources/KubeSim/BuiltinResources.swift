// The built-in API surface KubeSim serves: the resources a GitOps tool and kubectl commonly touch.

extension ResourceType {
    private static func core(_ kind: String, _ plural: String, namespaced: Bool = true, short: [String] = [], status: Bool = false) -> ResourceType {
        ResourceType(group: "", version: "v1", kind: kind, plural: plural, singular: kind.lowercased(), namespaced: namespaced, shortNames: short, categories: [], hasStatus: status)
    }

    private static func make(
        _ group: String, _ version: String, _ kind: String, _ plural: String,
        namespaced: Bool = true, short: [String] = [], status: Bool = true, scale: Bool = false, categories: [String] = []
    ) -> ResourceType {
        ResourceType(
            group: group, version: version, kind: kind, plural: plural, singular: kind.lowercased(), namespaced: namespaced,
            shortNames: short, categories: categories, hasStatus: status,
            scale: scale ? ScalePaths() : nil
        )
    }

    static let builtins: [ResourceType] = [
        core("Namespace", "namespaces", namespaced: false, short: ["ns"], status: true),
        core("Pod", "pods", short: ["po"], status: true).with(categories: ["all"]),
        core("Service", "services", short: ["svc"], status: true).with(categories: ["all"]),
        core("ConfigMap", "configmaps", short: ["cm"]),
        core("Secret", "secrets"),
        core("ServiceAccount", "serviceaccounts", short: ["sa"]),
        core("PersistentVolumeClaim", "persistentvolumeclaims", short: ["pvc"], status: true),
        core("PersistentVolume", "persistentvolumes", namespaced: false, short: ["pv"], status: true),
        core("Endpoints", "endpoints", short: ["ep"]),
        core("Event", "events", short: ["ev"]),
        core("Node", "nodes", namespaced: false, short: ["no"], status: true),
        core("ResourceQuota", "resourcequotas", short: ["quota"], status: true),
        core("LimitRange", "limitranges", short: ["limits"]),
        make("apps", "v1", "Deployment", "deployments", short: ["deploy"], scale: true, categories: ["all"]),
        make("apps", "v1", "StatefulSet", "statefulsets", short: ["sts"], scale: true, categories: ["all"]),
        make("apps", "v1", "DaemonSet", "daemonsets", short: ["ds"], categories: ["all"]),
        make("apps", "v1", "ReplicaSet", "replicasets", short: ["rs"], scale: true, categories: ["all"]),
        make("apps", "v1", "ControllerRevision", "controllerrevisions", status: false),
        make("batch", "v1", "Job", "jobs", categories: ["all"]),
        make("batch", "v1", "CronJob", "cronjobs", short: ["cj"], categories: ["all"]),
        make("networking.k8s.io", "v1", "Ingress", "ingresses", short: ["ing"]),
        make("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", short: ["netpol"], status: false),
        make("networking.k8s.io", "v1", "IngressClass", "ingressclasses", namespaced: false, status: false),
        make("rbac.authorization.k8s.io", "v1", "Role", "roles", status: false),
        make("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", status: false),
        make("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", namespaced: false, status: false),
        make("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", namespaced: false, status: false),
        make("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", namespaced: false, short: ["crd", "crds"]),
        make("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", short: ["hpa"], categories: ["all"]),
        make("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", short: ["pdb"]),
        make("coordination.k8s.io", "v1", "Lease", "leases", status: false),
        make("storage.k8s.io", "v1", "StorageClass", "storageclasses", namespaced: false, short: ["sc"], status: false),
        make("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", namespaced: false, short: ["pc"], status: false),
        make("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", namespaced: false, status: false),
        make("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", namespaced: false, status: false),
    ]

    func with(categories: [String]) -> ResourceType {
        var copy = self
        copy.categories = categories
        return copy
    }
}
