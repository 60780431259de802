import Foundation

// Sync windows as Argo CD evaluates them (`SyncWindows.Matches`, `Active`, `InactiveAllows`,
// `CanSync` in argo-cd's pkg/apis/application/v1alpha1), with the schedule language of
// robfig/cron (the parser Argo CD builds with Minute | Hour | Dom | Month | Dow) and the
// duration language of Go's time.ParseDuration.
//
// Time is always a parameter: nothing here reads the clock.

// MARK: - Cron schedules

/// A five-field cron schedule: `minute hour day-of-month month day-of-week`, as robfig/cron's
/// standard parser reads it.
///
/// - `*` (or `?`) any value; `a,b,c` lists; `a-b` ranges; `*/n`, `a-b/n` and `a/n` (= `a-max/n`) steps;
/// - month names `JAN`–`DEC` and day names `SUN`–`SAT`, any case, also in ranges (`MON-FRI`);
/// - day-of-week 0–6 with 0 = Sunday; 7 is accepted as Sunday too (robfig rejects it, Vixie cron allows it);
/// - when both day-of-month and day-of-week are restricted (neither starts with `*`/`?`), a day
///   matches if either matches (`0 0 1 * MON`: the 1st and every Monday); otherwise both must.
///
/// Descriptors (`@daily`), seconds, `L`/`W`/`#` and a `CRON_TZ=` prefix are not accepted:
/// Argo CD's parser does not accept them either, and the time zone is the window's `timeZone`.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    public let spec: String
    let minutes: UInt64       // bits 0...59
    let hours: UInt64         // bits 0...23
    let daysOfMonth: UInt64   // bits 1...31
    let months: UInt64        // bits 1...12
    let daysOfWeek: UInt64    // bits 0...6, 0 = Sunday
    /// Whether the field was `*`/`?` without a step > 1 (robfig's star bit): then the
    /// day-of-month/day-of-week OR rule does not apply.
    let domIsStar: Bool
    let dowIsStar: Bool

    public var description: String { spec }

    public init(_ spec: String) throws(CronScheduleError) {
        self.spec = spec
        if spec.hasPrefix("@") {
            throw CronScheduleError(spec: spec, field: nil, reason: "descriptors such as @daily are not supported; write five fields, e.g. \"0 0 * * *\"")
        }
        if spec.hasPrefix("TZ=") || spec.hasPrefix("CRON_TZ=") {
            throw CronScheduleError(spec: spec, field: nil, reason: "a time-zone prefix is not supported here; set the window's timeZone instead")
        }
        let fields = spec.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard fields.count == 5 else {
            throw CronScheduleError(spec: spec, field: nil,
                                    reason: "expected exactly 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)")
        }
        let m = try Self.parseField(fields[0], .minute, spec: spec)
        let h = try Self.parseField(fields[1], .hour, spec: spec)
        let dom = try Self.parseField(fields[2], .dayOfMonth, spec: spec)
        let mon = try Self.parseField(fields[3], .month, spec: spec)
        let dow = try Self.parseField(fields[4], .dayOfWeek, spec: spec)
        minutes = m.bits
        hours = h.bits
        daysOfMonth = dom.bits
        months = mon.bits
        // 7 is Sunday too.
        daysOfWeek = (dow.bits & 0x7F) | (dow.bits >> 7 & 1)
        domIsStar = dom.star
        dowIsStar = dow.star
    }

    /// Whether the schedule fires at the wall-clock minute `date` falls in, read in `timeZone`.
    public func matches(_ date: Date, in timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> Bool {
        let wall = WallClock.seconds(of: date, in: timeZone)
        let t = Int64((wall / 60).rounded(.down)) * 60
        let day = WallClock.floorDiv(t, 86_400)
        let minuteOfDay = Int((t - day * 86_400) / 60)
        let (_, month, dom) = WallClock.civil(fromDays: day)
        return months >> UInt64(month) & 1 == 1 && dayMatches(dayOfMonth: dom, weekday: WallClock.weekday(ofDays: day))
            && hours >> UInt64(minuteOfDay / 60) & 1 == 1 && minutes >> UInt64(minuteOfDay % 60) & 1 == 1
    }

    /// Why the schedule can never fire (`0 0 30 2 *`), or nil when it can. robfig accepts such a
    /// schedule and simply never runs it; for an allow window that means "never sync".
    public var neverFiresReason: String? {
        // Only a restricted day-of-month read with AND (day-of-week `*`) can be impossible: with
        // the OR rule a restricted day-of-week always gives some day, and `*` gives every day.
        guard !domIsStar && dowIsStar else { return nil }
        let maxDays = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        for month in 1...12 where months >> UInt64(month) & 1 == 1 {
            let possible = daysOfMonth & ((UInt64(1) << UInt64(maxDays[month] + 1)) - 1)
            if possible != 0 { return nil }
        }
        return "its day-of-month never occurs in its month(s)"
    }

    func dayMatches(dayOfMonth: Int, weekday: Int) -> Bool {
        let domMatch = daysOfMonth >> UInt64(dayOfMonth) & 1 == 1
        let dowMatch = daysOfWeek >> UInt64(weekday) & 1 == 1
        if domIsStar || dowIsStar { return domMatch && dowMatch }
        return domMatch || dowMatch
    }

    /// The latest minute of a day at or before `maxMinute` (0...1439) that fires, if any.
    private func latestTime(atOrBefore maxMinute: Int) -> Int? {
        let h0 = maxMinute / 60, m0 = maxMinute % 60
        if hours >> UInt64(h0) & 1 == 1 {
            let mask = minutes & (UInt64.max >> UInt64(63 - m0))
            if mask != 0 { return h0 * 60 + (63 - mask.leadingZeroBitCount) }
        }
        guard h0 > 0 else { return nil }
        let hmask = hours & (UInt64.max >> UInt64(64 - h0))
        guard hmask != 0 else { return nil }
        return (63 - hmask.leadingZeroBitCount) * 60 + (63 - minutes.leadingZeroBitCount)
    }

    /// The earliest minute of a day at or after `minMinute` (0...1439) that fires, if any.
    private func earliestTime(atOrAfter minMinute: Int) -> Int? {
        let h0 = minMinute / 60, m0 = minMinute % 60
        if hours >> UInt64(h0) & 1 == 1 {
            let mask = minutes & (UInt64.max << UInt64(m0))
            if mask != 0 { return h0 * 60 + mask.trailingZeroBitCount }
        }
        guard h0 < 23 else { return nil }
        let hmask = hours & (UInt64.max << UInt64(h0 + 1))
        guard hmask != 0 else { return nil }
        return hmask.trailingZeroBitCount * 60 + minutes.trailingZeroBitCount
    }

    /// The latest fire time `t` (wall-clock seconds, see `WallClock`) with `after < t <= atOrBefore`.
    /// Steps a day at a time (a month at a time through months that never fire), so the cost is
    /// bounded by the span in days, not minutes.
    func latestFire(atOrBefore w: Int64, after lower: Int64) -> Int64? {
        var day = WallClock.floorDiv(w, 86_400)
        var maxMinute = Int((w - day * 86_400) / 60)
        while day * 86_400 + Int64(maxMinute) * 60 > lower {
            let (_, month, dom) = WallClock.civil(fromDays: day)
            if months >> UInt64(month) & 1 == 0 {
                day -= Int64(dom)  // last day of the previous month
            } else {
                if dayMatches(dayOfMonth: dom, weekday: WallClock.weekday(ofDays: day)), let m = latestTime(atOrBefore: maxMinute) {
                    let t = day * 86_400 + Int64(m) * 60
                    return t > lower ? t : nil
                }
                day -= 1
            }
            maxMinute = 1439
        }
        return nil
    }

    /// The earliest fire time `t` with `after < t < before` (wall-clock seconds).
    func earliestFire(after w: Int64, before upper: Int64) -> Int64? {
        let first = (WallClock.floorDiv(w, 60) + 1) * 60
        var day = WallClock.floorDiv(first, 86_400)
        var minMinute = Int((first - day * 86_400) / 60)
        while day * 86_400 + Int64(minMinute) * 60 < upper {
            let (year, month, dom) = WallClock.civil(fromDays: day)
            if months >> UInt64(month) & 1 == 0 {
                day += Int64(WallClock.daysIn(year: year, month: month) - dom + 1)  // first of the next month
            } else {
                if dayMatches(dayOfMonth: dom, weekday: WallClock.weekday(ofDays: day)), let m = earliestTime(atOrAfter: minMinute) {
                    let t = day * 86_400 + Int64(m) * 60
                    return t < upper ? t : nil
                }
                day += 1
            }
            minMinute = 0
        }
        return nil
    }

    // MARK: Parsing (robfig/cron's getField/getRange, with field names in the errors)

    enum Field: String {
        case minute, hour
        case dayOfMonth = "day-of-month"
        case month
        case dayOfWeek = "day-of-week"

        var bounds: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }
        /// Upper end of `*` and of `a/n`: 6 for day-of-week (7 only when written).
        var starMax: Int { self == .dayOfWeek ? 6 : bounds.upperBound }
        var names: [String: Int] {
            switch self {
            case .month: ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]
            case .dayOfWeek: ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]
            default: [:]
            }
        }
    }

    private static func parseField(_ text: String, _ field: Field, spec: String) throws(CronScheduleError) -> (bits: UInt64, star: Bool) {
        var bits: UInt64 = 0
        var star = false
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let r = try parseRange(String(part), field, spec: spec, whole: text)
            bits |= r.bits
            star = star || r.star
        }
        return (bits, star)
    }

    private static func parseRange(_ expr: String, _ field: Field, spec: String, whole: String) throws(CronScheduleError) -> (bits: UInt64, star: Bool) {
        func fail(_ reason: String) -> CronScheduleError {
            CronScheduleError(spec: spec, field: field.rawValue, reason: "\"\(whole)\": \(reason)")
        }
        let rangeAndStep = expr.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let lowAndHigh = rangeAndStep[0].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        let bounds = field.bounds
        var start: Int, end: Int
        var star = false
        if lowAndHigh[0] == "*" || lowAndHigh[0] == "?" {
            guard lowAndHigh.count == 1 else { throw fail("\"\(expr)\" is not a valid range") }
            start = bounds.lowerBound
            end = field.starMax
            star = true
        } else {
            start = try value(lowAndHigh[0])
            switch lowAndHigh.count {
            case 1: end = start
            case 2: end = try value(lowAndHigh[1])
            default: throw fail("too many hyphens in \"\(expr)\"")
            }
        }
        var step = 1
        switch rangeAndStep.count {
        case 1: break
        case 2:
            guard let s = Int(rangeAndStep[1]), !rangeAndStep[1].hasPrefix("+") else {
                throw fail("step \"\(rangeAndStep[1])\" is not a number")
            }
            guard s > 0 else { throw fail("step must be a positive number, not \(s)") }
            step = s
            if lowAndHigh.count == 1 && !star { end = field.starMax }  // "5/15" = "5-max/15"
            if step > 1 { star = false }
        default: throw fail("too many slashes in \"\(expr)\"")
        }
        guard start >= bounds.lowerBound else { throw fail("\(start) is below the minimum \(bounds.lowerBound)") }
        guard end <= bounds.upperBound else { throw fail("\(end) is above the maximum \(bounds.upperBound)") }
        guard start <= end else { throw fail("range \(start)-\(end) runs backwards") }
        var bits: UInt64 = 0
        var v = start
        while v <= end {
            bits |= 1 << UInt64(v)
            v += step
        }
        return (bits, star)

        func value(_ s: String) throws(CronScheduleError) -> Int {
            if let n = field.names[s.lowercased()] { return n }
            guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(s) else {
                if s.hasPrefix("-") || s.isEmpty { throw fail("\"\(expr)\" is not a valid value or range") }
                let hint = field == .month ? " (use 1-12 or JAN-DEC)" : field == .dayOfWeek ? " (use 0-7 or SUN-SAT)" : ""
                throw fail("\"\(s)\" is not a number\(hint)")
            }
            return n
        }
    }
}

