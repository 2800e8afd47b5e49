import DroverModel

/// Steps: one action key plus options; checks; waits.
extension PlaybookReader {
    static let actionKeys = ["run", "script", "upload", "check", "wait"]
    static let optionKeys = [
        "name", "timeout", "retries", "delay", "when", "become", "become_user", "delegate_to", "run_once",
        "ignore_errors", "critical", "idempotent",
    ]
    static let checkKinds = ["command", "http", "tcp", "disk_free", "mem_free", "service"]
    static let serviceStates = ["active", "inactive", "failed"]

    /// A step list (`steps`, `before_batch`, `after_batch`, `rollback`) with the places of its steps.
    mutating func readSteps(
        _ node: YAMLNode, _ what: String, atLeastOne: Bool = false
    ) -> ([Step], [PlaybookSourceMap.StepSites]) {
        if node.isNull, !atLeastOne { return ([], []) }
        guard let items = node.sequence(what, errors: &errors) else { return ([], []) }
        if items.isEmpty, atLeastOne {
            errors.add(.invalidValue, "\(what) must list at least one step", at: node.location)
        }
        var steps: [Step] = []
        var sites: [PlaybookSourceMap.StepSites] = []
        for item in items {
            guard stepsRead < Self.maximumSteps else {
                if stepsRead == Self.maximumSteps {  // reported once, at the first step past the limit
                    errors.add(
                        .limitExceeded, "the playbook has more than \(Self.maximumSteps) steps; stopping here",
                        at: item.location)
                    stepsRead += 1
                }
                break
            }
            stepsRead += 1
            guard let (step, site) = readStep(item) else { continue }
            steps.append(step)
            sites.append(site)
        }
        return (steps, sites)
    }

    private mutating func readStep(_ node: YAMLNode) -> (Step, PlaybookSourceMap.StepSites)? {
        if case .mapping(let pairs) = node.content, let pause = pairs.first(where: { $0.key.scalarText == "pause" }) {
            errors.add(
                .invalidValue,
                "pause is written on the stage, beside steps (pause: { prompt: …, timeout: 15m }): "
                    + "it stops the run after each batch, not on one host", at: pause.key.location)
            return nil
        }
        guard let mapping = node.mapping("a step", allowed: Self.actionKeys + Self.optionKeys, errors: &errors) else {
            return nil
        }
        let actions = mapping.entries.filter { Self.actionKeys.contains($0.key) }
        guard let first = actions.first else {
            // An unknown key was already reported (often a misspelt action); do not pile on.
            if case .mapping(let pairs) = node.content, pairs.count > mapping.entries.count { return nil }
            errors.add(
                .missingKey, "a step needs an action: one of run, script, upload, check or wait", at: mapping.location)
            return nil
        }
        if actions.count > 1 {
            errors.add(
                .conflictingKeys,
                "a step has exactly one action, but this one has \(Self.list(actions.map(\.key))); "
                    + "split it into separate steps", at: actions[1].keyLocation)
            return nil
        }
        var templates: [TemplateSite] = []
        var localFile: SourceLocation?
        let action = readAction(first, templates: &templates, localFile: &localFile)

        let name = mapping["name"]?.string("name", errors: &errors)
        // A zero timeout would mean none at all: refused, so a step can only be unbounded by being left at the default.
        let timeout = mapping["timeout"].flatMap { duration($0, "timeout", positive: true) }
        let retries = mapping["retries"]?.int("retries", in: 0...Self.maximumRetries, errors: &errors)
        let delay = mapping["delay"].flatMap { duration($0, "delay") }
        var when: Condition?
        if let node = mapping["when"] {
            // A list means that all of them must hold, as in Ansible.
            var items = [node]
            if case .sequence(let nodes) = node.content { items = nodes }
            if items.isEmpty { errors.add(.invalidValue, "when is an empty list; leave when out to always run the step", at: node.location) }
            var parts: [Condition] = []
            for item in items {
                guard let text = item.string("when", errors: &errors) else { continue }
                do throws(ConditionParser.Problem) {
                    parts.append(try ConditionParser.parse(text))
                } catch {
                    errors.add(.invalidValue, error.message, at: item.location)
                }
            }
            if !parts.isEmpty && parts.count == items.count { when = parts.count == 1 ? parts[0] : .all(parts) }
        }
        let become = mapping["become"]?.bool("become", errors: &errors)
        let becomeUser = mapping["become_user"]?.string("become_user", errors: &errors)
        var delegateTo: Template?
        if let node = mapping["delegate_to"], let site = template(node, "delegate_to") {
            delegateTo = site.template
            templates.append(site)
        }
        let runOnce = mapping["run_once"]?.bool("run_once", errors: &errors)
        let ignoreErrors = mapping["ignore_errors"]?.bool("ignore_errors", errors: &errors)
        let critical = mapping["critical"]?.bool("critical", errors: &errors)
        let idempotent = mapping["idempotent"]?.bool("idempotent", errors: &errors)

        guard let action else { return nil }
        let step = Step(
            name: name, action: action, timeout: timeout ?? Step.defaultTimeout, retries: retries ?? 0,
            delay: delay ?? Step.defaultDelay, when: when, become: become ?? false, becomeUser: becomeUser,
            delegateTo: delegateTo, runOnce: runOnce ?? false, ignoreErrors: ignoreErrors ?? false,
            critical: critical ?? false, idempotent: idempotent ?? false)
        let site = PlaybookSourceMap.StepSites(
            step: mapping.location, action: first.value.location, localFile: localFile,
            delegateTo: mapping["delegate_to"]?.location, when: mapping["when"]?.location,
            templates: templates.sorted { $0.location < $1.location })
        return (step, site)
    }

