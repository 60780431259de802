import HawserProtocol

/// Ingress health with Argo CD's logic (gitops-engine `health_ingress.go`), for every group that
/// has served Ingress (`networking.k8s.io`, and the old `extensions`).
///
/// An Ingress is progressing until its controller has published an address in
/// `status.loadBalancer.ingress`, healthy after. Argo CD gives no message either way. The
/// consequence, kept on purpose to match Argo CD: an Ingress whose class has no controller
/// running, or a controller that never publishes status, stays progressing for ever.
func ingressHealth(_ ingress: JSONValue) -> HealthResult {
    let addresses = ingress[path: ["status", "loadBalancer", "ingress"]]?.arrayValue ?? []
    return HealthResult(status: addresses.isEmpty ? .progressing : .healthy)
}