public struct CronScheduleError: Error, Sendable, Hashable, CustomStringConvertible {
    public let spec: String
    /// `minute`, `hour`, `day-of-month`, `month` or `day-of-week`; nil for whole-schedule errors.
    public let field: String?
    public let reason: String
    public var description: String {
        if let field { return "invalid schedule \"\(spec)\": \(field) field \(reason)" }
        return "invalid schedule \"\(spec)\": \(reason)"
    }
}

// MARK: - Go durations

/// Go's `time.ParseDuration` language: a sequence of decimal numbers with units, e.g. `1h`,
/// `30m`, `1h30m`, `90s`, `2h45m30s`, `1.5h`; units `ns`, `us` (`µs`), `ms`, `s`, `m`, `h`.
public enum GoDuration {
    /// Parses `text`; windows need a positive length, so zero and negative durations are errors.
    public static func parse(_ text: String) throws(GoDurationError) -> Duration {
        let ns = try nanoseconds(text)
        guard ns > 0 else { throw GoDurationError(text: text, reason: "must be longer than zero") }
        return .nanoseconds(ns)
    }

    /// Exactly Go's rules (sign, `0` alone, fractions, overflow), in nanoseconds.
    static func nanoseconds(_ text: String) throws(GoDurationError) -> Int64 {
        func fail(_ reason: String) -> GoDurationError { GoDurationError(text: text, reason: reason) }
        let units: [([UInt8], UInt64)] = [
            (Array("ns".utf8), 1), (Array("us".utf8), 1_000), (Array("µs".utf8), 1_000), (Array("μs".utf8), 1_000),
            (Array("ms".utf8), 1_000_000), (Array("s".utf8), 1_000_000_000),
            (Array("m".utf8), 60_000_000_000), (Array("h".utf8), 3_600_000_000_000),
        ]
        let limit: UInt64 = 1 << 63
        var s = Array(text.utf8)[...]
        var neg = false
        if let c = s.first, c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
            neg = c == UInt8(ascii: "-")
            s = s.dropFirst()
        }
        if s.elementsEqual([UInt8(ascii: "0")]) { return 0 }
        guard !s.isEmpty else { throw fail("empty; write e.g. 1h, 30m or 1h30m") }
        func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        var total: UInt64 = 0
        while let c = s.first {
            guard c == UInt8(ascii: ".") || isDigit(c) else { throw fail("expected a number at \"\(String(decoding: s, as: UTF8.self))\"") }
            // Integer part.
            var v: UInt64 = 0
            var pre = false
            while let d = s.first, isDigit(d) {
                guard v <= (limit - 1) / 10 else { throw fail("too large") }
                v = v * 10 + UInt64(d - UInt8(ascii: "0"))
                guard v <= limit else { throw fail("too large") }
                s = s.dropFirst()
                pre = true
            }
            // Fraction.
            var f: UInt64 = 0
            var scale: Double = 1
            var post = false
            if s.first == UInt8(ascii: ".") {
                s = s.dropFirst()
                var overflow = false
                while let d = s.first, isDigit(d) {
                    s = s.dropFirst()
                    post = true
                    if overflow { continue }
                    if f > (limit - 1) / 10 { overflow = true; continue }
                    let y = f * 10 + UInt64(d - UInt8(ascii: "0"))
                    if y > limit { overflow = true; continue }
                    f = y
                    scale *= 10
                }
            }
            guard pre || post else { throw fail("expected digits around \".\"") }
            // Unit.
            let unitEnd = s.firstIndex(where: { $0 == UInt8(ascii: ".") || isDigit($0) }) ?? s.endIndex
            let u = s[s.startIndex..<unitEnd]
            guard !u.isEmpty else { throw fail("missing unit; use h, m, s, ms, us or ns (e.g. 1h30m)") }
            guard let unit = units.first(where: { $0.0.elementsEqual(u) })?.1 else {
                throw fail("unknown unit \"\(String(decoding: u, as: UTF8.self))\"; use h, m, s, ms, us or ns")
            }
            s = s[unitEnd...]
            guard v <= limit / unit else { throw fail("too large") }
            v *= unit
            if f > 0 {
                let extra = Double(f) * (Double(unit) / scale)
                guard extra < Double(limit) else { throw fail("too large") }
                v += UInt64(extra)
                guard v <= limit else { throw fail("too large") }
            }
            let (sum, overflow) = total.addingReportingOverflow(v)
            guard !overflow, sum <= limit else { throw fail("too large") }
            total = sum
        }
        if neg { return total == limit ? Int64.min : -Int64(total) }
        guard total <= limit - 1 else { throw fail("too large") }
        return Int64(total)
    }
}

