import DroverModel

/// Reads a parsed policy document into a `Policy`, adding every problem to `errors` (the work behind `PolicyLoader`).
///
/// Each method returns its value, or nil after reporting why; a caller carries on with the rest of the document so
/// one load reports all errors. Rule readers live in `PolicyReader+Rules.swift`, notify in `PolicyReader+Notify.swift`,
/// scalar formats (times, dates, weekdays) in `PolicyReader+Scalars.swift`.
struct PolicyReader {
    var errors = ErrorCollector()
    let timeZones: TimeZoneDatabase
    /// Zones already checked in this load, so a zone named on every rule is looked up once.
    private var knownZones: [String: Bool] = [:]
    /// The zone for rules without their own.
    var defaultZone = "UTC"
    /// The directory of the file being read, where `templates: { EVENT: { file: PATH } }` paths start ("" for the
    /// current directory).
    var baseDirectory = ""

    static let topKeys = ["timezone", "environments", "notify"]
    static let environmentKeys = [
        "windows", "blackouts", "change_types", "overrun_factor", "on_overrun", "notify", "override_approvers",
    ]
    static let changeTypeKeys = ["approval", "override_blackouts"]
    /// The largest overrun factor accepted: beyond it the limit no longer limits.
    static let maximumOverrunFactor = 100.0

    init(timeZones: TimeZoneDatabase) {
        self.timeZones = timeZones
    }

    /// The whole document.
    mutating func policy(_ root: YAMLNode) -> Policy? {
        guard let top = root.mapping("the policy", allowed: Self.topKeys, errors: &errors) else { return nil }
        if let node = top["timezone"], let zone = timeZone(node, in: "the policy") { defaultZone = zone }
        let notify = top["notify"].flatMap { notifySettings($0, what: "notify") }
        guard let environmentsNode = top["environments"] else {
            errors.add(
                .missingKey, "the policy needs 'environments' (a mapping of environment names to their rules)",
                at: top.location)
            return nil
        }
        guard let environmentMap = environmentsNode.mapping("environments", errors: &errors) else { return nil }
        var environments: [String: EnvironmentPolicy] = [:]
        for entry in environmentMap.entries {
            if let environment = environment(entry.value, named: entry.key) { environments[entry.key] = environment }
        }
        return Policy(timeZone: defaultZone, environments: environments, notify: notify)
    }

    /// One environment's rules.
    mutating func environment(_ node: YAMLNode, named name: String) -> EnvironmentPolicy? {
        let what = "environment \(MessageText.quoted(name))"
        guard let map = node.mapping(what, allowed: Self.environmentKeys, errors: &errors) else { return nil }
        var result = EnvironmentPolicy()
        if let node = map["windows"], let list = node.sequence("windows of \(what)", errors: &errors) {
            if list.isEmpty {
                errors.add(
                    .invalidValue,
                    "windows of \(what) must list at least one window; leave 'windows' out to allow any time outside blackouts",
                    at: node.location)
            } else {
                result.windows = list.enumerated().compactMap { window($1, index: $0, environment: what) }
            }
        }
        if let node = map["blackouts"], let list = node.sequence("blackouts of \(what)", errors: &errors) {
            result.blackouts = list.enumerated().compactMap { blackout($1, index: $0, environment: what) }
        }
        if let node = map["change_types"] {
            result.changeTypes = changeTypes(node, environment: what)
        }
        if let node = map["overrun_factor"], let factor = overrunFactor(node, environment: what) {
            result.overrunFactor = factor
        }
        if let node = map["on_overrun"], let text = node.string("on_overrun of \(what)", errors: &errors) {
            if let action = OverrunAction(name: text) {
                result.onOverrun = action
            } else {
                errors.add(.invalidValue, Self.unknownOverrunAction(text, in: what), at: node.location)
            }
        }
        if let node = map["notify"] {
            result.notify = notifySettings(node, what: "notify of \(what)")
        }
        if let node = map["override_approvers"], let names = node.strings("override_approvers of \(what)", errors: &errors) {
            result.overrideApprovers = names
        }
        return result
    }

