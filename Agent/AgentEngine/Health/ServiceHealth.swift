import HawserProtocol

/// Service health with Argo CD's logic (gitops-engine `health_service.go`).
///
/// Only a `LoadBalancer` Service waits for something outside the API server: the cloud
/// controller must provision a load balancer and write its address to
/// `status.loadBalancer.ingress`. Until then it is progressing; every other type (ClusterIP,
/// NodePort, ExternalName, headless) works as soon as it exists. Argo CD gives no message here.
func serviceHealth(_ service: JSONValue) -> HealthResult {
    guard service[path: ["spec", "type"]]?.stringValue == "LoadBalancer" else {
        return HealthResult(status: .healthy)
    }
    let ingress = service[path: ["status", "loadBalancer", "ingress"]]?.arrayValue ?? []
    return HealthResult(status: ingress.isEmpty ? .progressing : .healthy)
}