public struct GoDurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "invalid duration \"\(text)\": \(reason)" }
}

// MARK: - Wall clock

/// Wall-clock time as seconds since 1970-01-01 00:00 *on the wall clock of a zone*: the UTC
/// instant plus the zone's offset at that instant. Argo CD evaluates windows this way (it shifts
/// "now" by the zone's current offset and reads the schedule in UTC), so on a DST day a window
/// is open for its clock times: `0 1 * * *` for 3h in Europe/Berlin is open 01:00–04:00 on
/// the wall clock, which is 2h of real time on the spring-forward day and 4h in autumn.
enum WallClock {
    static func seconds(of date: Date, in zone: TimeZone) -> Double {
        date.timeIntervalSince1970 + Double(zone.secondsFromGMT(for: date))
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Days since 1970-01-01 → (year, month 1-12, day 1-31), proleptic Gregorian.
    static func civil(fromDays z0: Int64) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), Int(m), Int(d))
    }

    /// 0 = Sunday.
    static func weekday(ofDays z: Int64) -> Int {
        Int(((z % 7) + 7 + 4) % 7)
    }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `06:00`, with seconds when not whole minutes; with the date when `withDate`.
    static func format(_ wall: Double, withDate: Bool) -> String {
        let secs = Int64(wall.rounded(.down))
        let day = floorDiv(secs, 86_400)
        let sod = Int(secs - day * 86_400)
        let (y, m, d) = civil(fromDays: day)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var time = "\(two(sod / 3600)):\(two(sod / 60 % 60))"
        if sod % 60 != 0 { time += ":\(two(sod % 60))" }
        guard withDate else { return time }
        let names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        return "\(names[weekday(ofDays: day)]) \(y)-\(two(m))-\(two(d)) \(time)"
    }
}

