import HawserProtocol

/// CronJob health with Argo CD's logic and messages. Argo CD has no Go check for CronJobs; it
/// ships a Lua one (`resource_customizations/batch/CronJob/health.lua`), mirrored here:
/// - `spec.suspend: true` is suspended, whatever ran before;
/// - never scheduled is healthy: a schedule that has not come round yet is not a fault, and the
///   status cannot tell a missed schedule from a future one;
/// - scheduled but never succeeded is healthy with a warning, because the first run may simply
///   still be going;
/// - a run is active: healthy with a warning, since the last finished run is unknown;
/// - last success older than the last schedule with nothing running: the last run failed, so
///   degraded; otherwise healthy.
///
/// The timestamps are compared as strings, as the Lua does: the API server writes them as
/// RFC 3339 in UTC with whole seconds, whose text order is their time order.
/// One deliberate difference: Argo CD's "succesfully" is spelt "successfully" here.
func cronJobHealth(_ cronJob: JSONValue) -> HealthResult {
    if cronJob[path: ["spec", "suspend"]]?.boolValue == true {
        return HealthResult(status: .suspended, message: "CronJob is Suspended")
    }
    guard let status = cronJob["status"], status.objectValue != nil else {
        return HealthResult(status: .progressing, message: "Waiting for CronJob")
    }
    guard let lastSchedule = status["lastScheduleTime"]?.stringValue else {
        return HealthResult(status: .healthy, message: "CronJob has not been scheduled yet")
    }
    guard let lastSuccess = status["lastSuccessfulTime"]?.stringValue else {
        return HealthResult(status: .healthy, message: "The Cronjob never completed successfully. It may not be healthy")
    }
    if let active = status["active"]?.arrayValue, !active.isEmpty {
        return HealthResult(status: .healthy, message: "The job is running. Its last execution may not have been successful")
    }
    if lastSuccess < lastSchedule {
        return HealthResult(status: .degraded, message: "CronJob has not completed its last execution successfully")
    }
    return HealthResult(status: .healthy, message: "CronJob has completed its last execution successfully")
}
