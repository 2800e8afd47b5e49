import DroverModel

/// Reads a parsed playbook document into the model and its source map, adding every problem to one collector.
///
/// Each part is read even after an earlier part failed, so one load reports every error of the file. The result is
/// only meaningful when the collector stayed empty.
struct PlaybookReader {
    typealias TemplateSite = PlaybookSourceMap.TemplateSite

    static let playbookKeys = ["name", "change", "vars", "stages", "notify"]
    static let changeKeys = [
        "type", "id", "approved_by", "estimate", "title", "requested_by", "impact", "contact",
    ]
    static let stageKeys = [
        "name", "hosts", "serial", "max_fail_percentage", "max_failures", "min_healthy", "pause_between_batches",
        "before_batch", "steps", "after_batch", "rollback", "run_once", "on_host_failure",
    ]

    // Limits against hostile or generated input, as inventories and policies have (README "Hostile input"): a
    // playbook of 300,000 steps was accepted and took 360 MB before them.
    /// The most stages a playbook may have.
    static let maximumStages = 1_000
    /// The most steps in all (every step list of every stage, rollback included).
    static let maximumSteps = 10_000
    /// The largest host count a `serial`, `max_failures` or `min_healthy` may name: no inventory holds more hosts
    /// (`INIInventoryParser.maximumHostEntries`).
    static let maximumHostCount = 1_000_000
    /// The most `retries` of one step.
    static let maximumRetries = 1_000
    /// The longest duration written anywhere in a playbook (timeouts, delays, waits, pauses, the estimate): longer
    /// than any maintenance window, and far from overflowing any arithmetic on it.
    static let maximumDuration: Duration = .seconds(7 * 24 * 3600)

    var errors = ErrorCollector()
    let file: String
    /// Steps read so far, against `maximumSteps`.
    var stepsRead = 0
    /// The file's bytes as written (before `TemplateShield`), to place lookups exactly.
    private let source: [UInt8]
    private let lineStarts: [Int]

    init(file: String, source: [UInt8]) {
        self.file = file
        self.source = source
        var starts = [source.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0]
        for index in source.indices where source[index] == 0x0A { starts.append(index + 1) }
        self.lineStarts = starts
    }

    /// The playbook and its places; nil when the root is not even a mapping.
    mutating func read(_ root: YAMLNode) -> LoadedPlaybook? {
        guard let top = root.mapping("the playbook", allowed: Self.playbookKeys, errors: &errors) else { return nil }
        let name = required(top, "name", in: "the playbook")?.string("the playbook's name", errors: &errors)
        let change = top["change"].flatMap { readChange($0) } ?? ChangeInfo()
        var vars: [String: InventoryValue] = [:]
        var varSites: [String: SourceLocation] = [:]
        if let node = top["vars"], !node.isNull, let mapping = node.mapping("vars", errors: &errors) {
            for entry in mapping.entries {
                guard Template.isName(entry.key), !entry.key.contains(".") else {
                    errors.add(
                        .invalidValue,
                        "the variable name \(MessageText.quoted(entry.key)) must be letters, digits and _ "
                            + "(not starting with a digit)", at: entry.keyLocation)
                    continue
                }
                vars[entry.key] = entry.value.value
                varSites[entry.key] = entry.keyLocation
            }
        }
        let notify = top["notify"].flatMap { readNotify($0) }

        var stages: [Stage] = []
        var stageSites: [PlaybookSourceMap.StageSites] = []
        if let node = required(top, "stages", in: "the playbook"), let list = node.sequence("stages", errors: &errors) {
            if list.isEmpty {
                errors.add(.invalidValue, "stages must list at least one stage", at: node.location)
            }
            var firstUse: [String: SourceLocation] = [:]
            for (index, item) in list.enumerated() {
                guard index < Self.maximumStages else {
                    errors.add(
                        .limitExceeded, "the playbook has more than \(Self.maximumStages) stages; stopping here",
                        at: item.location)
                    break
                }
                guard let (stage, sites) = readStage(item) else { continue }
                if let first = firstUse[stage.name.source] {
                    errors.add(
                        .duplicateName,
                        "the stage name \(MessageText.quoted(stage.name.source)) is already used on line \(first.line);"
                            + " stage names must be unique", at: sites.name.location)
                } else {
                    firstUse[stage.name.source] = sites.name.location
                }
                stages.append(stage)
                stageSites.append(sites)
            }
        }
        guard let name else { return nil }
        let playbook = Playbook(name: name, change: change, vars: vars, stages: stages, path: file, notify: notify)
        let sourceMap = PlaybookSourceMap(root: top.location, vars: varSites, stages: stageSites)
        return LoadedPlaybook(playbook: playbook, sourceMap: sourceMap)
    }