// MARK: - Sync windows

extension SyncWindow {
    /// `deny '0 22 * * *' for 8h`: how messages name a window.
    public var summary: String { "\(kind.rawValue) '\(schedule)' for \(duration)" }

    /// The schedule, parsed.
    public func parsedSchedule() throws(CronScheduleError) -> CronSchedule { try CronSchedule(schedule) }

    /// The duration, parsed (positive).
    public func parsedDuration() throws(GoDurationError) -> Duration { try GoDuration.parse(duration) }

    /// The window's time zone (IANA name; nil or empty means UTC), or nil when unknown.
    public var resolvedTimeZone: TimeZone? {
        guard let name = timeZone, !name.isEmpty else { return TimeZone(identifier: "UTC") }
        return TimeZone(identifier: name)
    }

    /// Configuration errors of this window (schedule, duration, time zone, globs, scope), each a
    /// sentence naming the field. Empty when the window is valid.
    public func validationErrors() -> [String] {
        var errors: [String] = []
        do {
            let s = try parsedSchedule()
            if let why = s.neverFiresReason { errors.append("schedule \"\(schedule)\" never fires: \(why)") }
        } catch { errors.append(error.description) }
        do { _ = try parsedDuration() } catch { errors.append(error.description) }
        if resolvedTimeZone == nil {
            errors.append("unknown timeZone \"\(timeZone ?? "")\": use an IANA name such as UTC or Europe/Berlin")
        }
        for (name, list) in [("applications", applications), ("namespaces", namespaces), ("clusters", clusters)] {
            for pattern in list {
                do { _ = try Glob(pattern) } catch { errors.append("\(name): \(error.description)") }
            }
        }
        if applications.isEmpty && namespaces.isEmpty && clusters.isEmpty {
            errors.append("window applies to nothing: set at least one of applications, namespaces or clusters (\"*\" for all)")
        }
        return errors
    }

