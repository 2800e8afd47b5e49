/// POSIX shell quoting: any value becomes exactly one word, whatever it contains.
///
/// Inventory values and template results pass through this before they reach a remote shell.
public enum ShellQuote {
    private static let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@%+,")

    public static func quote(_ value: String) -> String {
        if !value.isEmpty && value.allSatisfy({ safe.contains($0) }) { return value }
        var quoted = "'"
        for character in value {
            if character == "'" { quoted += "'\\''" } else { quoted.append(character) }
        }
        return quoted + "'"
    }
}
