import Foundation
import HawserProtocol
import SeededRandom
import Testing

/// Sync windows as Argo CD evaluates them: cron schedules, Go durations, when a window is open
/// (in its time zone, across midnight and DST days), which windows cover an app, and the verdict.
@Suite struct SyncWindowsTests {
    static func at(_ iso: String) -> Date {
        try! Date(iso, strategy: .iso8601)
    }

    // MARK: Cron

    struct FireCase: Sendable, CustomTestStringConvertible {
        var schedule: String
        var time: String
        var fires: Bool
        var testDescription: String { "'\(schedule)' at \(time): \(fires)" }
    }

    // 2025-03-01 is a Saturday: 03-03 Mon, 03-04 Tue, 03-13 Thu, 03-14 Fri, 03-29 Sat, 03-30 Sun, 03-31 Mon.
    static let fireCases: [FireCase] = [
        .init(schedule: "*/15 * * * *", time: "2025-03-10T10:45:00Z", fires: true),
        .init(schedule: "*/15 * * * *", time: "2025-03-10T10:00:00Z", fires: true),
        .init(schedule: "*/15 * * * *", time: "2025-03-10T10:50:00Z", fires: false),
        .init(schedule: "1-5/2 * * * *", time: "2025-03-10T10:03:00Z", fires: true),
        .init(schedule: "1-5/2 * * * *", time: "2025-03-10T10:04:00Z", fires: false),
        .init(schedule: "5/20 * * * *", time: "2025-03-10T10:45:00Z", fires: true),   // 5-59/20
        .init(schedule: "5/20 * * * *", time: "2025-03-10T10:20:00Z", fires: false),
        .init(schedule: "0,30 8-10 * * *", time: "2025-03-10T10:30:00Z", fires: true),
        .init(schedule: "0,30 8-10 * * *", time: "2025-03-10T11:00:00Z", fires: false),
        .init(schedule: "? * * * *", time: "2025-03-10T10:07:00Z", fires: true),
        // Names, any case, in lists and ranges.
        .init(schedule: "0 9 * * MON-FRI", time: "2025-03-31T09:00:00Z", fires: true),
        .init(schedule: "0 9 * * mon-fri", time: "2025-03-29T09:00:00Z", fires: false),
        .init(schedule: "0 0 * JAN,jul *", time: "2025-07-15T00:00:00Z", fires: true),
        .init(schedule: "0 0 * JAN,jul *", time: "2025-02-15T00:00:00Z", fires: false),
        // 7 is Sunday too.
        .init(schedule: "0 0 * * 7", time: "2025-03-30T00:00:00Z", fires: true),
        .init(schedule: "0 0 * * 7", time: "2025-03-31T00:00:00Z", fires: false),
        .init(schedule: "0 0 * * 5-7", time: "2025-03-30T00:00:00Z", fires: true),
        .init(schedule: "0 0 * * 5-7", time: "2025-03-13T00:00:00Z", fires: false),
        .init(schedule: "0 0 * * SUN", time: "2025-03-30T00:00:00Z", fires: true),
        // Both day fields restricted: either may match.
        .init(schedule: "0 0 13 * FRI", time: "2025-03-13T00:00:00Z", fires: true),  // the 13th, a Thursday
        .init(schedule: "0 0 13 * FRI", time: "2025-03-14T00:00:00Z", fires: true),  // a Friday
        .init(schedule: "0 0 13 * FRI", time: "2025-03-12T00:00:00Z", fires: false),
        .init(schedule: "0 0 */2 * FRI", time: "2025-03-03T00:00:00Z", fires: true),  // a step restricts the field
        .init(schedule: "0 0 */2 * FRI", time: "2025-03-04T00:00:00Z", fires: false),
        // One day field `*`: both must match.
        .init(schedule: "0 0 * * FRI", time: "2025-03-13T00:00:00Z", fires: false),
        .init(schedule: "0 0 13 * *", time: "2025-03-14T00:00:00Z", fires: false),
        .init(schedule: "0 0 29 2 *", time: "2028-02-29T00:00:00Z", fires: true),
    ]

    @Test(arguments: fireCases)
    func cronMatches(_ c: FireCase) throws {
        let schedule = try CronSchedule(c.schedule)
        #expect(schedule.matches(Self.at(c.time)) == c.fires)
    }

