import DroverModel

/// Windows and blackouts.
extension PolicyReader {
    static let windowKeys = ["name", "days", "nth", "start", "end", "timezone"]
    static let blackoutKeys = ["name", "daily", "days", "start", "end", "month_end_days", "yearly", "dates", "timezone"]
    /// The keys that say when a blackout applies; exactly one is written.
    static let blackoutKinds = ["daily", "days", "month_end_days", "yearly", "dates"]

    /// One entry of `windows`.
    mutating func window(_ node: YAMLNode, index: Int, environment: String) -> MaintenanceWindow? {
        let anonymous = "a window of \(environment)"
        guard let map = node.mapping(anonymous, allowed: Self.windowKeys, errors: &errors) else { return nil }
        let name = ruleName(map, anonymous: anonymous)
        let what = name.map { "window \(MessageText.quoted($0))" } ?? "window \(index + 1) of \(environment)"

        var recurrence: MaintenanceWindow.Recurrence?
        switch (map["days"], map["nth"]) {
        case (let days?, nil): recurrence = self.days(days, "days of \(what)")
        case (nil, let nth?): recurrence = self.nth(nth, "nth of \(what)").map { .monthly($0) }
        case (.some, .some):
            errors.add(
                .invalidValue, "\(what) has both 'days' and 'nth'; give one of them",
                at: map.keyLocation("nth") ?? map.location)
        case (nil, nil):
            errors.add(
                .missingKey, "\(what) needs 'days' (daily or a list of weekdays) or 'nth' (such as '4th sun')",
                at: map.location)
        }
        let hours = startAndEnd(map, what)
        let zone = map["timezone"].map { timeZone($0, in: what) } ?? defaultZone
        guard let name, let recurrence, let hours, let zone else { return nil }
        return MaintenanceWindow(name: name, recurrence: recurrence, start: hours.start, end: hours.end, timeZone: zone)
    }

    /// One entry of `blackouts`.
    mutating func blackout(_ node: YAMLNode, index: Int, environment: String) -> Blackout? {
        let anonymous = "a blackout of \(environment)"
        guard let map = node.mapping(anonymous, allowed: Self.blackoutKeys, errors: &errors) else { return nil }
        let name = ruleName(map, anonymous: anonymous)
        let what = name.map { "blackout \(MessageText.quoted($0))" } ?? "blackout \(index + 1) of \(environment)"
        let zone = map["timezone"].map { timeZone($0, in: what) } ?? defaultZone

        let written = map.keys.filter { Self.blackoutKinds.contains($0) }
        if map["days"] == nil, let stray = ["start", "end"].first(where: { map[$0] != nil }) {
            errors.add(
                .invalidValue,
                "'\(stray)' in \(what) goes with 'days'; for every day write daily: \"08:00-10:00\"",
                at: map.keyLocation(stray) ?? map.location)
        }
        guard let kindKey = written.first else {
            errors.add(
                .missingKey, "\(what) needs one of 'daily', 'days', 'month_end_days', 'yearly' or 'dates'",
                at: map.location)
            return nil
        }
        if written.count > 1 {
            errors.add(
                .invalidValue, "\(what) has both '\(written[0])' and '\(written[1])'; give one of them",
                at: map.keyLocation(written[1]) ?? map.location)
            return nil
        }
        let value = map[kindKey]!
        let kindWhat = "\(kindKey) of \(what)"
        var kind: Blackout.Kind?
        switch kindKey {
        case "daily":
            kind = timeRange(value, kindWhat).map { .daily($0) }
        case "days":
            let recurrence = days(value, kindWhat)
            if let hours = startAndEnd(map, what) {
                switch recurrence {
                case .daily: kind = .daily(hours)
                case .weekdays(let days): kind = .weekly(days, hours)
                case .monthly, nil: break
                }
            }
        case "month_end_days":
            kind = value.int(kindWhat, in: 1...27, errors: &errors).map { .monthEnd(days: $0) }
        case "yearly":
            kind = yearly(value, kindWhat).map { .yearly(from: $0.from, to: $0.to) }
        default:
            kind = dates(value, kindWhat).map { .dates(from: $0.from, to: $0.to) }
        }
        guard let name, let kind, let zone else { return nil }
        return Blackout(name: name, kind: kind, timeZone: zone)
    }

    /// The rule's required `name`.
    private mutating func ruleName(_ map: YAMLMapping, anonymous: String) -> String? {
        guard let node = map["name"] else {
            errors.add(.missingKey, "\(anonymous) needs a 'name'", at: map.location)
            return nil
        }
        guard let name = node.string("name of \(anonymous)", errors: &errors) else { return nil }
        guard !name.allSatisfy(\.isWhitespace) else {
            errors.add(.invalidValue, "name of \(anonymous) must not be empty", at: node.location)
            return nil
        }
        return name
    }

    /// The required `start` and `end` of a rule, which may not be equal.
    private mutating func startAndEnd(_ map: YAMLMapping, _ what: String) -> TimeRange? {
        var times: [WallClockTime?] = []
        for key in ["start", "end"] {
            guard let node = map[key] else {
                errors.add(.missingKey, "\(what) needs '\(key)' (a time such as 02:00)", at: map.location)
                times.append(nil)
                continue
            }
            times.append(time(node, "\(key) of \(what)", asEnd: key == "end"))
        }
        guard let start = times[0], let end = times[1] else { return nil }
        guard start != end else {
            errors.add(.invalidValue, Self.zeroLength(what, start), at: map["end"]!.location)
            return nil
        }
        return TimeRange(start: start, end: end)
    }
}