    // MARK: - Notify

    /// `notify:` read exactly as the policy's (SPEC section 7); template files are taken from the playbook's directory.
    private mutating func readNotify(_ node: YAMLNode) -> NotifySettings? {
        var reader = PolicyReader(timeZones: .system)
        reader.baseDirectory = InventoryLoader.directory(of: file)
        let settings = reader.notifySettings(node, what: "notify")
        for error in reader.errors.errors { errors.add(error) }
        return settings
    }

    // MARK: - Change

    private mutating func readChange(_ node: YAMLNode) -> ChangeInfo? {
        guard let mapping = node.mapping("change", allowed: Self.changeKeys, errors: &errors) else { return nil }
        var change = ChangeInfo()
        if let node = mapping["type"], let text = node.string("change type", errors: &errors) {
            if let kind = ChangeInfo.Kind(rawValue: text) {
                change.type = kind
            } else {
                errors.add(
                    .invalidValue,
                    Suggestion.unknown(
                        "change type", text, in: "change", known: ChangeInfo.Kind.allCases.map(\.rawValue)),
                    at: node.location)
            }
        }
        if let node = mapping["id"], let text = node.string("change id", errors: &errors) {
            if Self.isChangeID(text) {
                change.id = text
            } else {
                errors.add(
                    .invalidValue, "change id must look like RFC-YYYY-NNNN (RFC-2026-0042), found \(MessageText.quoted(text))",
                    at: node.location)
            }
        }
        change.approvedBy = mapping["approved_by"]?.string("approved_by", errors: &errors)
        change.estimate = mapping["estimate"].flatMap { duration($0, "estimate", positive: true) }
        change.title = mapping["title"]?.string("title", errors: &errors)
        change.requestedBy = mapping["requested_by"]?.string("requested_by", errors: &errors)
        change.impact = mapping["impact"]?.string("impact", errors: &errors)
        change.contact = mapping["contact"]?.string("contact", errors: &errors)
        return change
    }

    /// `RFC-` then exactly four digits, `-`, four digits.
    static func isChangeID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 13, bytes.starts(with: Array("RFC-".utf8)), bytes[8] == UInt8(ascii: "-") else {
            return false
        }
        return (bytes[4..<8] + bytes[9..<13]).allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    // MARK: - Stages