    /// Whether the window covers an application (Argo CD's `Matches`): any of its application,
    /// namespace or cluster globs matches (no negation in windows).
    public func applies(app: String, namespace: String, cluster: String) -> Bool {
        func any(_ patterns: [String], _ value: String) -> Bool {
            patterns.contains { $0 == "*" || Glob.matches($0, value) }
        }
        return any(applications, app) || any(clusters, cluster) || any(namespaces, namespace)
    }

    /// Whether the window is open at `date`: some fire time `t` of the schedule, read on the wall
    /// clock of the window's time zone, has `t <= now < t + duration` (see `WallClock`).
    /// An invalid window is never active (`verdict` refuses syncs when a window is invalid).
    public func isActive(at date: Date) -> Bool {
        guard let r = try? ResolvedWindow(self) else { return false }
        return r.latestOpening(at: date) != nil
    }
}

/// A window with its schedule, duration and zone parsed.
struct ResolvedWindow {
    let window: SyncWindow
    let schedule: CronSchedule
    let seconds: Double
    let zone: TimeZone

    init(_ w: SyncWindow) throws(WindowInvalid) {
        window = w
        do { schedule = try w.parsedSchedule() } catch { throw WindowInvalid(reason: error.description) }
        do { seconds = Self.seconds(try w.parsedDuration()) } catch { throw WindowInvalid(reason: error.description) }
        guard let z = w.resolvedTimeZone else { throw WindowInvalid(reason: "unknown timeZone \"\(w.timeZone ?? "")\"") }
        zone = z
    }

