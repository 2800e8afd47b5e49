public import Foundation

/// Whether work is allowed in an environment at one instant, the rule that decides it, and when that changes.
public struct WindowVerdict: Sendable, Hashable {
    /// What decided the verdict.
    public enum Basis: Sendable, Hashable {
        /// There is no policy file: no time restrictions.
        case noPolicy
        /// The policy does not name the environment (or the inventory names none): no time restrictions.
        case environmentNotInPolicy
        /// Inside this window and outside every blackout.
        case window(String)
        /// The environment has no windows, and no blackout applies now.
        case anyTime
        /// Inside this blackout (it wins over any window).
        case blackout(String)
        /// Outside every window.
        case outsideWindows
    }

    public var instant: Date
    /// True when work may happen at `instant`.
    public var allowed: Bool
    public var basis: Basis
    /// When allowed: when the open span ends (nil when it does not within the search horizon or there are no
    /// restrictions).
    public var closesAt: Date?
    /// What ends the open span at `closesAt`.
    public var closing: OpenSpan.Closing?
    /// When not allowed: when work may next start (nil when not within the search horizon).
    public var nextOpening: Date?
    /// The window that next opening is in (nil for an environment without windows).
    public var nextWindow: String?
    /// When the next open span ends.
    public var nextClosesAt: Date?

    public init(
        instant: Date, allowed: Bool, basis: Basis, closesAt: Date? = nil, closing: OpenSpan.Closing? = nil,
        nextOpening: Date? = nil, nextWindow: String? = nil, nextClosesAt: Date? = nil
    ) {
        self.instant = instant
        self.allowed = allowed
        self.basis = basis
        self.closesAt = closesAt
        self.closing = closing
        self.nextOpening = nextOpening
        self.nextWindow = nextWindow
        self.nextClosesAt = nextClosesAt
    }

    /// True when the environment has no time restrictions at all (no policy, or not in it).
    public var unrestricted: Bool {
        switch basis {
        case .noPolicy, .environmentNotInPolicy: true
        default: false
        }
    }

    /// The rule's name as JSON and refusals give it: `window:Primary`, `blackout:Year-end freeze`,
    /// `outside_windows`, `any_time`, `no_policy`, `environment_not_in_policy`.
    public var ruleCode: String {
        switch basis {
        case .noPolicy: "no_policy"
        case .environmentNotInPolicy: "environment_not_in_policy"
        case .window(let name): "window:\(name)"
        case .anyTime: "any_time"
        case .blackout(let name): "blackout:\(name)"
        case .outsideWindows: "outside_windows"
        }
    }

    /// Why, in words: `inside window 'Primary'`, `blackout 'Month-end close'`, `outside every window`.
    public var reasonText: String {
        switch basis {
        case .noPolicy: "no policy file: no time restrictions"
        case .environmentNotInPolicy: "the policy does not name this environment: no time restrictions"
        case .window(let name): "inside window '\(name)'"
        case .anyTime: "no windows are defined and no blackout applies"
        case .blackout(let name): "inside blackout '\(name)'"
        case .outsideWindows: "outside every maintenance window"
        }
    }

    /// One sentence for people, with times on `zone`'s wall clock and as a distance from `instant`:
    /// `open: inside window 'Primary'; closes Sun 2026-11-22 06:00 UTC (in 3h) when window 'Primary' ends.`
    public func sentence(in zone: ZoneRules) -> String {
        if unrestricted { return "open: \(reasonText)." }
        if allowed {
            var text = "open: \(reasonText)"
            if let closesAt, let closing {
                text += "; closes \(Self.when(closesAt, from: instant, zone)) when \(closingText(closing))"
            } else {
                text += "; does not close within \(MaintenanceCalendar.searchHorizonDays) days"
            }
            return text + "."
        }
        return "closed: \(reasonText); " + nextOpeningText(in: zone) + "."
    }

    /// `next opening: window 'Primary' at Sun 2026-11-29 02:00 UTC (in 6d 23h), until 06:00`.
    public func nextOpeningText(in zone: ZoneRules) -> String {
        guard let nextOpening else {
            return "no opening within \(MaintenanceCalendar.searchHorizonDays) days"
        }
        var text = "next opening"
        if let nextWindow { text += ": window '\(nextWindow)'" }
        text += " at \(Self.when(nextOpening, from: instant, zone))"
        if let nextClosesAt { text += ", until \(zone.describe(nextClosesAt)) \(zone.identifier)" }
        return text
    }

    private func closingText(_ closing: OpenSpan.Closing) -> String {
        switch closing {
        case .windowEnds(let name) where name.isEmpty: "the span ends"
        case .windowEnds(let name): "window '\(name)' ends"
        case .blackoutBegins(let name): "blackout '\(name)' begins"
        }
    }

    /// `Sun 2026-11-22 06:00 UTC (in 3h)`.
    static func when(_ date: Date, from instant: Date, _ zone: ZoneRules) -> String {
        "\(zone.describe(date)) \(zone.identifier) (in \(distance(date.timeIntervalSince(instant))))"
    }

    /// `3d 4h`, `2h 30m`, `45m`, `0m`: whole minutes, at most two units.
    static func distance(_ seconds: TimeInterval) -> String {
        let minutes = max(0, Int((seconds / 60).rounded(.up)))
        let (days, hours, rest) = (minutes / 1440, minutes % 1440 / 60, minutes % 60)
        if days > 0 { return hours > 0 ? "\(days)d \(hours)h" : "\(days)d" }
        if hours > 0 { return rest > 0 ? "\(hours)h \(rest)m" : "\(hours)h" }
        return "\(rest)m"
    }
}