    struct CronErrorCase: Sendable, CustomTestStringConvertible {
        var schedule: String
        var message: String
        var testDescription: String { "'\(schedule)'" }
    }

    static let cronErrorCases: [CronErrorCase] = [
        .init(schedule: "61 * * * *", message: "minute field \"61\": 61 is above the maximum 59"),
        .init(schedule: "* 24 * * *", message: "hour field \"24\": 24 is above the maximum 23"),
        .init(schedule: "* * 0 * *", message: "day-of-month field \"0\": 0 is below the minimum 1"),
        .init(schedule: "* * * 13 *", message: "month field"),
        .init(schedule: "* * * FOO *", message: "month field \"FOO\": \"FOO\" is not a number (use 1-12 or JAN-DEC)"),
        .init(schedule: "* * * * 8", message: "day-of-week field"),
        .init(schedule: "*/0 * * * *", message: "minute field \"*/0\": step must be a positive number"),
        .init(schedule: "5-1 * * * *", message: "range 5-1 runs backwards"),
        .init(schedule: "1-2-3 * * * *", message: "too many hyphens"),
        .init(schedule: "*/5/2 * * * *", message: "too many slashes"),
        .init(schedule: "1,,2 * * * *", message: "minute field"),
        .init(schedule: "* * * *", message: "expected exactly 5 fields"),
        .init(schedule: "0 * * * * *", message: "expected exactly 5 fields"),
        .init(schedule: "@daily", message: "descriptors"),
        .init(schedule: "", message: "expected exactly 5 fields"),
    ]

