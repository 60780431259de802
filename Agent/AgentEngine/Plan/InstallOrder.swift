/// The order in which kinds are applied, so that what others depend on exists first.
///
/// Namespaces and CustomResourceDefinitions lead (everything else may live in one or be an
/// instance of one), then Helm's install order (`releaseutil.InstallOrder`), then kinds Helm
/// does not know, by kind name. Admission webhooks go last, as in recent Helm, because a
/// webhook whose service is not up yet would block every object applied after it.
let installOrder: [String] = [
    "Namespace", "CustomResourceDefinition", "PriorityClass",
    "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
    "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume",
    "PersistentVolumeClaim", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
    "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service",
    "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
    "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
    "APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
]

private let rankOfKind: [String: Int] = Dictionary(
    uniqueKeysWithValues: installOrder.enumerated().map { ($1, $0) })

/// Sorts objects by kind rank, then (for unknown kinds) kind name, then name; ties keep input
/// order, so the same manifests always plan to the same sequence.
func inInstallOrder(_ objects: [PlannedObject]) -> [PlannedObject] {
    objects.enumerated().sorted { a, b in
        let ka = a.element.key, kb = b.element.key
        let ra = rankOfKind[ka.kind] ?? installOrder.count, rb = rankOfKind[kb.kind] ?? installOrder.count
        if ra != rb { return ra < rb }
        if ka.kind != kb.kind { return ka.kind < kb.kind }
        if ka.name != kb.name { return ka.name < kb.name }
        if ka.namespace != kb.namespace { return ka.namespace < kb.namespace }
        if ka.group != kb.group { return ka.group < kb.group }
        return a.offset < b.offset
    }.map(\.element)
}
