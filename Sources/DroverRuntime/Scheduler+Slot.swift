import DroverEngine
public import DroverModel
public import Foundation

extension Scheduler {
    /// When a planned run starts and must be over, and the window it is in.
    public struct Slot: Sendable, Hashable {
        public var start: Date
        /// The window's end (nothing may start later), else the start plus the estimate, at least one hour.
        public var end: Date
        public var window: String?
    }

    /// The least a planned run without a window end is given before it counts as missed.
    static let defaultLength: TimeInterval = 3600

    /// Whether the policy lets `change` start at `start` with its estimate inside the window, as `run` would judge
    /// it then: the estimate never shorter than `analysisSoak`, what the run's analyses take (`BatchTime`). Pure.
    /// - Throws: `RuntimeError` 4 with the policy's sentence, or the window-fit sentence.
    public static func check(
        policy: Policy?, environment: String?, change: ChangeInfo, analysisSoak: Duration = .zero, at start: Date
    ) throws -> Slot {
        let gate = PolicyGate.decide(policy: policy, environment: environment, change: change, emergency: nil, at: start)
        guard gate.allowed else { throw RuntimeError.refused(gate.check.sentence) }
        let estimate = BatchTime.judgedEstimate(change.estimate, analysisSoak: analysisSoak).map {
            TimeInterval($0.components.seconds)
        }
        var window: String?
        if case .window(let name) = gate.verdict.basis { window = name }
        guard let closesAt = gate.closesAt else {
            return Slot(start: start, end: start.addingTimeInterval(max(estimate ?? 0, defaultLength)), window: window)
        }
        if let estimate, start.addingTimeInterval(estimate) > closesAt {
            let zone = ZoneRules(identifier: policy?.timeZone ?? "UTC") ?? .utc
            let left = DurationText.format(.seconds(Int(closesAt.timeIntervalSince(start))))
            throw RuntimeError.refused(
                "REFUSED: the estimate \(BatchTime.describe(change.estimate ?? .zero, analysisSoak: analysisSoak)) "
                    + "does not fit: starting at "
                    + "\(zone.describe(start)) \(zone.identifier) leaves \(left) before the window closes at "
                    + "\(zone.describe(closesAt)); pick an earlier start or --next-window")
        }
        return Slot(start: start, end: closesAt, window: window)
    }

    /// The first opening after the one `instant` may be in where the policy allows `change` and its estimate fits.
    /// Pure.
    /// - Throws: `RuntimeError` 4 when the environment has no windows (use `--at`), the change is refused for a reason
    ///   other than time (approval), or nothing fits within the calendar's horizon.
    public static func nextWindow(
        policy: Policy?, environment: String?, change: ChangeInfo, analysisSoak: Duration = .zero, after instant: Date
    ) throws -> Slot {
        let first = PolicyGate.decide(policy: policy, environment: environment, change: change, emergency: nil, at: instant)
        if first.allowed, first.closesAt == nil {
            throw RuntimeError.refused(
                "--next-window: \(environment ?? "the environment") has no windows that close (\(first.verdict.reasonText)); "
                    + "name the time with --at")
        }
        if !first.allowed, !first.refusedForTime { throw RuntimeError.refused(first.check.sentence) }
        // Start after the current open span, so the run is planned for an opening ahead, not for now.
        var candidate = first.allowed ? first.closesAt! : instant
        for _ in 0..<400 {
            let gate = PolicyGate.decide(policy: policy, environment: environment, change: change, emergency: nil, at: candidate)
            if gate.allowed, gate.verdict.instant > instant {
                if let slot = try? check(
                    policy: policy, environment: environment, change: change, analysisSoak: analysisSoak, at: candidate)
                {
                    return slot
                }
                guard let closesAt = gate.closesAt else { break }
                candidate = closesAt
                continue
            }
            guard let opening = gate.verdict.nextOpening, opening > candidate else { break }
            candidate = opening
        }
        throw RuntimeError.refused(
            "--next-window: no opening within \(MaintenanceCalendar.searchHorizonDays) days fits the change"
                + (change.estimate.map { " (estimate \(BatchTime.describe($0, analysisSoak: analysisSoak)))" } ?? ""))
    }

    /// `2026-12-13 02:00` (or with `T`) on `zone`'s wall clock, or with a `Z` or `±HH:MM` offset. Nil when it is
    /// neither.
    public static func parseTime(_ text: String, zone: ZoneRules) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "T")
        let parts = trimmed.split(separator: "T", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        let dateFields = parts[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard dateFields.count == 3, let year = dateFields[0], let month = dateFields[1], let day = dateFields[2],
            let date = CalendarDate(year: year, month: month, day: day)
        else { return nil }
        var clock = parts[1]
        var offset: Int?
        if clock.hasSuffix("Z") {
            offset = 0
            clock.removeLast()
        } else if let sign = clock.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let zoneText = clock[clock.index(after: sign)...].split(separator: ":").map { Int($0) }
            guard zoneText.count == 2, let hours = zoneText[0], let minutes = zoneText[1], hours < 24, minutes < 60
            else { return nil }
            offset = (hours * 60 + minutes) * 60 * (clock[sign] == "-" ? -1 : 1)
            clock = String(clock[..<sign])
        }
        let timeFields = clock.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard timeFields.count == 2 || (timeFields.count == 3 && timeFields[2] == 0), let hour = timeFields[0],
            let minute = timeFields[1], hour < 24, let time = WallClockTime(hour: hour, minute: minute)
        else { return nil }
        guard let offset else { return zone.instant(date, time) }
        return ZoneRules.utc.instant(date, time).addingTimeInterval(-Double(offset))
    }
}
