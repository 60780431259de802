/// Kinds known to be cluster-scoped, used only when discovery cannot answer (the kind's API is
/// not served yet, or the agent could not reach discovery). Guessing "namespaced" for these
/// would put a namespace in their path and the apply would fail.
public let wellKnownClusterScopedKinds: Set<String> = [
    "Namespace", "Node", "PersistentVolume", "StorageClass", "CSIDriver", "CSINode", "VolumeAttachment",
    "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "APIService", "PriorityClass",
    "RuntimeClass", "IngressClass", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "PodSecurityPolicy",
    "CertificateSigningRequest", "FlowSchema", "PriorityLevelConfiguration", "ComponentStatus",
]

/// Whether `kind` is one of the well-known cluster-scoped kinds.
public func isWellKnownClusterScoped(kind: String) -> Bool {
    wellKnownClusterScopedKinds.contains(kind)
}