    /// `change_types`: the types written replace their defaults; fields left out keep the type's default.
    mutating func changeTypes(_ node: YAMLNode, environment: String) -> [ChangeType: ChangeTypePolicy] {
        var result = ChangeTypePolicy.defaults
        let names = ChangeType.allCases.map(\.rawValue)
        guard let map = node.mapping("change_types of \(environment)", allowed: names, errors: &errors) else {
            return result
        }
        for entry in map.entries {
            guard let type = ChangeType(rawValue: entry.key) else { continue }
            let what = "change type \(MessageText.quoted(entry.key))"
            guard let fields = entry.value.mapping(what, allowed: Self.changeTypeKeys, errors: &errors) else {
                continue
            }
            var rules = ChangeTypePolicy.defaults[type]!
            if let approval = fields["approval"]?.bool("approval of \(what)", errors: &errors) {
                rules.approvalRequired = approval
            }
            if let override = fields["override_blackouts"]?.bool("override_blackouts of \(what)", errors: &errors) {
                rules.overridesBlackouts = override
            }
            result[type] = rules
        }
        return result
    }

    /// `overrun_factor`: more than 1, at most `maximumOverrunFactor`.
    mutating func overrunFactor(_ node: YAMLNode, environment: String) -> Double? {
        let what = "overrun_factor of \(environment)"
        guard
            let factor = node.number(
                what, in: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude, errors: &errors)
        else { return nil }
        if factor <= 1 {
            errors.add(
                .invalidValue,
                "\(what) must be more than 1 (1.5 allows 50% over the estimate), found \(Self.shortNumber(factor))",
                at: node.location)
            return nil
        }
        if factor > Self.maximumOverrunFactor {
            errors.add(
                .invalidValue,
                "\(what) must be at most \(Self.shortNumber(Self.maximumOverrunFactor)), found \(Self.shortNumber(factor))",
                at: node.location)
            return nil
        }
        return factor
    }

    /// "unknown on_overrun 'halt_rollback' in …; did you mean 'halt_and_rollback'?" — a near miss by spelling, or
    /// the one action whose words include all the words written (`rollback`, `halt_rollback`).
    static func unknownOverrunAction(_ text: String, in place: String) -> String {
        let names = OverrunAction.all.map(\.name)
        let words = Set(text.lowercased().split(separator: "_"))
        let byWords = names.filter { name in !words.isEmpty && words.isSubset(of: Set(name.split(separator: "_"))) }
        if Suggestion.closest(to: text, in: names) == nil, byWords.count == 1 {
            return "unknown on_overrun \(MessageText.quoted(text)) in \(place); did you mean '\(byWords[0])'?"
        }
        return Suggestion.unknown("on_overrun", text, in: place, known: names)
    }

    /// A `timezone` value: a zone of the tz database, with the near miss suggested.
    mutating func timeZone(_ node: YAMLNode, in place: String) -> String? {
        guard let name = node.string("timezone of \(place)", errors: &errors) else { return nil }
        let known: Bool
        if let cached = knownZones[name] {
            known = cached
        } else {
            known = timeZones.contains(name)
            knownZones[name] = known
        }
        if known { return name }
        var message = "unknown time zone \(MessageText.quoted(name)) in \(place)"
        if !timeZones.isPresent {
            message += "; there is no time zone database at \(timeZones.directory), so only UTC can be used"
        } else if let suggestion = timeZones.suggestion(for: name) {
            message += "; did you mean '\(suggestion)'?"
        } else {
            message += "; use an IANA name such as 'UTC' or 'Europe/Berlin'"
        }
        errors.add(.invalidValue, message, at: node.location)
        return nil
    }

    /// `1.5`, `2`, `1e+300`.
    static func shortNumber(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
