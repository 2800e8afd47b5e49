public import DroverModel

/// The values `{{ name }}` can look up for one host at one point of a run, and the `when` conditions over them.
///
/// Lookup order: built-ins (`run.id`, `host.name`, `host.address`, `batch.index`, `batch.hosts`, `stage.name`),
/// then playbook `vars`, then the host's inventory variables (playbook vars win, as Ansible's play vars do).
public struct TemplateContext: Sendable {
    public var builtins: [String: InventoryValue]
    public var playbookVars: [String: InventoryValue]
    public var hostVars: [String: InventoryValue]

    public init(
        runID: String, host: Host, stageName: String, batchIndex: Int, batchHosts: [String],
        playbookVars: [String: InventoryValue]
    ) {
        self.init(
            runID: runID, host: host, stageName: stageName, batchIndex: batchIndex,
            batchHosts: Self.batchHosts(batchHosts), playbookVars: playbookVars)
    }

    /// The same, with `batch.hosts` made once for the whole batch (`batchHosts(_:)`) and shared by every host's
    /// context: a list made per host cost a 1,000-host batch a million names (24 MB).
    public init(
        runID: String, host: Host, stageName: String, batchIndex: Int, batchHosts: InventoryValue,
        playbookVars: [String: InventoryValue]
    ) {
        self.builtins = [
            "run.id": .string(runID), "host.name": .string(host.name), "host.address": .string(host.connection.address),
            "stage.name": .string(stageName), "batch.index": .int(batchIndex + 1), "batch.hosts": batchHosts,
        ]
        self.playbookVars = playbookVars
        self.hostVars = host.vars
    }

    /// `batch.hosts`: the batch's host names as one list value.
    public static func batchHosts(_ names: [String]) -> InventoryValue {
        .list(names.map { .string($0) })
    }

    /// `{{ batch.regex }}` (analysis metrics): the batch's host names and addresses as one anchored regex, escaped
    /// twice — for RE2, then for a PromQL string in double or single quotes — so it goes straight into a label
    /// matcher: `instance=~"{{ batch.regex }}"` matches `host001`, `127.0.1.1` and `127.0.1.1:9100`.
    public static func batchRegex(_ hosts: [Host]) -> String {
        var alternatives: [String] = []
        for host in hosts {
            for word in [host.name, host.connection.address] where !alternatives.contains(word) {
                alternatives.append(word)
            }
        }
        let special = Set("\\.+*?()|[]{}^$")
        let escaped = alternatives.map { word in
            word.map { special.contains($0) ? "\\\($0)" : String($0) }.joined()
        }
        let regex = "^(?:" + escaped.joined(separator: "|") + ")(?::[0-9]+)?$"
        var quoted = ""
        for character in regex {
            if character == "\\" || character == "\"" || character == "'" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted
    }

    /// The value of `name`, if any source defines it; a dotted name not defined as such walks into maps
    /// (`db.port` is `port` in the map `db`).
    public func value(_ name: String) -> InventoryValue? {
        if let direct = builtins[name] ?? playbookVars[name] ?? hostVars[name] { return direct }
        let path = name.split(separator: ".").map(String.init)
        guard path.count > 1 else { return nil }
        for source in [playbookVars, hostVars] {
            var current = source[path[0]]
            for key in path.dropFirst() { current = current?.mapValue?[key] }
            if let current { return current }
        }
        return nil
    }

    /// The text a value becomes in a template: scalars as written, lists space-separated (so
    /// `lbctl drain {{ batch.hosts }}` gets one word per host), maps as JSON.
    public static func text(_ value: InventoryValue) -> String {
        switch value {
        case .list(let items): return items.map(text).joined(separator: " ")
        case .null: return ""
        default: return value.scalarText ?? value.description
        }
    }

    /// The template with plain values substituted (paths, URLs, names).
    public func render(_ template: Template) -> String? {
        template.render { name in value(name).map(Self.text) }
    }

    /// The template as a shell command: every substituted value is shell-quoted (a list becomes one quoted word
    /// per item), so no inventory or playbook value can inject shell syntax.
    public func renderCommand(_ template: Template) -> String? {
        template.render { name in
            value(name).map { value in
                if case .list(let items) = value { return items.map { ShellQuote.quote(Self.text($0)) }.joined(separator: " ") }
                return ShellQuote.quote(Self.text(value))
            }
        }
    }

    /// Whether `condition` holds for this host.
    public func holds(_ condition: Condition) -> Bool {
        switch condition {
        case .defined(let name): return value(name) != nil
        case .undefined(let name): return value(name) == nil
        case .truthy(let name): return Self.isTruthy(value(name))
        case .falsy(let name): return !Self.isTruthy(value(name))
        case .equals(let name, let expected): return Self.same(value(name), expected)
        case .notEquals(let name, let expected): return !Self.same(value(name), expected)
        case .all(let parts): return parts.allSatisfy(holds)
        case .any(let parts): return parts.contains(where: holds)
        case .not(let inner): return !holds(inner)
        }
    }

    /// Python's truthiness, with Ansible's reading of the strings `"false"`, `"no"`, `"0"`, `""` as false.
    static func isTruthy(_ value: InventoryValue?) -> Bool {
        switch value {
        case nil, .null?: return false
        case .bool(let flag)?: return flag
        case .int(let number)?: return number != 0
        case .double(let number)?: return number != 0
        case .string(let text)?: return !["", "0", "false", "no", "off", "n"].contains(text.lowercased())
        case .list(let items)?: return !items.isEmpty
        case .map(let entries)?: return !entries.isEmpty
        }
    }

    /// Equal as values, or as text (`port == 22` holds for the INI string `"22"`).
    static func same(_ value: InventoryValue?, _ expected: InventoryValue) -> Bool {
        guard let value else { return false }
        return value == expected || (value.scalarText != nil && value.scalarText == expected.scalarText)
    }
}
