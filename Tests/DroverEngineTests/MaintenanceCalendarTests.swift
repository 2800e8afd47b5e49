import DroverEngine
import DroverModel
import Foundation
import Testing

/// Fixed instants against the SPEC's example policy and small policies of one rule each: every rule of SPEC
/// section 5, daylight-saving days in New York and Berlin, and Kuwait (no daylight saving).
@Suite struct MaintenanceCalendarTests {
    static func t(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }

    static func time(_ text: String) -> WallClockTime {
        let parts = text.split(separator: ":").map { Int($0)! }
        return WallClockTime(hour: parts[0], minute: parts[1])!
    }

    static func window(
        _ name: String, _ recurrence: MaintenanceWindow.Recurrence, _ start: String, _ end: String, zone: String = "UTC"
    ) -> MaintenanceWindow {
        MaintenanceWindow(name: name, recurrence: recurrence, start: time(start), end: time(end), timeZone: zone)
    }

    static func range(_ start: String, _ end: String) -> TimeRange { TimeRange(start: time(start), end: time(end)) }

    /// SPEC section 5's production environment (as in Inventory/policy.yml, without the evening rush).
    static let production = EnvironmentPolicy(
        windows: [
            window("Primary", .weekdays([.sunday]), "02:00", "06:00"),
            window("Secondary", .weekdays([.wednesday]), "02:00", "04:00"),
            window("Monthly patching", .monthly(NthWeekday(.fourth, .sunday)), "00:00", "04:00", zone: "Asia/Kuwait"),
        ],
        blackouts: [
            Blackout(name: "Morning order rush", kind: .daily(range("08:00", "10:00")), timeZone: "Asia/Kuwait"),
            Blackout(name: "Weekend planning", kind: .weekly([.friday], range("14:00", "18:00")), timeZone: "UTC"),
            Blackout(name: "Month-end close", kind: .monthEnd(days: 3), timeZone: "UTC"),
            Blackout(
                name: "Year-end freeze", kind: .yearly(from: MonthDay(month: 12, day: 28)!, to: MonthDay(month: 1, day: 5)!),
                timeZone: "UTC"),
            Blackout(
                name: "Eid al-Fitr 2026",
                kind: .dates(from: CalendarDate(year: 2026, month: 3, day: 19)!, to: CalendarDate(year: 2026, month: 3, day: 23)!),
                timeZone: "UTC"),
        ])

    /// SPEC section 5's staging environment.
    static let staging = EnvironmentPolicy(windows: [
        window("Nightly", .daily, "22:00", "23:00"),
        window("Extended", .weekdays([.friday]), "18:00", "22:00"),
        window("Late", .weekdays([.saturday]), "23:30", "01:30"),
    ])

