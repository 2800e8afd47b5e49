import Foundation

/// How the SSH layer writes durations in its sentences ("within 10s", "its 1.5s timeout").
extension Duration {
    /// `1.5s`, `10s`, `2m` — for messages.
    var formatted: String {
        let ms = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        if ms % 60_000 == 0 && ms >= 60_000 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return String(format: "%.1fs", Double(ms) / 1000)
    }

    /// `12.500`: seconds with three decimals, as `timeout(1)` takes them (String(format:) cost 1% of a
    /// 200-host fan-out's CPU).
    var secondsArgument: String {
        let ms = components.seconds * 1000 + (components.attoseconds + 500_000_000_000_000) / 1_000_000_000_000_000
        let fraction = String(ms % 1000)
        return "\(ms / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