    struct WindowInvalid: Error { let reason: String }

    static func seconds(_ d: Duration) -> Double {
        let (s, atto) = d.components
        return Double(s) + Double(atto) / 1e18
    }

    enum Closing {
        case notActive
        case at(Double)
        /// Still open `horizon` seconds from now (overlapping occurrences).
        case beyondHorizon
    }

    var zoneName: String { window.timeZone.flatMap { $0.isEmpty ? nil : $0 } ?? "UTC" }

    /// The latest fire time (wall seconds) whose window contains `date`.
    func latestOpening(at date: Date) -> Int64? {
        let wall = WallClock.seconds(of: date, in: zone)
        return schedule.latestFire(atOrBefore: Int64(wall.rounded(.down)), after: Int64((wall - seconds).rounded(.down)))
    }

    /// When the window, open at `date`, closes (wall seconds), following overlapping
    /// occurrences; nil when it stays open past `horizon` seconds.
    func closing(at date: Date, horizon: Double = 7 * 86_400) -> Closing {
        guard var t = latestOpening(at: date) else { return .notActive }
        let wall = WallClock.seconds(of: date, in: zone)
        var end = Double(t) + seconds
        while end - wall <= horizon {
            // An occurrence starting before (or exactly when) this one ends keeps the window open.
            guard let next = schedule.latestFire(atOrBefore: Int64(end.rounded(.down)), after: t), next > t else { return .at(end) }
            t = next
            end = Double(t) + seconds
        }
        return .beyondHorizon
    }

    /// The next opening after `date` (wall seconds), searching about nine years ahead.
    func nextOpening(after date: Date) -> Int64? {
        let wall = Int64(WallClock.seconds(of: date, in: zone).rounded(.down))
        return schedule.earliestFire(after: wall, before: wall + 9 * 366 * 86_400)
    }

    func describeClosing(at date: Date, _ known: Closing? = nil) -> String {
        let wall = WallClock.seconds(of: date, in: zone)
        switch known ?? closing(at: date) {
        case .at(let end): return "active until \(WallClock.format(end, withDate: end - wall >= 86_400)) \(zoneName)"
        case .beyondHorizon: return "open for at least another 7 days"
        case .notActive: return "not active"
        }
    }

    func describeNextOpening(after date: Date) -> String {
        let wall = WallClock.seconds(of: date, in: zone)
        guard let t = nextOpening(after: date) else { return "never opens again" }
        return "next opens \(WallClock.format(Double(t), withDate: Double(t) - wall >= 86_400)) \(zoneName)"
    }
}

/// What the sync windows that cover an application allow at one moment (Argo CD's
/// `SyncWindows.CanSync(isManual)` for both values of `isManual`).
public struct SyncWindowVerdict: Sendable, Hashable {
    /// Automated syncs (and self-heal) may run.
    public var automatedAllowed: Bool
    /// A person may sync by hand.
    public var manualAllowed: Bool
    /// Windows covering the application that are open now.
    public var activeWindows: [SyncWindow]
    /// Every window covering the application.
    public var matchingWindows: [SyncWindow]
    /// One sentence: what decided, and until when.
    public var reason: String

    public init(automatedAllowed: Bool, manualAllowed: Bool, activeWindows: [SyncWindow], matchingWindows: [SyncWindow], reason: String) {
        self.automatedAllowed = automatedAllowed
        self.manualAllowed = manualAllowed
        self.activeWindows = activeWindows
        self.matchingWindows = matchingWindows
        self.reason = reason
    }
}

