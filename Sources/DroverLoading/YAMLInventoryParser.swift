import DroverModel

/// Parses Ansible's YAML inventory format (its `yaml` inventory plugin; JSON is read the same way) into a
/// `RawInventory`, collecting every structural error instead of stopping.
///
/// Structure: the top level maps group names (usually `all`) to groups. A group is nothing (`web:`) or a mapping
/// with only `hosts`, `vars` and `children`. `hosts` maps host entries (`web1`, `app[01:12].example`,
/// `db1:2222`) to their variables or nothing; `vars` maps names to values (full YAML values, resolved as PyYAML
/// resolves them); `children` maps group names to group bodies, recursively. A group may appear in several places;
/// what each place says is merged. As in Ansible, a section given as one string (`hosts: web1`) means that one
/// name with nothing after it. Unlike Ansible, which only warns, an unknown group key is an error (it is nearly
/// always a typo, and the hosts or variables under it would silently vanish).
struct YAMLInventoryParser {
    /// The keys a group may have.
    static let groupKeys = ["hosts", "vars", "children"]

    let file: String
    private var raw = RawInventory()
    private var errors: ErrorCollector
    private var hostEntries = 0
    private var stopped = false

    private init(file: String, errors: ErrorCollector) {
        self.file = file
        self.errors = errors
    }

    /// Parses a whole file, adding its errors to `errors`.
    /// - Parameter json: the file is JSON (named `.json`): tabs are read as spaces, as a JSON parser would.
    static func parse(_ bytes: [UInt8], file: String, json: Bool = false, errors: inout ErrorCollector) -> RawInventory
    {
        let root: YAMLNode?
        do {
            root = try json ? YAMLParser.parseJSON(bytes, file: file) : YAMLParser.parse(bytes, file: file)
        } catch {
            errors.add(error)
            return RawInventory()
        }
        guard let root else {
            errors.add(LoadError(.syntax, "the YAML inventory is empty (Ansible refuses it too)", file: file))
            return RawInventory()
        }
        var parser = YAMLInventoryParser(file: file, errors: errors)
        parser.parseTop(root)
        errors = parser.errors
        return parser.raw
    }

    // MARK: - Structure

    private mutating func parseTop(_ root: YAMLNode) {
        guard case .mapping(let pairs) = root.content else {
            errors.add(
                .invalidValue,
                "a YAML inventory must be a mapping of group names (usually 'all:') to groups, found \(root.shown)",
                at: root.location)
            return
        }
        if let plugin = pairs.first(where: { $0.key.scalarText == "plugin" }) {
            errors.add(
                .unsupportedFormat,
                "this configures an inventory plugin ('plugin:'), which Drover does not run; "
                    + "give a static YAML or INI inventory instead",
                at: plugin.key.location)
            return
        }
        for pair in pairs {
            guard !stopped else { return }
            guard let name = groupName(pair.key) else { continue }
            parseGroup(name, pair.value, at: pair.key.location)
        }
    }

    private mutating func parseGroup(_ name: String, _ body: YAMLNode, at location: SourceLocation) {
        guard raw.groups[name] != nil || raw.groups.count < INIInventoryParser.maximumGroups else {
            errors.add(
                .limitExceeded, "more than \(INIInventoryParser.maximumGroups) groups; stopping here", at: location)
            stopped = true
            return
        }
        raw.defineGroup(name, at: location)
        guard !body.isNull else { return }
        let what = "group \(MessageText.quoted(name))"
        guard case .mapping = body.content else {
            errors.add(
                .invalidValue, "\(what) must be a mapping with hosts, vars or children, found \(body.shown)",
                at: body.location)
            return
        }
        guard let sections = body.mapping(what, allowed: Self.groupKeys, errors: &errors) else { return }
        for entry in sections.entries {
            guard !stopped else { return }
            guard let pairs = section(entry.key, entry.value, of: name) else { continue }
            switch entry.key {
            case "hosts": parseHosts(pairs, group: name)
            case "vars":
                for pair in pairs {
                    guard let variable = variable(pair) else { continue }
                    raw.setGroupVariable(name, variable)
                }
            default:
                for pair in pairs {
                    guard !stopped else { return }
                    guard let child = groupName(pair.key) else { continue }
                    parseGroup(child, pair.value, at: pair.key.location)
                    raw.addChild(child, to: name, at: pair.key.location)
                }
            }
        }
    }

