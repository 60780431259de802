import HawserProtocol

/// APIService health with Argo CD's logic and messages (gitops-engine `health_apiservice.go`).
///
/// An aggregated API is only usable once the aggregator reports it `Available`: healthy when that
/// condition is true, progressing while it is not (the backing Service may still be starting),
/// both with the aggregator's "reason: message"; progressing "Waiting to be processed" before
/// the aggregator has written any `Available` condition.
func apiServiceHealth(_ apiService: JSONValue) -> HealthResult {
    guard let available = statusCondition("Available", of: apiService) else {
        return HealthResult(status: .progressing, message: "Waiting to be processed")
    }
    let message = "\(goString(available, "reason")): \(goString(available, "message"))"
    return HealthResult(status: goString(available, "status") == "True" ? .healthy : .progressing, message: message)
}