    /// One expectation: at `instant`, open (closing when, because of what) or closed (why, next opening, its end).
    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var instant: String
        var allowed: Bool
        var rule: String
        /// Open: the closing instant; closed: the next opening.
        var next: String?
        /// Open: the closing rule; closed: the window of the next opening.
        var nextRule: String?
        /// Closed: when the next opening closes.
        var nextEnd: String? = nil
        var testDescription: String { label }
    }

    static let productionCases: [Case] = [
        Case(label: "inside Primary, cut short by the Kuwait morning rush (08:00 AST = 05:00Z)",
             instant: "2026-11-22T03:00:00Z", allowed: true, rule: "window:Primary", next: "2026-11-22T05:00:00Z",
             nextRule: "Morning order rush"),
        Case(label: "between the Kuwait monthly window and Primary", instant: "2026-11-22T01:30:00Z", allowed: false,
             rule: "outside_windows", next: "2026-11-22T02:00:00Z", nextRule: "Primary", nextEnd: "2026-11-22T05:00:00Z"),
        Case(label: "4th Sunday 00:00 Kuwait is Saturday 21:00Z", instant: "2026-11-21T22:00:00Z", allowed: true,
             rule: "window:Monthly patching", next: "2026-11-22T01:00:00Z", nextRule: "Monthly patching"),
        Case(label: "3rd Sunday has no monthly window", instant: "2026-11-14T22:00:00Z", allowed: false,
             rule: "outside_windows", next: "2026-11-15T02:00:00Z", nextRule: "Primary", nextEnd: "2026-11-15T05:00:00Z"),
        Case(label: "blackout beats window: morning rush inside Primary", instant: "2026-11-22T05:30:00Z",
             allowed: false, rule: "blackout:Morning order rush", next: "2026-11-25T02:00:00Z", nextRule: "Secondary",
             nextEnd: "2026-11-25T04:00:00Z"),
        Case(label: "month-end close covers the last 3 days of November", instant: "2026-11-29T03:00:00Z",
             allowed: false, rule: "blackout:Month-end close", next: "2026-12-02T02:00:00Z", nextRule: "Secondary",
             nextEnd: "2026-12-02T04:00:00Z"),
        Case(label: "day before month-end is open", instant: "2026-12-27T03:00:00Z", allowed: true,
             rule: "window:Primary", next: "2026-12-27T05:00:00Z", nextRule: "Morning order rush"),
        Case(label: "year-end freeze across 31 December to the first Wednesday after 5 January",
             instant: "2026-12-30T03:00:00Z", allowed: false, rule: "blackout:Year-end freeze",
             next: "2027-01-06T02:00:00Z", nextRule: "Secondary", nextEnd: "2027-01-06T04:00:00Z"),
        Case(label: "dated Eid blackout on a 4th Sunday", instant: "2026-03-22T03:00:00Z", allowed: false,
             rule: "blackout:Eid al-Fitr 2026", next: "2026-03-25T02:00:00Z", nextRule: "Secondary",
             nextEnd: "2026-03-25T04:00:00Z"),
        Case(label: "weekday morning is outside every window", instant: "2026-11-23T12:00:00Z", allowed: false,
             rule: "outside_windows", next: "2026-11-25T02:00:00Z", nextRule: "Secondary",
             nextEnd: "2026-11-25T04:00:00Z"),
        Case(label: "window end is exclusive", instant: "2026-11-25T04:00:00Z", allowed: false,
             rule: "outside_windows", next: "2026-12-02T02:00:00Z", nextRule: "Secondary",
             nextEnd: "2026-12-02T04:00:00Z"),
        Case(label: "window start is inclusive", instant: "2026-11-25T02:00:00Z", allowed: true,
             rule: "window:Secondary", next: "2026-11-25T04:00:00Z", nextRule: "Secondary"),
    ]

    @Test(arguments: productionCases)
    func productionVerdicts(_ example: Case) {
        check(MaintenanceCalendar(policy: Self.production), example)
    }

    static let stagingCases: [Case] = [
        Case(label: "Late crosses midnight into Sunday", instant: "2026-11-28T23:45:00Z", allowed: true,
             rule: "window:Late", next: "2026-11-29T01:30:00Z", nextRule: "Late"),
        Case(label: "Late still open after midnight: it belongs to Saturday", instant: "2026-11-29T00:30:00Z",
             allowed: true, rule: "window:Late", next: "2026-11-29T01:30:00Z", nextRule: "Late"),
        Case(label: "no Late window after a Friday", instant: "2026-11-28T00:30:00Z", allowed: false,
             rule: "outside_windows", next: "2026-11-28T22:00:00Z", nextRule: "Nightly", nextEnd: "2026-11-28T23:00:00Z"),
        Case(label: "Extended runs on into Nightly: closes at 23:00", instant: "2026-11-27T18:30:00Z",
             allowed: true, rule: "window:Extended", next: "2026-11-27T23:00:00Z", nextRule: "Nightly"),
        Case(label: "Saturday between Nightly and Late", instant: "2026-11-28T23:10:00Z", allowed: false,
             rule: "outside_windows", next: "2026-11-28T23:30:00Z", nextRule: "Late", nextEnd: "2026-11-29T01:30:00Z"),
        Case(label: "Monday noon: next Nightly", instant: "2026-11-30T12:00:00Z", allowed: false,
             rule: "outside_windows", next: "2026-11-30T22:00:00Z", nextRule: "Nightly", nextEnd: "2026-11-30T23:00:00Z"),
    ]

    @Test(arguments: stagingCases)
    func stagingVerdicts(_ example: Case) {
        check(MaintenanceCalendar(policy: Self.staging), example)
    }

    /// Daylight saving: US 2026-03-08 02:00 EST → 03:00 EDT, 2026-11-01 02:00 EDT → 01:00 EST; Berlin 2026-03-29
    /// 02:00 CET → 03:00 CEST. Kuwait (AST, UTC+3) has none.
    static let zoneCases: [(EnvironmentPolicy, Case)] = [
        (EnvironmentPolicy(windows: [window("Early", .daily, "02:30", "03:30", zone: "America/New_York")]),
         Case(label: "New York: 02:30 does not exist on 8 March, the window starts at 03:00 EDT",
              instant: "2026-03-08T06:59:00Z", allowed: false, rule: "outside_windows", next: "2026-03-08T07:00:00Z",
              nextRule: "Early", nextEnd: "2026-03-08T07:30:00Z")),
        (EnvironmentPolicy(windows: [window("Early", .daily, "02:30", "03:30", zone: "America/New_York")]),
         Case(label: "New York: the day before, 02:30 EST is 07:30Z", instant: "2026-03-07T07:29:00Z",
              allowed: false, rule: "outside_windows", next: "2026-03-07T07:30:00Z", nextRule: "Early",
              nextEnd: "2026-03-07T08:30:00Z")),
        (EnvironmentPolicy(windows: [window("Early", .daily, "02:30", "03:30", zone: "America/New_York")]),
         Case(label: "New York: the day after, 02:30 EDT is 06:30Z", instant: "2026-03-09T06:45:00Z",
              allowed: true, rule: "window:Early", next: "2026-03-09T07:30:00Z", nextRule: "Early")),
        (EnvironmentPolicy(windows: [window("Fallback", .weekdays([.sunday]), "01:30", "02:30", zone: "America/New_York")]),
         Case(label: "New York: 01:30 happens twice on 1 November; the window opens at the first (EDT)",
              instant: "2026-11-01T05:30:00Z", allowed: true, rule: "window:Fallback", next: "2026-11-01T07:30:00Z",
              nextRule: "Fallback")),
        (EnvironmentPolicy(windows: [window("Fallback", .weekdays([.sunday]), "01:30", "02:30", zone: "America/New_York")]),
         Case(label: "New York: the repeated hour is inside the window (two hours long that day)",
              instant: "2026-11-01T06:45:00Z", allowed: true, rule: "window:Fallback", next: "2026-11-01T07:30:00Z",
              nextRule: "Fallback")),
        (EnvironmentPolicy(windows: [window("Sunday", .weekdays([.sunday]), "02:00", "04:00", zone: "Europe/Berlin")]),
         Case(label: "Berlin: 02:00 does not exist on 29 March; the window starts at 03:00 CEST",
              instant: "2026-03-29T00:30:00Z", allowed: false, rule: "outside_windows", next: "2026-03-29T01:00:00Z",
              nextRule: "Sunday", nextEnd: "2026-03-29T02:00:00Z")),
        (EnvironmentPolicy(windows: [window("Sunday", .weekdays([.sunday]), "02:00", "04:00", zone: "Europe/Berlin")]),
         Case(label: "Berlin: a week earlier 02:00 CET is 01:00Z", instant: "2026-03-22T02:30:00Z", allowed: true,
              rule: "window:Sunday", next: "2026-03-22T03:00:00Z", nextRule: "Sunday")),
        (EnvironmentPolicy(windows: [window("Kuwait nights", .daily, "23:00", "02:00", zone: "Asia/Kuwait")]),
         Case(label: "Kuwait: always UTC+3, a midnight-crossing window", instant: "2026-07-01T21:00:00Z",
              allowed: true, rule: "window:Kuwait nights", next: "2026-07-01T23:00:00Z", nextRule: "Kuwait nights")),
        (EnvironmentPolicy(windows: [window("Evening", .weekdays([.monday]), "20:00", "24:00")]),
         Case(label: "24:00 ends the day", instant: "2026-11-23T23:59:00Z", allowed: true, rule: "window:Evening",
              next: "2026-11-24T00:00:00Z", nextRule: "Evening")),
        (EnvironmentPolicy(windows: [window("Last Friday", .monthly(NthWeekday(.last, .friday)), "10:00", "12:00")]),
         Case(label: "last Friday of January 2027 is the 29th", instant: "2027-01-01T00:00:00Z", allowed: false,
              rule: "outside_windows", next: "2027-01-29T10:00:00Z", nextRule: "Last Friday",
              nextEnd: "2027-01-29T12:00:00Z")),
    ]

    @Test(arguments: zoneCases)
    func daylightSavingAndZones(_ policy: EnvironmentPolicy, _ example: Case) {
        check(MaintenanceCalendar(policy: policy), example)
    }

    static let blackoutOnly = EnvironmentPolicy(blackouts: [
        Blackout(name: "Month-end close", kind: .monthEnd(days: 3), timeZone: "UTC"),
        Blackout(
            name: "Year-end freeze", kind: .yearly(from: MonthDay(month: 12, day: 28)!, to: MonthDay(month: 1, day: 5)!),
            timeZone: "UTC"),
        Blackout(name: "Leap day", kind: .yearly(from: MonthDay(month: 2, day: 29)!, to: MonthDay(month: 2, day: 29)!), timeZone: "UTC"),
        Blackout(name: "Planning", kind: .weekly([.friday], range("14:00", "18:00")), timeZone: "UTC"),
    ])

    static let blackoutCases: [Case] = [
        Case(label: "leap year: month-end is 27–29 February", instant: "2028-02-26T12:00:00Z", allowed: true,
             rule: "any_time", next: "2028-02-27T00:00:00Z", nextRule: "Month-end close"),
        Case(label: "leap year: 29 February is blacked out", instant: "2028-02-29T12:00:00Z", allowed: false,
             rule: "blackout:Month-end close", next: "2028-03-01T00:00:00Z", nextRule: nil),
        Case(label: "common year: month-end is 26–28 February", instant: "2027-02-26T12:00:00Z", allowed: false,
             rule: "blackout:Month-end close", next: "2027-03-01T00:00:00Z", nextRule: nil, nextEnd: "2027-03-05T14:00:00Z"),
        Case(label: "year-end freeze wraps the year", instant: "2026-12-31T23:59:00Z", allowed: false,
             rule: "blackout:Year-end freeze", next: "2027-01-06T00:00:00Z", nextRule: nil),
        Case(label: "weekday blackout hours on a Friday", instant: "2026-11-27T15:00:00Z", allowed: false,
             rule: "blackout:Planning", next: "2026-11-27T18:00:00Z", nextRule: nil, nextEnd: "2026-11-28T00:00:00Z"),
        Case(label: "no windows: open until the next blackout", instant: "2027-01-07T09:00:00Z", allowed: true,
             rule: "any_time", next: "2027-01-08T14:00:00Z", nextRule: "Planning"),
    ]

    @Test(arguments: blackoutCases)
    func blackoutVerdicts(_ example: Case) {
        check(MaintenanceCalendar(policy: Self.blackoutOnly), example)
    }

    @Test func anEnvironmentWithNoRulesIsOpenAndNeverCloses() {
        let verdict = MaintenanceCalendar(policy: EnvironmentPolicy()).verdict(at: Self.t("2026-11-22T03:00:00Z"))
        #expect(verdict.allowed && verdict.closesAt == nil)
        #expect(verdict.sentence(in: .utc).contains("does not close within 400 days"))
    }

    @Test func aWindowThatNeverOpensHasNoNextOpeningWithinTheHorizon() {
        let policy = EnvironmentPolicy(
            windows: [Self.window("Daily", .daily, "02:00", "04:00")],
            blackouts: [Blackout(name: "Forever", kind: .daily(Self.range("00:00", "24:00")), timeZone: "UTC")])
        let verdict = MaintenanceCalendar(policy: policy).verdict(at: Self.t("2026-11-22T03:00:00Z"))
        #expect(!verdict.allowed && verdict.nextOpening == nil)
        #expect(verdict.sentence(in: .utc) == "closed: inside blackout 'Forever'; no opening within 400 days.")
    }

    @Test func noPolicyAndUnnamedEnvironmentsAreUnrestricted() {
        let instant = Self.t("2026-11-22T05:30:00Z")
        let none = PolicyGate.verdict(policy: nil, environment: "production", at: instant)
        #expect(none.allowed && none.basis == .noPolicy)
        let policy = Policy(environments: ["production": Self.production])
        let other = PolicyGate.verdict(policy: policy, environment: "qa", at: instant)
        #expect(other.allowed && other.basis == .environmentNotInPolicy)
        #expect(other.sentence(in: .utc) == "open: the policy does not name this environment: no time restrictions.")
        let unnamed = PolicyGate.verdict(policy: policy, environment: nil, at: instant)
        #expect(unnamed.allowed && unnamed.unrestricted)
    }

    @Test func sentencesNameTheRuleAndTheNextOpening() {
        let calendar = MaintenanceCalendar(policy: Self.production)
        let closed = calendar.verdict(at: Self.t("2026-11-22T05:30:00Z"))
        #expect(
            closed.sentence(in: .utc)
                == "closed: inside blackout 'Morning order rush'; next opening: window 'Secondary' at "
                + "Wed 2026-11-25 02:00 UTC (in 2d 20h), until Wed 2026-11-25 04:00 UTC.")
        let open = calendar.verdict(at: Self.t("2026-11-22T03:00:00Z"))
        #expect(
            open.sentence(in: .utc)
                == "open: inside window 'Primary'; closes Sun 2026-11-22 05:00 UTC (in 2h) when blackout "
                + "'Morning order rush' begins.")
    }

    static let nthCases: [(NthWeekday, Int, Int, Int)] = [
        (NthWeekday(.first, .sunday), 2026, 11, 1),
        (NthWeekday(.fourth, .sunday), 2026, 11, 22),
        (NthWeekday(.last, .friday), 2026, 2, 27),
        (NthWeekday(.last, .sunday), 2026, 5, 31),
        (NthWeekday(.second, .monday), 2028, 2, 14),
        (NthWeekday(.last, .tuesday), 2028, 2, 29),
    ]

    @Test(arguments: nthCases)
    func nthWeekdayResolvesToTheRightDay(_ nth: NthWeekday, _ year: Int, _ month: Int, _ day: Int) {
        #expect(nth.date(year: year, month: month) == CalendarDate(year: year, month: month, day: day))
    }

    static let instantCases: [(String, Int, Int, Int, String, String)] = [
        ("America/New_York", 2026, 3, 8, "02:30", "2026-03-08T07:00:00Z"),  // gap: first time that exists
        ("America/New_York", 2026, 3, 8, "03:00", "2026-03-08T07:00:00Z"),
        ("America/New_York", 2026, 11, 1, "01:30", "2026-11-01T05:30:00Z"),  // overlap: the first 01:30 (EDT)
        ("America/New_York", 2026, 11, 1, "02:00", "2026-11-01T07:00:00Z"),
        ("Europe/Berlin", 2026, 3, 29, "02:59", "2026-03-29T01:00:00Z"),
        ("Europe/Berlin", 2026, 10, 25, "02:30", "2026-10-25T00:30:00Z"),  // overlap: CEST first
        ("Asia/Kuwait", 2026, 6, 1, "00:00", "2026-05-31T21:00:00Z"),
        ("UTC", 2026, 12, 31, "24:00", "2027-01-01T00:00:00Z"),
    ]

    @Test(arguments: instantCases)
    func wallClockTimesResolveAcrossDaylightSaving(
        _ zone: String, _ year: Int, _ month: Int, _ day: Int, _ time: String, _ expected: String
    ) {
        let rules = ZoneRules(identifier: zone)!
        #expect(rules.instant(CalendarDate(year: year, month: month, day: day)!, Self.time(time)) == Self.t(expected))
    }

    private func check(_ calendar: MaintenanceCalendar, _ example: Case, sourceLocation: SourceLocation = #_sourceLocation) {
        let verdict = calendar.verdict(at: Self.t(example.instant))
        #expect(verdict.allowed == example.allowed, sourceLocation: sourceLocation)
        #expect(verdict.ruleCode == example.rule, sourceLocation: sourceLocation)
        if example.allowed {
            #expect(verdict.closesAt == example.next.map(Self.t), sourceLocation: sourceLocation)
            #expect(verdict.closing.map { OpenSpan(start: .distantPast, end: .distantFuture, window: nil, closing: $0).closingRule }
                == example.nextRule, sourceLocation: sourceLocation)
        } else {
            #expect(verdict.nextOpening == example.next.map(Self.t), sourceLocation: sourceLocation)
            #expect(verdict.nextWindow == example.nextRule, sourceLocation: sourceLocation)
            if let end = example.nextEnd {
                #expect(verdict.nextClosesAt == Self.t(end), sourceLocation: sourceLocation)
            }
        }
    }
}
