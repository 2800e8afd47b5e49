/// Which variables hold secrets, and their values hidden for display.
///
/// Rule: a variable is secret when its name, lowercased, contains `pass` (so `password`, `passphrase`), `secret`,
/// `token` or `key` — unless the name ends in `_file` or `_path` (the value is a path, such as
/// `ansible_ssh_private_key_file` or `drover_password_file`) or is `drover_password_env` or `drover_passphrase_env`
/// (the loader has checked they hold only an environment variable's name). Inside a map, keys are judged by the same
/// rule, at any depth. The rule errs towards hiding: `ansible_host_key_checking` is hidden too.
public enum SecretMask {
    /// What a hidden value is shown as.
    public static let placeholder = "********"

    /// The words that make a variable name secret.
    public static let secretWords = ["pass", "secret", "token", "key"]

    /// True when a variable with this name is shown as `placeholder`.
    public static func isSecret(_ name: String) -> Bool {
        let lowered = name.lowercased()
        if lowered.hasSuffix("_file") || lowered.hasSuffix("_path") { return false }
        if lowered == "drover_password_env" || lowered == "drover_passphrase_env" { return false }
        return secretWords.contains { lowered.contains($0) }
    }

    /// The variable's value for display: `placeholder` when the name is secret, else the value with secret map
    /// entries hidden at any depth.
    public static func masked(_ value: InventoryValue, name: String) -> InventoryValue {
        isSecret(name) ? .string(placeholder) : masked(value)
    }

    private static func masked(_ value: InventoryValue) -> InventoryValue {
        switch value {
        case .map(let entries):
            return .map(Dictionary(uniqueKeysWithValues: entries.map { ($0.key, masked($0.value, name: $0.key)) }))
        case .list(let elements):
            return .list(elements.map(masked))
        default:
            return value
        }
    }
}