extension Array where Element == SyncWindow {
    /// Argo CD's rules, for the windows covering `app` (deployed to `namespace` on `cluster`):
    /// 1. no window covers the app: syncs are allowed;
    /// 2. an active deny window blocks syncs; manual syncs still run when every active deny window
    ///    has `manualSync` (deny wins over an active allow window);
    /// 3. otherwise an active allow window allows syncs;
    /// 4. otherwise, when allow windows cover the app but none is open, syncs wait; manual syncs
    ///    run when every such allow window has `manualSync`;
    /// 5. otherwise (only inactive deny windows) syncs are allowed.
    /// A covering window that does not parse blocks every sync (Argo CD: "invalid sync windows").
    public func verdict(app: String, namespace: String, cluster: String, at date: Date) -> SyncWindowVerdict {
        let matching = filter { $0.applies(app: app, namespace: namespace, cluster: cluster) }
        guard !matching.isEmpty else {
            return SyncWindowVerdict(automatedAllowed: true, manualAllowed: true, activeWindows: [], matchingWindows: [],
                                     reason: "sync allowed: no sync window applies to \(app)")
        }
        var resolved: [ResolvedWindow] = []
        for w in matching {
            do { resolved.append(try ResolvedWindow(w)) } catch {
                return SyncWindowVerdict(automatedAllowed: false, manualAllowed: false, activeWindows: [], matchingWindows: matching,
                                         reason: "sync denied: window \(w.summary) is invalid (\(error.reason)); fix the project's syncWindows")
            }
        }
        let active = resolved.filter { $0.latestOpening(at: date) != nil }
        let activeWindows = active.map(\.window)
        func more(_ n: Int, _ what: String) -> String { n > 1 ? " and \(n - 1) more \(what) window\(n > 2 ? "s" : "")" : "" }

        let denies = active.filter { $0.window.kind == .deny }
        if !denies.isEmpty {
            let manual = denies.allSatisfy(\.window.manualSync)
            // Name the deny window that stays open longest: it says when syncs can resume.
            let closings = denies.map { ($0, $0.closing(at: date)) }
            let (decisive, closes) = closings.max { a, b in closingKey(a.0, a.1, date) < closingKey(b.0, b.1, date) }!
            var reason = "sync denied by window \(decisive.window.summary) (\(decisive.describeClosing(at: date, closes)))\(more(denies.count, "deny"))"
            reason += manual ? "; manual sync allowed (manualSync)" : ""
            return SyncWindowVerdict(automatedAllowed: false, manualAllowed: manual, activeWindows: activeWindows, matchingWindows: matching, reason: reason)
        }
        let allows = active.filter { $0.window.kind == .allow }.map { ($0, $0.closing(at: date)) }
        if let (allow, closes) = allows.max(by: { a, b in closingKey(a.0, a.1, date) < closingKey(b.0, b.1, date) }) {
            return SyncWindowVerdict(automatedAllowed: true, manualAllowed: true, activeWindows: activeWindows, matchingWindows: matching,
                                     reason: "sync allowed by window \(allow.window.summary) (\(allow.describeClosing(at: date, closes)))")
        }
        let inactiveAllows = resolved.filter { $0.window.kind == .allow }
        if !inactiveAllows.isEmpty {
            let manual = inactiveAllows.allSatisfy(\.window.manualSync)
            // Name the allow window that opens first.
            let soonest = inactiveAllows.min { a, b in
                (a.nextOpening(after: date).map { Double($0) - WallClock.seconds(of: date, in: a.zone) } ?? .infinity)
                    < (b.nextOpening(after: date).map { Double($0) - WallClock.seconds(of: date, in: b.zone) } ?? .infinity)
            }!
            var reason = "sync denied: outside allow window \(soonest.window.summary) (\(soonest.describeNextOpening(after: date)))\(more(inactiveAllows.count, "allow"))"
            reason += manual ? "; manual sync allowed (manualSync)" : ""
            return SyncWindowVerdict(automatedAllowed: false, manualAllowed: manual, activeWindows: [], matchingWindows: matching, reason: reason)
        }
        return SyncWindowVerdict(automatedAllowed: true, manualAllowed: true, activeWindows: [], matchingWindows: matching,
                                 reason: "sync allowed: no deny window applying to \(app) is active")
    }
}

/// Seconds from `date` until the window closes (infinite when open for the whole horizon).
private func closingKey(_ w: ResolvedWindow, _ closing: ResolvedWindow.Closing, _ date: Date) -> Double {
    switch closing {
    case .at(let end): end - WallClock.seconds(of: date, in: w.zone)
    case .beyondHorizon: .infinity
    case .notActive: 0
    }
}
