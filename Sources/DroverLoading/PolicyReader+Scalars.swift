import DroverModel

/// The policy file's scalar formats: `HH:MM` times and ranges, weekdays, `nth`, `MM-DD` and `YYYY-MM-DD` ranges.
///
/// Each reader takes the node and `what` (for messages) and returns nil after one error at the node.
extension PolicyReader {
    static let weekdayNames = Weekday.allCases.map(\.shortName)
    private static let weekdayLongNames = [
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    ]

    /// A time; `24:00` only when `asEnd`.
    mutating func time(_ node: YAMLNode, _ what: String, asEnd: Bool) -> WallClockTime? {
        guard let text = node.string(what, errors: &errors) else { return nil }
        if let time = Self.parseTime(text), asEnd || !time.isEndOfDay { return time }
        let range = asEnd ? "00:00 to 24:00" : "00:00 to 23:59"
        errors.add(
            .invalidValue, "\(what) must be a 24-hour time HH:MM from \(range), found \(MessageText.quoted(text))",
            at: node.location)
        return nil
    }

    /// A `HH:MM-HH:MM` range (`daily` blackouts); the start may not be `24:00` and must differ from the end.
    mutating func timeRange(_ node: YAMLNode, _ what: String) -> TimeRange? {
        guard let text = node.string(what, errors: &errors) else { return nil }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Self.parseTime(parts[0]), let end = Self.parseTime(parts[1]),
            !start.isEndOfDay
        else {
            errors.add(
                .invalidValue,
                "\(what) must be a range of 24-hour times such as 08:00-10:00 (from 00:00 to 24:00), found \(MessageText.quoted(text))",
                at: node.location)
            return nil
        }
        guard start != end else {
            errors.add(.invalidValue, Self.zeroLength(what, start), at: node.location)
            return nil
        }
        return TimeRange(start: start, end: end)
    }

    /// "… starts and ends at 02:00; give it a length (00:00 to 24:00 is a whole day)".
    static func zeroLength(_ what: String, _ time: WallClockTime) -> String {
        "\(what) starts and ends at \(time); give it a length (00:00 to 24:00 is a whole day)"
    }

    /// `H:MM` or `HH:MM` with a valid hour and minute (`24:00` included); nil otherwise.
    static func parseTime<S: StringProtocol>(_ text: S) -> WallClockTime? {
        let bytes = Array(text.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), (1...2).contains(colon),
            bytes.count == colon + 3,
            let hour = digits(bytes[..<colon]), let minute = digits(bytes[(colon + 1)...])
        else { return nil }
        return WallClockTime(hour: hour, minute: minute)
    }

    /// The value of a run of ASCII digits (at most 4), or nil.
    private static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 4 else { return nil }
        var value = 0
        for byte in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// A weekday's short name, or nil after "unknown weekday 'sundy' in …; did you mean 'sun'?".
    mutating func weekday(_ text: String, in place: String, at location: SourceLocation) -> Weekday? {
        if let day = Weekday(shortName: text) { return day }
        var message = "unknown weekday \(MessageText.quoted(text)) in \(place)"
        if let match = Suggestion.closest(to: text, in: Self.weekdayNames + Self.weekdayLongNames) {
            let index = (Self.weekdayNames + Self.weekdayLongNames).firstIndex(of: match)! % 7
            message += "; did you mean '\(Self.weekdayNames[index])'?"
        } else {
            message += "; expected one of: " + Self.weekdayNames.joined(separator: ", ")
        }
        errors.add(.invalidValue, message, at: location)
        return nil
    }

    /// `days`: `daily`, one weekday, or a list of weekdays.
    mutating func days(_ node: YAMLNode, _ what: String) -> MaintenanceWindow.Recurrence? {
        switch node.content {
        case .scalar where node.scalarText == "daily":
            return .daily
        case .scalar where !node.isNull:
            return weekday(node.scalarText ?? "", in: what, at: node.location).map { .weekdays([$0]) }
        case .sequence(let items) where items.isEmpty:
            errors.add(.invalidValue, "\(what) must list at least one weekday", at: node.location)
            return nil
        case .sequence(let items):
            var days: Set<Weekday> = []
            var failed = false
            for item in items {
                guard let text = item.string("each entry of \(what)", errors: &errors) else {
                    failed = true
                    continue
                }
                if let day = weekday(text, in: what, at: item.location) { days.insert(day) } else { failed = true }
            }
            return failed ? nil : .weekdays(days)
        default:
            errors.add(
                .invalidValue, "\(what) must be daily or a list of weekdays such as [sun, wed], found \(node.shown)",
                at: node.location)
            return nil
        }
    }

