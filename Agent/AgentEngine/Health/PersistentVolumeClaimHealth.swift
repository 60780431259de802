import HawserProtocol

/// PersistentVolumeClaim health with Argo CD's classic logic (gitops-engine `health_pvc.go`):
/// the claim's phase alone. `Bound` is healthy, `Pending` progressing (a volume is being
/// provisioned, or the class binds on first consumer), `Lost` degraded (its volume is gone and
/// the data with it); a claim without a known phase is unknown. Argo CD gives no message.
func persistentVolumeClaimHealth(_ claim: JSONValue) -> HealthResult {
    switch goString(claim, "status", "phase") {
    case "Bound": HealthResult(status: .healthy)
    case "Pending": HealthResult(status: .progressing)
    case "Lost": HealthResult(status: .degraded)
    default: HealthResult(status: .unknown)
    }
}