    private mutating func readAction(
        _ entry: YAMLMapping.Entry, templates: inout [TemplateSite], localFile: inout SourceLocation?
    ) -> StepAction? {
        let node = entry.value
        switch entry.key {
        case "run":
            guard let site = template(node, "run") else { return nil }
            templates.append(site)
            return .run(site.template)
        case "script":
            guard let text = node.string("script", errors: &errors), let site = template(text, at: node) else {
                return nil
            }
            templates.append(site)
            localFile = site.location
            let split = Self.splitCommand(text)
            guard let path = Template(split.path), !split.path.isEmpty else {
                errors.add(.invalidValue, "script must name a local file, found \(node.shown)", at: node.location)
                return nil
            }
            return .script(path: path, arguments: split.arguments.flatMap { Template($0) })
        case "upload":
            guard let mapping = node.mapping("upload", allowed: ["src", "dest", "mode"], errors: &errors) else {
                return nil
            }
            let source = required(mapping, "src", in: "upload").flatMap { template($0, "src") }
            let destination = required(mapping, "dest", in: "upload").flatMap { template($0, "dest") }
            let mode = mapping["mode"].flatMap { fileMode($0) }
            if let source { templates += [source] }
            if let destination { templates += [destination] }
            localFile = source?.location
            guard let source, let destination, mapping["mode"] == nil || mode != nil else { return nil }
            return .upload(source: source.template, destination: destination.template, mode: mode)
        case "check":
            return readCheck(node, "check", templates: &templates).map { .check($0) }
        default:  // wait
            if case .mapping = node.content {
                guard let mapping = node.mapping("wait", allowed: ["until"], errors: &errors),
                    let until = required(mapping, "until", in: "wait")
                else { return nil }
                return readCheck(until, "until", templates: &templates).map { .wait(.until($0)) }
            }
            if case .scalar = node.content, let duration = duration(node, "wait") {
                return .wait(.duration(duration))
            }
            if case .sequence = node.content {
                errors.add(
                    .invalidValue, "wait must be a duration such as 30s, or { until: <check> }, found a list",
                    at: node.location)
            }
            return nil
        }
    }

    private mutating func readCheck(_ node: YAMLNode, _ what: String, templates: inout [TemplateSite]) -> Check? {
        guard let mapping = node.mapping(what, allowed: Self.checkKinds, errors: &errors) else { return nil }
        guard let entry = mapping.entries.first else {
            if case .mapping(let pairs) = node.content, !pairs.isEmpty { return nil }
            errors.add(
                .missingKey, "\(what) needs one of \(Self.list(Self.checkKinds, and: "or"))", at: mapping.location)
            return nil
        }
        if mapping.entries.count > 1 {
            errors.add(
                .conflictingKeys,
                "\(what) holds exactly one check, but this one has \(Self.list(mapping.keys)); "
                    + "split it into separate steps", at: mapping.entries[1].keyLocation)
            return nil
        }
        let value = entry.value
        func keep(_ site: TemplateSite?) -> Template? {
            if let site { templates.append(site) }
            return site?.template
        }
        switch entry.key {
        case "command":
            return keep(template(value, "command")).map { .command($0) }
        case "http":
            guard let http = value.mapping("http", allowed: ["url", "status", "body", "max_ms"], errors: &errors) else {
                return nil
            }
            let url = required(http, "url", in: "http").flatMap { keep(template($0, "url")) }
            let status = http["status"]?.int("status", in: 100...599, errors: &errors)
            let body = http["body"]?.string("body", errors: &errors)
            let maxMs = http["max_ms"]?.int("max_ms", in: 1...3_600_000, errors: &errors)
            guard let url, http["status"] == nil || status != nil, http["body"] == nil || body != nil,
                http["max_ms"] == nil || maxMs != nil
            else { return nil }
            return .http(url: url, status: status ?? 200, body: body, maxMs: maxMs)
        case "tcp":
            guard let tcp = value.mapping("tcp", allowed: ["host", "port"], errors: &errors) else { return nil }
            let host = tcp["host"].map { keep(template($0, "host")) } ?? Template(literal: "127.0.0.1")
            let port = required(tcp, "port", in: "tcp")?.int("port", in: 1...65535, errors: &errors)
            guard let host, let port else { return nil }
            return .tcp(host: host, port: port)
        case "disk_free":
            guard let disk = value.mapping("disk_free", allowed: ["path", "min_percent", "min_bytes"], errors: &errors)
            else { return nil }
            let path = required(disk, "path", in: "disk_free").flatMap { keep(template($0, "path")) }
            guard let minimum = freeMinimum(disk, "disk_free"), let path else { return nil }
            return .diskFree(path: path, minPercent: minimum.percent, minBytes: minimum.bytes)
        case "mem_free":
            guard let memory = value.mapping("mem_free", allowed: ["min_percent", "min_bytes"], errors: &errors),
                let minimum = freeMinimum(memory, "mem_free")
            else { return nil }
            return .memFree(minPercent: minimum.percent, minBytes: minimum.bytes)
        default:  // service
            guard let service = value.mapping("service", allowed: ["name", "state"], errors: &errors) else {
                return nil
            }
            let name = required(service, "name", in: "service").flatMap { keep(template($0, "name")) }
            var state = "active"
            if let node = service["state"] {
                guard let text = node.string("state", errors: &errors) else { return nil }
                guard Self.serviceStates.contains(text) else {
                    errors.add(
                        .invalidValue, Suggestion.unknown("state", text, in: "service", known: Self.serviceStates),
                        at: node.location)
                    return nil
                }
                state = text
            }
            return name.map { .service(name: $0, state: state) }
        }
    }

