/// What a file given to `drover validate` is: a playbook, a policy or an inventory.
///
/// YAML files are told apart by their top-level keys: `stages` makes a playbook; `environments` (or only policy
/// keys: `timezone`, `notify`) a policy; anything else an inventory. Files that are not YAML are inventories (INI).
public enum InputKind: String, Sendable {
    case playbook, policy, inventory

    /// Reads the file's top level; a file that cannot be read or parsed is called by its extension and the
    /// matching loader then reports the problem properly.
    public static func of(path: String) -> InputKind {
        let lowercased = path.lowercased()
        guard lowercased.hasSuffix(".yml") || lowercased.hasSuffix(".yaml") else { return .inventory }
        guard let bytes = try? InventoryLoader.readFile(path),
            let root = try? YAMLParser.parse(bytes, file: path),
            case .mapping(let pairs) = root.content
        else {
            return lowercased.hasSuffix("policy.yml") || lowercased.hasSuffix("policy.yaml") ? .policy : .playbook
        }
        let keys = Set(pairs.compactMap(\.key.scalarText))
        if keys.contains("stages") { return .playbook }
        if keys.contains("environments") || (!keys.isEmpty && keys.isSubset(of: ["timezone", "notify"])) {
            return .policy
        }
        return .inventory
    }
}
