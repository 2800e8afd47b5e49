/// OpenSSH's `match_pattern`, as ssh_config's `Host`/`Match` and known_hosts use it: `*` matches any run of bytes
/// (none included), `?` exactly one byte; everything else, `[` included, matches itself. Case-sensitive; callers
/// lowercase when ssh does.
public enum SSHPattern {
    /// True when `pattern` matches all of `text`.
    public static func matches<Text: StringProtocol, Pattern: StringProtocol>(_ text: Text, _ pattern: Pattern) -> Bool {
        matches(Array(text.utf8), Array(pattern.utf8))
    }

    /// True when `pattern` matches all of `text`, both UTF-8 bytes (as ssh compares them).
    /// - Complexity: O(text × pattern) at worst (one backtrack point, as in the classic wildcard matcher), so a
    ///   hostile pattern such as `*a*a*a*a*b` cannot take exponential time.
    public static func matches(_ text: [UInt8], _ pattern: [UInt8]) -> Bool {
        let star = UInt8(ascii: "*")
        let question = UInt8(ascii: "?")
        var t = 0
        var p = 0
        var starPattern = -1
        var starText = 0
        while t < text.count {
            if p < pattern.count && (pattern[p] == question || (pattern[p] != star && pattern[p] == text[t])) {
                t += 1
                p += 1
            } else if p < pattern.count && pattern[p] == star {
                starPattern = p
                starText = t
                p += 1
            } else if starPattern >= 0 {
                p = starPattern + 1
                starText += 1
                t = starText
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == star { p += 1 }
        return p == pattern.count
    }
}