    private mutating func readStage(_ node: YAMLNode) -> (Stage, PlaybookSourceMap.StageSites)? {
        guard let mapping = node.mapping("a stage", allowed: Self.stageKeys, errors: &errors) else { return nil }
        let nameSite = required(mapping, "name", in: "a stage").flatMap { template($0, "the stage name") }
        let place = nameSite.map { "stage \(MessageText.quoted($0.template.source))" } ?? "a stage"

        var hosts: String?
        let hostsNode = required(mapping, "hosts", in: place)
        if let hostsNode, let terms = hostsNode.strings("hosts", errors: &errors) {
            let text = terms.joined(separator: ",")
            do {
                _ = try HostPattern(text)
                hosts = text
            } catch let error as HostPatternError {
                errors.add(.invalidValue, error.message, at: hostsNode.location)
            } catch {
                errors.add(.invalidValue, "\(error)", at: hostsNode.location)
            }
        }
        let serial = mapping["serial"].flatMap { readSerial($0) } ?? []
        let maxFailPercentage = mapping["max_fail_percentage"]?.number(
            "max_fail_percentage", in: 0...100, errors: &errors)
        let maxFailures = mapping["max_failures"]?.int("max_failures", in: 0...Self.maximumHostCount, errors: &errors)
        let minHealthy = mapping["min_healthy"]?.int("min_healthy", in: 0...Self.maximumHostCount, errors: &errors)
        let pause = mapping["pause_between_batches"].flatMap { duration($0, "pause_between_batches") }
        let runOnce = mapping["run_once"]?.bool("run_once", errors: &errors)
        var onHostFailure = Stage.OnHostFailure.rollback
        if let node = mapping["on_host_failure"], let text = node.string("on_host_failure", errors: &errors) {
            if let value = Stage.OnHostFailure(rawValue: text) {
                onHostFailure = value
            } else {
                errors.add(
                    .invalidValue,
                    Suggestion.unknown("value", text, in: "on_host_failure", known: ["rollback", "leave"]),
                    at: node.location)
            }
        }
        let beforeBatch = mapping["before_batch"].map { readSteps($0, "before_batch") } ?? ([], [])
        let steps = required(mapping, "steps", in: place).map { readSteps($0, "steps", atLeastOne: true) } ?? ([], [])
        let afterBatch = mapping["after_batch"].map { readSteps($0, "after_batch") } ?? ([], [])
        let rollback = mapping["rollback"].map { readSteps($0, "rollback") } ?? ([], [])

        guard let nameSite, let hosts, let hostsNode else { return nil }
        let stage = Stage(
            name: nameSite.template, hosts: hosts, serial: serial, maxFailPercentage: maxFailPercentage,
            maxFailures: maxFailures, minHealthy: minHealthy, pauseBetweenBatches: pause ?? .zero,
            beforeBatch: beforeBatch.0, steps: steps.0, afterBatch: afterBatch.0, rollback: rollback.0,
            runOnce: runOnce ?? false, onHostFailure: onHostFailure)
        let sites = PlaybookSourceMap.StageSites(
            stage: mapping.location, name: nameSite, hosts: hostsNode.location,
            minHealthy: mapping["min_healthy"]?.location, beforeBatch: beforeBatch.1, steps: steps.1,
            afterBatch: afterBatch.1, rollback: rollback.1)
        return (stage, sites)
    }

    /// `serial: 2`, `serial: "25%"` or `serial: [1, 5, "25%"]`.
    private mutating func readSerial(_ node: YAMLNode) -> [SerialEntry]? {
        guard case .sequence(let items) = node.content else { return serialEntry(node).map { [$0] } }
        if items.isEmpty {
            errors.add(.invalidValue, "serial must list at least one batch size", at: node.location)
            return nil
        }
        let entries = items.map { serialEntry($0) }
        return entries.contains(nil) ? nil : entries.compactMap { $0 }
    }

    private mutating func serialEntry(_ node: YAMLNode) -> SerialEntry? {
        if case .scalar(let scalar) = node.content, !node.isNull {
            if case .int(let count) = YAMLNode.resolve(scalar) {
                guard count >= 1 else {
                    errors.add(.invalidValue, "serial must be at least 1 host, found \(count)", at: node.location)
                    return nil
                }
                return batchSize(count, node)
            }
            let text = scalar.text
            if text.hasSuffix("%"), let percent = Int(text.dropLast()) {
                guard (1...100).contains(percent) else {
                    errors.add(
                        .invalidValue, "a serial percentage must be from 1% to 100%, found \(MessageText.quoted(text))",
                        at: node.location)
                    return nil
                }
                return .percent(percent)
            }
            if let count = Int(text), count >= 1 { return batchSize(count, node) }
        }
        errors.add(
            .invalidValue, "serial must be a number of hosts or a percentage such as \"25%\", found \(node.shown)",
            at: node.location)
        return nil
    }

    /// A `serial` count, at most `maximumHostCount`.
    private mutating func batchSize(_ count: Int, _ node: YAMLNode) -> SerialEntry? {
        guard count <= Self.maximumHostCount else {
            errors.add(
                .invalidValue,
                "serial must be at most \(Self.maximumHostCount) hosts (no inventory holds more), found \(count)",
                at: node.location)
            return nil
        }
        return .count(count)
    }

