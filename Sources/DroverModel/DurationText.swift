/// Durations as people write them in playbooks and flags: `500ms`, `30s`, `10m`, `1h30m`, `2d`.
public enum DurationText {
    /// Parses a duration; nil when `text` is not one. A bare number means seconds.
    public static func parse(_ text: String) -> Duration? {
        let trimmed = String(text.trimmingPrefixAndSuffixSpaces())
        guard !trimmed.isEmpty, trimmed.count <= 64 else { return nil }
        if let seconds = Double(trimmed), seconds >= 0, seconds.isFinite {
            // Past Int64 milliseconds the conversion would trap: such a "duration" is not one.
            guard seconds * 1000 < 9.2e18 else { return nil }
            return .milliseconds(Int64(seconds * 1000))
        }
        var total: Int64 = 0
        var number = ""
        var unit = ""
        func flush() -> Bool {
            guard let value = Int64(number), !unit.isEmpty else { return false }
            let ms: Int64
            switch unit {
            case "ms": ms = 1
            case "s": ms = 1000
            case "m": ms = 60_000
            case "h": ms = 3_600_000
            case "d": ms = 86_400_000
            default: return false
            }
            let (product, overflow) = value.multipliedReportingOverflow(by: ms)
            guard !overflow else { return false }
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !sumOverflow else { return false }
            total = sum
            number = ""
            unit = ""
            return true
        }
        for character in trimmed {
            if character.isASCII && character.isNumber {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(character)
            } else if character.isASCII && character.isLetter {
                guard !number.isEmpty else { return nil }
                unit.append(character)
            } else {
                return nil
            }
        }
        guard flush() else { return nil }
        return .milliseconds(total)
    }

    /// `1.25s`, `3m20s` — the short form used in output.
    public static func format(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms < 60_000 {
            let tenths = (ms + 5) / 10
            return "\(tenths / 100).\(pad(tenths % 100))s"
        }
        let seconds = ms / 1000
        if seconds < 3600 { return "\(seconds / 60)m\(pad(seconds % 60))s" }
        return "\(seconds / 3600)h\(pad(seconds % 3600 / 60))m"
    }

    private static func pad(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

extension String {
    fileprivate func trimmingPrefixAndSuffixSpaces() -> Substring {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return slice
    }
}