    @Test(arguments: cronErrorCases)
    func cronErrorsNameTheField(_ c: CronErrorCase) {
        #expect {
            _ = try CronSchedule(c.schedule)
        } throws: { error in
            "\(error)".contains(c.message)
        }
    }

    // MARK: Durations

    static let durations: [(String, Double)] = [
        ("1h", 3600), ("30m", 1800), ("1h30m", 5400), ("90s", 90), ("2h45m30s", 9930), ("1.5h", 5400),
        ("500ms", 0.5), ("+2h", 7200), ("1h0m0s", 3600), ("100us", 0.0001), ("100µs", 0.0001),
    ]

    @Test(arguments: durations)
    func goDurations(_ text: String, _ seconds: Double) throws {
        let d = try GoDuration.parse(text)
        let (s, atto) = d.components
        #expect(abs(Double(s) + Double(atto) / 1e18 - seconds) < 1e-9)
    }

    @Test(arguments: ["", "0", "0s", "-1h", "1x", "h", "1", "1h 30m", "1d", ".h", "9999999999h"])
    func badGoDurations(_ text: String) {
        #expect(throws: GoDurationError.self) { try GoDuration.parse(text) }
    }

    // MARK: When a window is open

    struct ActiveCase: Sendable, CustomTestStringConvertible {
        var name: String
        var window: SyncWindow
        var time: String
        var active: Bool
        var testDescription: String { "\(name) at \(time): \(active)" }
    }

    static let night = SyncWindow(kind: .deny, schedule: "0 22 * * *", duration: "8h", applications: ["*"])
    /// 01:00–04:00 on Berlin's wall clock.
    static let berlinNight = SyncWindow(kind: .deny, schedule: "0 1 * * *", duration: "3h", applications: ["*"], timeZone: "Europe/Berlin")
    static let berlinMorning = SyncWindow(kind: .allow, schedule: "0 9 * * *", duration: "1h", applications: ["*"], timeZone: "Europe/Berlin")
    static let skippedHour = SyncWindow(kind: .deny, schedule: "30 2 * * *", duration: "1h", applications: ["*"], timeZone: "Europe/Berlin")

    static let activeCases: [ActiveCase] = [
        .init(name: "start is inclusive", window: night, time: "2025-03-10T22:00:00Z", active: true),
        .init(name: "before start", window: night, time: "2025-03-10T21:59:59Z", active: false),
        .init(name: "across midnight", window: night, time: "2025-03-11T03:00:00Z", active: true),
        .init(name: "last second", window: night, time: "2025-03-11T05:59:59Z", active: true),
        .init(name: "end is exclusive", window: night, time: "2025-03-11T06:00:00Z", active: false),
        .init(name: "midday", window: night, time: "2025-03-11T12:00:00Z", active: false),
        .init(name: "across new year", window: night, time: "2025-01-01T02:00:00Z", active: true),
        // Europe/Berlin is UTC+1 in winter, UTC+2 in summer.
        .init(name: "Berlin winter, open", window: berlinMorning, time: "2025-01-15T08:30:00Z", active: true),
        .init(name: "Berlin winter, not yet", window: berlinMorning, time: "2025-01-15T07:30:00Z", active: false),
        .init(name: "Berlin summer, open", window: berlinMorning, time: "2025-07-15T07:30:00Z", active: true),
        .init(name: "Berlin summer, closed", window: berlinMorning, time: "2025-07-15T08:30:00Z", active: false),
        // Spring forward (2025-03-30 02:00 CET → 03:00 CEST): the window keeps its wall-clock end.
        .init(name: "DST spring, 01:30 CET", window: berlinNight, time: "2025-03-30T00:30:00Z", active: true),
        .init(name: "DST spring, 03:30 CEST", window: berlinNight, time: "2025-03-30T01:30:00Z", active: true),
        .init(name: "DST spring, 04:00 CEST", window: berlinNight, time: "2025-03-30T02:00:00Z", active: false),
        .init(name: "day before DST, 03:30 CET", window: berlinNight, time: "2025-03-29T02:30:00Z", active: true),
        .init(name: "day before DST, 04:00 CET", window: berlinNight, time: "2025-03-29T03:00:00Z", active: false),
        // Fall back (2025-10-26 03:00 CEST → 02:00 CET).
        .init(name: "DST autumn, 03:30 CET", window: berlinNight, time: "2025-10-26T02:30:00Z", active: true),
        .init(name: "DST autumn, 04:00 CET", window: berlinNight, time: "2025-10-26T03:00:00Z", active: false),
        // A start inside the skipped hour opens when the wall clock is past it.
        .init(name: "skipped hour, 03:15 CEST", window: skippedHour, time: "2025-03-30T01:15:00Z", active: true),
        .init(name: "skipped hour, 03:30 CEST", window: skippedHour, time: "2025-03-30T01:30:00Z", active: false),
        // Long windows.
        .init(name: "monthly, 30 days", window: SyncWindow(kind: .deny, schedule: "0 0 1 * *", duration: "720h", applications: ["*"]),
              time: "2025-03-20T12:00:00Z", active: true),
        .init(name: "yearly, whole year", window: SyncWindow(kind: .deny, schedule: "0 0 1 1 *", duration: "8760h", applications: ["*"]),
              time: "2025-12-31T12:00:00Z", active: true),
        .init(name: "weekdays, Friday afternoon", window: SyncWindow(kind: .allow, schedule: "0 9 * * 1-5", duration: "8h", applications: ["*"]),
              time: "2025-03-14T16:59:00Z", active: true),
        .init(name: "weekdays, Saturday", window: SyncWindow(kind: .allow, schedule: "0 9 * * 1-5", duration: "8h", applications: ["*"]),
              time: "2025-03-15T10:00:00Z", active: false),
        .init(name: "invalid window", window: SyncWindow(kind: .deny, schedule: "nope", duration: "1h", applications: ["*"]),
              time: "2025-03-15T10:00:00Z", active: false),
    ]

    @Test(arguments: activeCases)
    func windowIsActive(_ c: ActiveCase) {
        #expect(c.window.isActive(at: Self.at(c.time)) == c.active)
    }

    /// The day-stepping search agrees with scanning minute by minute.
    @Test func activeAgreesWithMinuteScan() throws {
        var rng = SplitMix64(seed: 42)
        let schedules = ["*/7 3-5 * * *", "0 22 * * MON-FRI", "15 */6 1,15 * *", "0 0 13 * FRI", "30 12 * FEB,AUG SUN", "0 0 29 2 *"]
            .filter { (try? CronSchedule($0)) != nil }
        let durations = ["1m", "45m", "3h", "26h", "90s"]
        let base = Self.at("2025-01-01T00:00:00Z").timeIntervalSince1970
        for _ in 0..<300 {
            let schedule = schedules[Int(rng.next() % UInt64(schedules.count))]
            let duration = durations[Int(rng.next() % UInt64(durations.count))]
            let now = Date(timeIntervalSince1970: base + Double(rng.next() % (400 * 86_400)) + 0.5)
            let window = SyncWindow(kind: .deny, schedule: schedule, duration: duration, applications: ["*"])
            let cron = try CronSchedule(schedule)
            let seconds = try GoDuration.parse(duration).components.seconds
            var expected = false
            var t = (now.timeIntervalSince1970 / 60).rounded(.down) * 60
            while t > now.timeIntervalSince1970 - Double(seconds) {
                if cron.matches(Date(timeIntervalSince1970: t)) { expected = true; break }
                t -= 60
            }
            #expect(window.isActive(at: now) == expected, "\(schedule) for \(duration) at \(now)")
        }
    }

    // MARK: Which windows cover an app

    struct AppliesCase: Sendable, CustomTestStringConvertible {
        var window: SyncWindow
        var app: String, namespace: String, cluster: String
        var applies: Bool
        var testDescription: String { "\(window.applications)/\(window.namespaces)/\(window.clusters) ← \(app) \(namespace) \(cluster)" }
    }

    static let appliesCases: [AppliesCase] = [
        .init(window: SyncWindow(kind: .deny, schedule: "0 0 * * *", duration: "1h", applications: ["guestbook-*"]),
              app: "guestbook-prod", namespace: "x", cluster: "y", applies: true),
        .init(window: SyncWindow(kind: .deny, schedule: "0 0 * * *", duration: "1h", applications: ["guestbook-*"]),
              app: "billing", namespace: "x", cluster: "y", applies: false),
        .init(window: SyncWindow(kind: .deny, schedule: "0 0 * * *", duration: "1h", namespaces: ["team-a"], clusters: ["prod-*"]),
              app: "billing", namespace: "team-b", cluster: "prod-eu", applies: true),
        .init(window: SyncWindow(kind: .deny, schedule: "0 0 * * *", duration: "1h", namespaces: ["team-a"], clusters: ["prod-*"]),
              app: "billing", namespace: "team-a", cluster: "dev", applies: true),
        .init(window: SyncWindow(kind: .deny, schedule: "0 0 * * *", duration: "1h", namespaces: ["team-a"], clusters: ["prod-*"]),
              app: "billing", namespace: "team-b", cluster: "dev", applies: false),
        .init(window: SyncWindow(kind: .deny, schedule: "0 0 * * *", duration: "1h"), app: "a", namespace: "b", cluster: "c", applies: false),
    ]

    @Test(arguments: appliesCases)
    func windowApplies(_ c: AppliesCase) {
        #expect(c.window.applies(app: c.app, namespace: c.namespace, cluster: c.cluster) == c.applies)
    }

    // MARK: Verdicts

    struct VerdictCase: Sendable, CustomTestStringConvertible {
        var name: String
        var windows: [SyncWindow]
        var time: String
        var automated: Bool
        var manual: Bool
        var reason: String
        var testDescription: String { name }
    }

    static let allowDay = SyncWindow(kind: .allow, schedule: "0 9 * * *", duration: "8h", applications: ["*"])
    static let allowDayManual = SyncWindow(kind: .allow, schedule: "0 9 * * *", duration: "8h", applications: ["*"], manualSync: true)
    static let nightManual = SyncWindow(kind: .deny, schedule: "0 22 * * *", duration: "8h", applications: ["*"], manualSync: true)
    static let allDay = SyncWindow(kind: .allow, schedule: "0 0 * * *", duration: "24h", applications: ["*"])

    static let verdictCases: [VerdictCase] = [
        .init(name: "no windows", windows: [], time: "2025-03-10T23:00:00Z", automated: true, manual: true,
              reason: "sync allowed: no sync window applies to guestbook"),
        .init(name: "no matching windows", windows: [SyncWindow(kind: .deny, schedule: "* * * * *", duration: "1h", applications: ["billing"])],
              time: "2025-03-10T23:00:00Z", automated: true, manual: true, reason: "no sync window applies"),
        .init(name: "deny active", windows: [night], time: "2025-03-10T23:00:00Z", automated: false, manual: false,
              reason: "sync denied by window deny '0 22 * * *' for 8h (active until 06:00 UTC)"),
        .init(name: "deny active, manualSync", windows: [nightManual], time: "2025-03-10T23:00:00Z", automated: false, manual: true,
              reason: "sync denied by window deny '0 22 * * *' for 8h (active until 06:00 UTC); manual sync allowed (manualSync)"),
        .init(name: "one active deny without manualSync", windows: [nightManual, SyncWindow(kind: .deny, schedule: "0 23 * * *", duration: "1h", namespaces: ["*"])],
              time: "2025-03-10T23:30:00Z", automated: false, manual: false, reason: "and 1 more deny window"),
        .init(name: "deny beats allow", windows: [allDay, night], time: "2025-03-10T23:00:00Z", automated: false, manual: false,
              reason: "sync denied by window deny '0 22 * * *'"),
        .init(name: "inactive deny", windows: [night], time: "2025-03-10T12:00:00Z", automated: true, manual: true,
              reason: "sync allowed: no deny window applying to guestbook is active"),
        .init(name: "allow active", windows: [allowDay], time: "2025-03-10T12:00:00Z", automated: true, manual: true,
              reason: "sync allowed by window allow '0 9 * * *' for 8h (active until 17:00 UTC)"),
        .init(name: "allow inactive", windows: [allowDay], time: "2025-03-10T20:00:00Z", automated: false, manual: false,
              reason: "sync denied: outside allow window allow '0 9 * * *' for 8h (next opens 09:00 UTC)"),
        .init(name: "allow inactive, manualSync", windows: [allowDayManual], time: "2025-03-10T20:00:00Z", automated: false, manual: true,
              reason: "(next opens 09:00 UTC); manual sync allowed (manualSync)"),
        .init(name: "allow inactive, days away", windows: [SyncWindow(kind: .allow, schedule: "0 9 * * MON", duration: "1h", applications: ["*"])],
              time: "2025-03-11T12:00:00Z", automated: false, manual: false, reason: "(next opens Mon 2025-03-17 09:00 UTC)"),
        .init(name: "overlapping occurrences", windows: [SyncWindow(kind: .deny, schedule: "0 22,23 * * *", duration: "2h", applications: ["*"])],
              time: "2025-03-10T22:30:00Z", automated: false, manual: false, reason: "(active until 01:00 UTC)"),
        .init(name: "always open", windows: [SyncWindow(kind: .deny, schedule: "*/30 * * * *", duration: "1h", applications: ["*"])],
              time: "2025-03-10T22:30:00Z", automated: false, manual: false, reason: "(open for at least another 7 days)"),
        .init(name: "zone in the reason", windows: [berlinNight], time: "2025-03-30T01:30:00Z", automated: false, manual: false,
              reason: "sync denied by window deny '0 1 * * *' for 3h (active until 04:00 Europe/Berlin)"),
        .init(name: "invalid window refuses", windows: [SyncWindow(kind: .allow, schedule: "0 9 * * *", duration: "soon", applications: ["*"])],
              time: "2025-03-10T12:00:00Z", automated: false, manual: false, reason: "is invalid (invalid duration \"soon\""),
    ]

    @Test(arguments: verdictCases)
    func verdicts(_ c: VerdictCase) {
        let v = c.windows.verdict(app: "guestbook", namespace: "apps", cluster: "prod", at: Self.at(c.time))
        #expect(v.automatedAllowed == c.automated)
        #expect(v.manualAllowed == c.manual)
        #expect(v.reason.contains(c.reason), "got \(v.reason)")
    }

    @Test func verdictListsActiveAndMatchingWindows() {
        let other = SyncWindow(kind: .deny, schedule: "* * * * *", duration: "1h", applications: ["billing"])
        let v = [Self.allDay, Self.night, other].verdict(app: "guestbook", namespace: "apps", cluster: "prod", at: Self.at("2025-03-10T23:00:00Z"))
        #expect(v.matchingWindows == [Self.allDay, Self.night])
        #expect(v.activeWindows == [Self.allDay, Self.night])
    }
}
