import DroverModel
import Testing

/// The date and time values the policy model hands to window calculation.
@Suite struct PolicyModelTests {
    @Test(arguments: [
        (1970, 1, 1, 0, Weekday.thursday), (2026, 3, 19, 20531, .thursday), (2000, 2, 29, 11016, .tuesday),
        (1969, 12, 31, -1, .wednesday), (2026, 11, 22, 20779, .sunday),
    ])
    func datesKnowTheirDayNumberAndWeekday(year: Int, month: Int, day: Int, number: Int, weekday: Weekday) throws {
        let date = try #require(CalendarDate(year: year, month: month, day: day))
        #expect(date.daysSinceEpoch == number)
        #expect(date.weekday == weekday)
        #expect(CalendarDate(daysSinceEpoch: number) == date)
    }

    @Test func invalidDatesAndTimesDoNotExist() {
        #expect(CalendarDate(year: 2026, month: 2, day: 29) == nil)
        #expect(CalendarDate(year: 2024, month: 2, day: 29) != nil)
        #expect(CalendarDate(year: 1900, month: 2, day: 29) == nil)
        #expect(CalendarDate(year: 2026, month: 13, day: 1) == nil)
        #expect(MonthDay(month: 2, day: 29) != nil && MonthDay(month: 2, day: 30) == nil)
        #expect(WallClockTime(hour: 24, minute: 0) == .endOfDay)
        #expect(WallClockTime(hour: 24, minute: 1) == nil && WallClockTime(hour: 12, minute: 60) == nil)
    }

    @Test(arguments: [
        (NthWeekday(.fourth, .sunday), 2026, 3, 22), (NthWeekday(.first, .monday), 2026, 6, 1),
        (NthWeekday(.last, .friday), 2026, 7, 31), (NthWeekday(.last, .sunday), 2026, 2, 22),
    ])
    func nthWeekdayFindsItsDay(nth: NthWeekday, year: Int, month: Int, day: Int) {
        #expect(nth.date(year: year, month: month) == CalendarDate(year: year, month: month, day: day))
    }

    @Test func rangesCrossingMidnightKnowTheirLength() throws {
        let late = TimeRange(start: try #require(WallClockTime(hour: 23, minute: 30)), end: try #require(WallClockTime(hour: 1, minute: 30)))
        #expect(late.crossesMidnight && late.minutes == 120)
        let day = TimeRange(start: .startOfDay, end: .endOfDay)
        #expect(!day.crossesMidnight && day.minutes == 1440)
    }

    @Test func overrunActionsRoundTripTheirNames() {
        #expect(OverrunAction.all.map(\.name) == ["halt_and_rollback", "halt", "warn"])
        #expect(OverrunAction.all.allSatisfy { OverrunAction(name: $0.name) == $0 })
        #expect(OverrunAction(name: "stop") == nil)
        #expect(OverrunAction.haltAndRollback.rollsBack && !OverrunAction.halt.rollsBack && !OverrunAction.warn.halts)
    }
}