    /// `nth`: an ordinal (`1st`…`4th`, `last`) and a weekday, such as `4th sun`.
    mutating func nth(_ node: YAMLNode, _ what: String) -> NthWeekday? {
        guard let text = node.string(what, errors: &errors) else { return nil }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count == 2 else {
            errors.add(
                .invalidValue,
                "\(what) must be an ordinal and a weekday such as '4th sun' or 'last fri', found \(MessageText.quoted(text))",
                at: node.location)
            return nil
        }
        guard let ordinal = NthWeekday.Ordinal(rawValue: String(words[0])) else {
            let names = NthWeekday.Ordinal.allCases.map(\.rawValue)
            let hint = words[0].hasSuffix("th") ? " (not every month has a \(words[0]))" : ""
            errors.add(
                .invalidValue,
                "\(what) must start with \(names.dropLast().joined(separator: ", ")) or last, found \(MessageText.quoted(words[0]))\(hint)",
                at: node.location)
            return nil
        }
        guard let day = weekday(String(words[1]), in: what, at: node.location) else { return nil }
        return NthWeekday(ordinal, day)
    }

    /// `MM-DD..MM-DD` or one `MM-DD` (`yearly`); `to` before `from` wraps the year.
    mutating func yearly(_ node: YAMLNode, _ what: String) -> (from: MonthDay, to: MonthDay)? {
        guard let text = node.string(what, errors: &errors) else { return nil }
        guard let (first, second) = Self.splitRange(text),
            let from = Self.numbers(first, widths: [2, 2]), let to = Self.numbers(second, widths: [2, 2])
        else {
            errors.add(
                .invalidValue, "\(what) must be MM-DD..MM-DD such as 12-28..01-05, found \(MessageText.quoted(text))",
                at: node.location)
            return nil
        }
        var result: [MonthDay] = []
        for (written, parts) in [(first, from), (second, to)] {
            guard let day = MonthDay(month: parts[0], day: parts[1]) else {
                errors.add(
                    .invalidValue, "\(what) names \(MessageText.quoted(written)), a day no year has", at: node.location)
                return nil
            }
            result.append(day)
        }
        return (result[0], result[1])
    }

    /// `YYYY-MM-DD..YYYY-MM-DD` or one date (`dates`); the range may not run backwards.
    mutating func dates(_ node: YAMLNode, _ what: String) -> (from: CalendarDate, to: CalendarDate)? {
        guard let text = node.string(what, errors: &errors) else { return nil }
        guard let (first, second) = Self.splitRange(text),
            let from = Self.numbers(first, widths: [4, 2, 2]), let to = Self.numbers(second, widths: [4, 2, 2])
        else {
            errors.add(
                .invalidValue,
                "\(what) must be YYYY-MM-DD..YYYY-MM-DD or one date, found \(MessageText.quoted(text))",
                at: node.location)
            return nil
        }
        var result: [CalendarDate] = []
        for (written, parts) in [(first, from), (second, to)] {
            guard let date = CalendarDate(year: parts[0], month: parts[1], day: parts[2]) else {
                var reason = "a date that does not exist"
                if parts[0] >= 1, (1...12).contains(parts[1]) {
                    let length = CalendarDate.daysInMonth(year: parts[0], month: parts[1])
                    reason += " (\(Self.monthNames[parts[1] - 1]) \(parts[0]) has \(length) days)"
                }
                errors.add(.invalidValue, "\(what) names \(MessageText.quoted(written)), \(reason)", at: node.location)
                return nil
            }
            result.append(date)
        }
        guard result[0] <= result[1] else {
            errors.add(
                .invalidValue, "\(what) run backwards: \(result[0]) is after \(result[1])", at: node.location)
            return nil
        }
        return (result[0], result[1])
    }

    private static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
        "December",
    ]

    /// `a..b` → (a, b); `a` → (a, a); nil for more than one `..` or an empty side.
    private static func splitRange(_ text: String) -> (Substring, Substring)? {
        let trimmed = text.trimmingSpaces()
        guard let range = trimmed.firstRange(of: "..") else {
            return trimmed.isEmpty ? nil : (trimmed[...], trimmed[...])
        }
        let first = trimmed[..<range.lowerBound].trimmingSpaces()
        let second = trimmed[range.upperBound...].trimmingSpaces()
        guard !first.isEmpty, !second.isEmpty, !second.contains("..") else { return nil }
        return (first, second)
    }

    /// `2026-03-19` with `widths: [4, 2, 2]` → [2026, 3, 19]: `-`-separated fields of exactly those digit counts.
    private static func numbers(_ text: Substring, widths: [Int]) -> [Int]? {
        let fields = text.utf8.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard fields.count == widths.count else { return nil }
        var result: [Int] = []
        for (field, width) in zip(fields, widths) {
            guard field.count == width, let value = digits(ArraySlice(field)) else { return nil }
            result.append(value)
        }
        return result
    }
}

extension StringProtocol {
    /// The text without spaces at either end.
    fileprivate func trimmingSpaces() -> Substring {
        var text = self[...]
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return Substring(text)
    }
}
