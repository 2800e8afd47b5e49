import ArgumentParser
import DroverModel

/// Numbers and durations on the command line, each checked against the range that makes sense for its flag, so a
/// value such as `--connect-timeout 0s` is refused (exit 64) before anything is read or connected.
enum FlagValues {
    /// The most hosts worked on at once: each holds a socket, and far more than any open-file limit allows would only
    /// fail later, host by host.
    static let maximumForks = 10_000

    /// `--connect-timeout`: more than 0s, at most 1h.
    static func connectTimeout(_ text: String) throws -> Duration {
        try duration(text, atMost: .seconds(3600), "1h")
    }

    /// `exec --timeout`: more than 0s, at most 7d (the longest a playbook step may run).
    static func commandTimeout(_ text: String) throws -> Duration {
        try duration(text, atMost: .seconds(7 * 86_400), "7d")
    }

    /// `--max-wait`: more than 0s, at most 400d (how far ahead windows are searched).
    static func maximumWait(_ text: String) throws -> Duration {
        try duration(text, atMost: .seconds(400 * 86_400), "400d")
    }

    /// `report --since`: more than 0s, at most 100 years.
    static func lookBack(_ text: String) throws -> Duration {
        try duration(text, atMost: .seconds(36_500 * 86_400), "36500d")
    }

    /// `--journal-timeout`: more than 0s, at most 1h (nothing new starts while the journal is away).
    static func journalTimeout(_ text: String) throws -> Duration {
        try duration(text, atMost: .seconds(3600), "1h")
    }

    /// `notify-test --timeout`: more than 0s, at most 10m.
    static func noticeTimeout(_ text: String) throws -> Duration {
        try duration(text, atMost: .seconds(600), "10m")
    }

    /// `--lease-time`: at least 15s (a lease is renewed every third of it, and a renewal must fit between two journal
    /// round trips with room to spare), at most 1h (a controller that dies blocks its hosts that long).
    static func leaseTime(_ text: String) throws -> Duration {
        let value = try duration(text, atMost: .seconds(3600), "1h")
        guard value >= .seconds(15) else { throw ValidationError("must be at least 15s, found '\(text)'") }
        return value
    }

    /// `extend --by`: more than 0s, at most 24h.
    static func windowExtension(_ text: String) throws -> Duration {
        try duration(text, atMost: .seconds(24 * 3600), "24h")
    }

    /// `--forks`: a whole number from 1 to `maximumForks`.
    static func forks(_ text: String) throws -> Int {
        guard let value = Int(text) else { throw ValidationError("'\(text)' is not a whole number") }
        guard (1...maximumForks).contains(value) else {
            throw ValidationError("must be from 1 to \(maximumForks), found \(value)")
        }
        return value
    }

    /// A duration that is more than zero (zero would mean no limit, or nothing, where a limit is asked for) and at
    /// most `maximum`.
    static func duration(_ text: String, atMost maximum: Duration, _ maximumText: String) throws -> Duration {
        let value = try parseDuration(text)
        guard value > .zero else { throw ValidationError("must be more than 0s, found '\(text)'") }
        guard value <= maximum else { throw ValidationError("must be at most \(maximumText), found '\(text)'") }
        return value
    }
}

/// A duration as people write them (`500ms`, `30s`, `10m`, `1h30m`).
func parseDuration(_ text: String) throws -> Duration {
    guard let duration = DurationText.parse(text) else {
        throw ValidationError("'\(text)' is not a duration (examples: 500ms, 30s, 10m, 1h30m)")
    }
    return duration
}