    /// A section's pairs: a mapping's, none for nothing, one name for a lone string (Ansible's shorthand);
    /// nil with an error for anything else, the list case spelled out since it is the usual mistake.
    private mutating func section(_ key: String, _ node: YAMLNode, of group: String) -> [YAMLNode.Pair]? {
        let owner = "\(key) of group \(MessageText.quoted(group))"
        switch node.content {
        case .mapping(let pairs):
            return pairs
        case .scalar(let scalar):
            if node.isNull { return [] }
            if case .string = YAMLNode.resolve(scalar) {
                return [
                    YAMLNode.Pair(
                        key: node,
                        value: YAMLNode(content: .scalar(.init(text: "", isPlain: true)), location: node.location))
                ]
            }
            errors.add(.invalidValue, "\(owner) must be a mapping, found \(node.shown)", at: node.location)
            return nil
        case .sequence(let items):
            guard key != "vars" else {
                errors.add(
                    .invalidValue, "\(owner) must be a mapping of names to values, found a list", at: node.location)
                return nil
            }
            let example = items.first?.scalarText.map { $0.isEmpty ? nil : $0 } ?? nil
            let name = example ?? (key == "hosts" ? "web1" : "db")
            let thing = key == "hosts" ? "host" : "group"
            errors.add(
                .invalidValue,
                "\(owner) must be a mapping, found a list: write each \(thing) as \(MessageText.quoted(name + ":")) "
                    + "on its own line (a name followed by ':'), not \(MessageText.quoted("- " + name))",
                at: node.location)
            return nil
        }
    }

    private mutating func parseHosts(_ pairs: [YAMLNode.Pair], group: String) {
        for pair in pairs {
            guard !stopped else { return }
            guard let entry = name(of: pair.key, kind: "host") else { continue }
            let vars: [YAMLNode.Pair]
            switch pair.value.content {
            case .mapping(let list): vars = list
            case _ where pair.value.isNull: vars = []
            default:
                errors.add(
                    .invalidValue,
                    "host \(MessageText.quoted(entry)) must be followed by a mapping of its variables or by nothing, "
                        + "found \(pair.value.shown)",
                    at: pair.value.location)
                continue
            }
            var location = pair.key.location
            if case .scalar(let scalar) = pair.key.content, !scalar.isPlain { location.column += 1 }
            let limit = min(
                INIInventoryParser.maximumHostsPerLine, max(1, INIInventoryParser.maximumHostEntries - hostEntries))
            let names: [String]
            let port: (value: Int, offset: Int)?
            do {
                (names, port) = try HostAddress.expand(entry, limit: limit)
            } catch {
                var at = location
                at.column += error.offset
                errors.add(error.code, error.message, at: at)
                continue
            }
            hostEntries += names.count
            if hostEntries >= INIInventoryParser.maximumHostEntries {
                errors.add(
                    .limitExceeded,
                    "the inventory names more than \(INIInventoryParser.maximumHostEntries) hosts; stopping here",
                    at: location)
                stopped = true
                return
            }
            var variables: [RawInventory.Variable] = []
            if let port {
                var at = location
                at.column += port.offset
                variables.append(RawInventory.Variable(name: "ansible_port", value: .int(port.value), location: at))
            }
            variables += vars.compactMap { variable($0) }
            for name in names {
                raw.addHost(name, to: group, at: pair.key.location)
                for variable in variables { raw.setHostVariable(name, variable) }
            }
        }
    }

    // MARK: - Names and variables

    /// A group name: text that INI could also write (no whitespace, ':' or ']').
    private mutating func groupName(_ key: YAMLNode) -> String? {
        guard let name = name(of: key, kind: "group") else { return nil }
        if name.contains(where: { $0.isWhitespace || $0 == ":" || $0 == "]" })
            || name.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
        {
            errors.add(
                .syntax,
                "invalid group name \(MessageText.quoted(name)): a group name cannot contain whitespace, ':' or ']'",
                at: key.location)
            return nil
        }
        return name
    }

    /// A key that names something: a scalar that YAML reads as text (Ansible refuses numbers and bools here).
    private mutating func name(of key: YAMLNode, kind: String) -> String? {
        guard case .scalar(let scalar) = key.content, !key.isNull else {
            errors.add(.invalidValue, "expected a \(kind) name, found \(key.shown)", at: key.location)
            return nil
        }
        let resolved = YAMLNode.resolve(scalar)
        guard case .string = resolved else {
            let reading = resolved.boolValue != nil ? "true or false" : resolved.isNull ? "nothing" : "a number"
            errors.add(
                .invalidValue,
                "the \(kind) name \(scalar.text) means \(reading) in YAML, not a name; "
                    + "quote it (\(MessageText.quoted(scalar.text)))",
                at: key.location)
            return nil
        }
        return scalar.text
    }

    /// One `name: value` pair as a variable, located at its value; nil (with an error) when the name is not an
    /// identifier. Shared with `VarsDirectoryLoader`.
    static func variable(_ pair: YAMLNode.Pair, errors: inout ErrorCollector) -> RawInventory.Variable? {
        guard let name = pair.key.scalarText, !pair.key.isNull else {
            errors.add(.invalidValue, "expected a variable name, found \(pair.key.shown)", at: pair.key.location)
            return nil
        }
        if let problem = INIInventoryParser.variableNameProblem(name) {
            errors.add(.syntax, problem, at: pair.key.location)
            return nil
        }
        return RawInventory.Variable(name: name, value: pair.value.value, location: pair.value.location)
    }

    private mutating func variable(_ pair: YAMLNode.Pair) -> RawInventory.Variable? {
        Self.variable(pair, errors: &errors)
    }
}