    /// A duration of at most `maximumDuration`; with `positive`, more than zero.
    mutating func duration(_ node: YAMLNode, _ what: String, positive: Bool = false) -> Duration? {
        guard let value = node.duration(what, errors: &errors) else { return nil }
        if positive, value <= .zero {
            errors.add(.invalidValue, "\(what) must be more than 0s, found \(node.shown)", at: node.location)
            return nil
        }
        guard value <= Self.maximumDuration else {
            errors.add(
                .invalidValue, "\(what) must be at most 7d, found \(node.shown)",
                at: node.location)
            return nil
        }
        return value
    }

    // MARK: - Templates

    /// The node's text as a template; a malformed `{{ }}` is reported at its own place.
    mutating func template(_ node: YAMLNode, _ what: String) -> TemplateSite? {
        guard let text = node.string(what, errors: &errors) else { return nil }
        return template(text, at: node)
    }

    /// `text` (the node's text, or a part of it starting `offset` bytes in) as a template.
    mutating func template(_ text: String, at node: YAMLNode, offset: Int = 0) -> TemplateSite? {
        let base = exactStart(of: node)
        func place(_ position: Int) -> SourceLocation {
            guard let base else { return node.location }
            return SourceLocation(file: base.file, line: base.line, column: base.column + offset + position)
        }
        var lookups: [String: SourceLocation] = [:]
        let bytes = Array(text.utf8)
        var index = 0
        while index + 1 < bytes.count {
            guard bytes[index] == UInt8(ascii: "{"), bytes[index + 1] == UInt8(ascii: "{") else {
                index += 1
                continue
            }
            var close = index + 2
            while close + 1 < bytes.count, !(bytes[close] == UInt8(ascii: "}") && bytes[close + 1] == UInt8(ascii: "}")) {
                close += 1
            }
            guard close + 1 < bytes.count else {
                errors.add(
                    .invalidTemplate, "'{{' is never closed; a template is {{ name }} with a dotted name",
                    at: place(index))
                return nil
            }
            let inner = String(decoding: bytes[(index + 2)..<close], as: UTF8.self)
            let name = inner.trimmingSpaces
            guard Template.isName(name) else {
                errors.add(
                    .invalidTemplate,
                    "\(MessageText.quoted("{{" + inner + "}}")) is not a lookup; a template holds one dotted name "
                        + "such as {{ release }} (no filters or expressions)", at: place(index))
                return nil
            }
            if lookups[name] == nil { lookups[name] = place(index) }
            index = close + 2
        }
        guard let template = Template(text) else {
            errors.add(.invalidTemplate, "\(MessageText.quoted(text)) is not a valid template", at: place(0))
            return nil
        }
        return TemplateSite(template: template, location: place(0), lookupLocations: lookups)
    }

    /// Where the scalar's text itself begins, when it is written on one line exactly as its text reads (plain, or
    /// quoted without escapes); nil otherwise (the node's own place is then the best there is).
    private func exactStart(of node: YAMLNode) -> SourceLocation? {
        guard case .scalar(let scalar) = node.content, node.location.line <= lineStarts.count else { return nil }
        let text = Array(scalar.text.utf8)
        let start = lineStarts[node.location.line - 1] + node.location.column - 1
        for shift in [0, 1] where start + shift + text.count <= source.count {
            if source[(start + shift)..<(start + shift + text.count)].elementsEqual(text) {
                return SourceLocation(file: file, line: node.location.line, column: node.location.column + shift)
            }
            if !scalar.isPlain { continue } else { break }
        }
        return nil
    }

    // MARK: - Helpers

    /// The value of a key that must be written, or nil after a `missingKey` error at the mapping.
    mutating func required(_ mapping: YAMLMapping, _ key: String, in place: String) -> YAMLNode? {
        if let node = mapping[key] { return node }
        errors.add(.missingKey, "missing key '\(key)' in \(place)", at: mapping.location)
        return nil
    }
}

extension String {
    /// The text without leading and trailing spaces (tabs kept, as `Template` keeps them).
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