    /// Exactly one of `min_percent` (0–100) and `min_bytes` (a byte count or a size such as `512M`).
    private mutating func freeMinimum(_ mapping: YAMLMapping, _ what: String) -> (percent: Double?, bytes: Int64?)? {
        switch (mapping["min_percent"], mapping["min_bytes"]) {
        case (nil, nil):
            errors.add(.missingKey, "\(what) needs min_percent or min_bytes", at: mapping.location)
            return nil
        case (.some, .some):
            errors.add(
                .conflictingKeys, "\(what) takes min_percent or min_bytes, not both",
                at: mapping.keyLocation("min_bytes") ?? mapping.location)
            return nil
        case (.some(let node), nil):
            return node.number("min_percent", in: 0...100, errors: &errors).map { ($0, nil) }
        case (nil, .some(let node)):
            return byteSize(node).map { (nil, $0) }
        }
    }

    /// A byte count: a whole number, or a number with a binary unit (`512K`, `512M`, `10G`, `1T`, optional `B`/`iB`).
    private mutating func byteSize(_ node: YAMLNode) -> Int64? {
        if case .scalar(let scalar) = node.content, !node.isNull {
            if case .int(let count) = YAMLNode.resolve(scalar), count >= 0 { return Int64(count) }
            var text = Substring(scalar.text)
            for suffix in ["iB", "B"] where text.hasSuffix(suffix) {
                text = text.dropLast(suffix.count)
                break
            }
            let shifts: [Character: Int64] = ["K": 10, "M": 20, "G": 30, "T": 40]
            if let unit = text.last, let shift = shifts[unit], let number = Int64(text.dropLast()), number >= 0,
                number <= Int64.max >> shift
            {
                return number << shift
            }
        }
        errors.add(
            .invalidValue, "min_bytes must be a number of bytes or a size such as 512M or 10G, found \(node.shown)",
            at: node.location)
        return nil
    }

    /// An upload's `mode`: an octal number (`0644`, or the string `"0644"`), at most `07777`.
    private mutating func fileMode(_ node: YAMLNode) -> Int? {
        if case .scalar(let scalar) = node.content, !node.isNull {
            var mode: Int?
            if !scalar.isPlain || scalar.tag != nil {
                mode = Int(scalar.text, radix: 8)
            } else if case .int(let number) = YAMLNode.resolve(scalar) {
                mode = number
            }
            if let mode, (0...0o7777).contains(mode) { return mode }
        }
        errors.add(
            .invalidValue, "mode must be an octal file mode such as 0644 or \"0755\", found \(node.shown)",
            at: node.location)
        return nil
    }

    /// A script line split into its path and its arguments at the first space outside `{{ }}`.
    static func splitCommand(_ text: String) -> (path: String, arguments: String?) {
        var depth = false
        var previous: Character = " "
        for index in text.indices {
            let character = text[index]
            if character == "{" && previous == "{" { depth = true }
            if character == "}" && previous == "}" { depth = false }
            previous = character
            if character == " " && !depth {
                let rest = text[text.index(after: index)...].drop { $0 == " " }
                return (String(text[..<index]), rest.isEmpty ? nil : String(rest))
            }
        }
        return (text, nil)
    }

    /// `run`, `run and script`, `run, script and check`.
    static func list(_ words: [String], and conjunction: String = "and") -> String {
        guard words.count > 1 else { return words.first ?? "" }
        return words.dropLast().joined(separator: ", ") + " \(conjunction) " + words.last!
    }
}
