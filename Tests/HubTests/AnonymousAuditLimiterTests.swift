import Foundation
@testable import HubCore
import Testing

/// Anyone can make the hub refuse them; the audit trail records such refusals on a budget and
/// says how many it left out, so a flood is visible without filling the disk.
@Suite struct AnonymousAuditLimiterTests {
    @Test func aFloodIsRecordedUpToTheBudgetAndThenSummarised() async {
        let limiter = AnonymousAuditLimiter()
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        var written = 0
        for i in 0..<500 {
            if await limiter.admit(now: t0.addingTimeInterval(Double(i) * 0.01)) != nil { written += 1 }
        }
        #expect(written == AnonymousAuditLimiter.perMinute)
        // A minute later the next entry is written and carries the count of those left out.
        #expect(await limiter.admit(now: t0.addingTimeInterval(61)) == 500 - AnonymousAuditLimiter.perMinute)
        #expect(await limiter.admit(now: t0.addingTimeInterval(62)) == 0)
    }
}
