import DroverModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Checks a loaded playbook against an inventory and the local disk, without connecting anywhere
/// (`drover validate FILE -i INV`).
///
/// What it checks, each error at its place in the playbook:
/// - every stage's `hosts` pattern selects at least one host (Ansible pattern semantics, as `--limit`);
/// - `min_healthy` is not more than the stage's host count;
/// - every `{{ name }}` is a builtin (`run.id`, `host.name`, `host.address`, `batch.index`, `batch.hosts`,
///   `stage.name`; `batch.regex` in `analysis:` metrics), a playbook variable, or an inventory variable every host
///   of the stage defines (when only some do, the message names those that lack it); `when` variables likewise
///   (`is defined` tests excepted);
/// - `delegate_to` names an inventory host, after rendering it when its lookups can be resolved without a run;
/// - `script` and `upload` sources exist as files (relative to the playbook's directory), in every step list,
///   when their path uses no per-host lookups.
///
/// Change approval (`change.type` against `id`/`approved_by`) is the policy's to judge, not this type's.
public struct PlaybookValidator: Sendable {
    /// Names every template may use, whatever the inventory.
    public static let builtins = ["run.id", "host.name", "host.address", "batch.index", "batch.hosts", "stage.name"]
    /// Names an `analysis:` metric may use besides the builtins: the batch's hosts as a regex for a label matcher.
    public static let analysisBuiltins = ["batch.regex"]
    /// Ansible names people reach for, and Drover's spelling of them.
    static let ansibleNames = [
        "inventory_hostname": "host.name", "ansible_play_batch": "batch.hosts", "ansible_play_hosts": "batch.hosts",
    ]
    /// How many host names a "not defined for" message lists.
    static let hostsListed = 5

    public var inventory: Inventory
    /// Whether a regular file exists at a path; the disk by default (tests may substitute).
    public var isFile: @Sendable (String) -> Bool

    public init(inventory: Inventory, isFile: @escaping @Sendable (String) -> Bool = PlaybookValidator.diskHasFile) {
        self.inventory = inventory
        self.isFile = isFile
    }

    /// Every problem found, in file order; empty when the playbook fits the inventory.
    public func validate(_ loaded: LoadedPlaybook) -> [LoadError] {
        var errors = ErrorCollector()
        let playbook = loaded.playbook
        for (stage, sites) in zip(playbook.stages, loaded.sourceMap.stages) {
            let hosts = stageHosts(stage, sites, errors: &errors)
            if let hosts, let minHealthy = stage.minHealthy, minHealthy > hosts.count, let place = sites.minHealthy {
                errors.add(
                    .invalidValue,
                    "min_healthy is \(minHealthy) but '\(stage.hosts)' selects only \(hosts.count) "
                        + (hosts.count == 1 ? "host" : "hosts") + "; no batch could ever start",
                    at: place)
            }
            let context = StageContext(
                playbook: playbook, stage: stage, hosts: hosts,
                place: "stage \(MessageText.quoted(stage.name.source))")
            checkTemplate(sites.name, context, errors: &errors)
            let lists = [
                (stage.beforeBatch, sites.beforeBatch), (stage.steps, sites.steps), (stage.afterBatch, sites.afterBatch),
                (stage.rollback, sites.rollback),
            ]
            for (steps, stepSites) in lists {
                for (step, site) in zip(steps, stepSites) {
                    checkStep(step, site, context, errors: &errors)
                }
            }
            var analysisContext = context
            analysisContext.extraBuiltins = Self.analysisBuiltins
            for site in sites.analysis { checkTemplate(site, analysisContext, errors: &errors) }
            if let condition = stage.pause?.when, let place = sites.pause {
                for name in condition.valuesRead {
                    checkName(name, kind: "variable", in: "when", at: place, context, errors: &errors)
                }
            }
        }
        return errors.sorted()
    }

    /// Validates and throws when anything is wrong.
    /// - Throws: `LoadErrors` listing every problem.
    public func check(_ loaded: LoadedPlaybook) throws {
        let errors = validate(loaded)
        if !errors.isEmpty { throw LoadErrors(errors) }
    }

    /// True when `path` names a regular file (symbolic links followed).
    public static let diskHasFile: @Sendable (String) -> Bool = { path in
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }

    // MARK: - Stages

    private struct StageContext {
        var playbook: Playbook
        var stage: Stage
        /// The stage's hosts; nil when its pattern selects none (already reported), so per-host checks are skipped.
        var hosts: [Host]?
        /// `stage 'Roll out {{ release }}'`, for messages.
        var place: String
        /// Builtins this part of the stage may use beyond `builtins` (`batch.regex` in analysis).
        var extraBuiltins: [String] = []
    }

    private func stageHosts(
        _ stage: Stage, _ sites: PlaybookSourceMap.StageSites, errors: inout ErrorCollector
    ) -> [Host]? {
        do {
            return try inventory.hosts(matching: stage.hosts)
        } catch let error as HostPatternError {
            var message = error.message
            if error.code == .noMatch, let term = try? HostPattern(stage.hosts).terms, term.count == 1,
                let match = Suggestion.closest(to: term[0].expression, in: inventory.groupNames + inventory.hosts.map(\.name))
            {
                message += "; did you mean '\(match)'?"
            }
            errors.add(.noHosts, message, at: sites.hosts)
        } catch {
            errors.add(.noHosts, "\(error)", at: sites.hosts)
        }
        return nil
    }

    // MARK: - Steps

    private func checkStep(
        _ step: Step, _ site: PlaybookSourceMap.StepSites, _ context: StageContext, errors: inout ErrorCollector
    ) {
        for template in site.templates { checkTemplate(template, context, errors: &errors) }
        if let condition = step.when, let place = site.when {
            // A variable only tested for being defined may rightly not exist.
            for name in condition.valuesRead {
                checkName(name, kind: "variable", in: "when", at: place, context, errors: &errors)
            }
        }
        if let delegate = step.delegateTo, let place = site.delegateTo {
            checkDelegate(delegate, at: place, context, errors: &errors)
        }
        switch step.action {
        case .script(let path, _):
            checkLocalFile(path, what: "script", at: site.localFile ?? site.action, context, errors: &errors)
        case .upload(let source, _, _):
            checkLocalFile(source, what: "upload source", at: site.localFile ?? site.action, context, errors: &errors)
        default:
            break
        }
    }

    private func checkTemplate(
        _ site: PlaybookSourceMap.TemplateSite, _ context: StageContext, errors: inout ErrorCollector
    ) {
        for name in site.template.lookups {
            checkName(name, kind: "template variable", in: context.place, at: site.location(of: name), context,
                errors: &errors)
        }
    }

    /// Reports `name` unless every host of the stage can resolve it.
    private func checkName(
        _ name: String, kind: String, in place: String, at location: SourceLocation, _ context: StageContext,
        errors: inout ErrorCollector
    ) {
        if Self.builtins.contains(name) || context.extraBuiltins.contains(name)
            || Self.lookup(name, in: context.playbook.vars) != nil
        { return }
        // With no hosts to go by (the pattern failed, already reported), any host defining it will do.
        let hosts = context.hosts ?? inventory.hosts
        if context.hosts == nil, hosts.contains(where: { Self.lookup(name, in: $0.vars) != nil }) { return }
        let lacking = hosts.filter { Self.lookup(name, in: $0.vars) == nil }
        if lacking.isEmpty { return }
        if lacking.count < hosts.count {
            var names = lacking.prefix(Self.hostsListed).map(\.name).joined(separator: ", ")
            if lacking.count > Self.hostsListed { names += ", …" }
            errors.add(
                .undefinedVariable,
                "'\(name)' is not defined for \(lacking.count) of \(hosts.count) hosts of \(place) (\(names))",
                at: location)
            return
        }
        var message = Suggestion.unknown(kind, name, in: place, known: knownNames(context))
        if let spelling = Self.ansibleNames[name] { message = "unknown \(kind) '\(name)' in \(place); Drover spells it '\(spelling)'" }
        errors.add(.undefinedVariable, message, at: location)
    }

    /// Builtins, playbook variables and the inventory variables of the stage's hosts (of every host when the stage
    /// has none), as candidates for "did you mean".
    private func knownNames(_ context: StageContext) -> [String] {
        var names = Self.builtins + context.extraBuiltins + context.playbook.vars.keys.sorted()
        var seen = Set(names)
        var inventoryNames: [String] = []
        for host in context.hosts ?? inventory.hosts {
            for key in host.vars.keys where seen.insert(key).inserted { inventoryNames.append(key) }
        }
        names += inventoryNames.sorted()
        return names
    }

    /// A dotted name's value in `vars`, walking into maps (`db.port`).
    static func lookup(_ name: String, in vars: [String: InventoryValue]) -> InventoryValue? {
        let segments = name.split(separator: ".", omittingEmptySubsequences: false)
        guard var value = vars[String(segments[0])] else { return nil }
        for segment in segments.dropFirst() {
            guard let next = value.mapValue?[String(segment)] else { return nil }
            value = next
        }
        return value
    }

    /// The value a lookup has before any run starts, for one host (nil: only a run can tell).
    private static func staticValue(_ name: String, host: Host?, _ context: StageContext) -> String? {
        switch name {
        case "host.name": return host?.name
        case "host.address": return host?.connection.address
        case "run.id", "batch.index", "batch.hosts", "stage.name": return nil
        default:
            if let value = lookup(name, in: context.playbook.vars) { return value.scalarText }
            return host.flatMap { lookup(name, in: $0.vars)?.scalarText }
        }
    }

    private func checkDelegate(
        _ delegate: Template, at location: SourceLocation, _ context: StageContext, errors: inout ErrorCollector
    ) {
        var rendered: [String] = []
        if delegate.lookups.isEmpty {
            rendered = [delegate.source]
        } else {
            for host in context.hosts ?? [] {
                guard let name = delegate.render({ Self.staticValue($0, host: host, context) }) else { continue }
                if !rendered.contains(name) { rendered.append(name) }
            }
        }
        // `localhost` the inventory does not name is the controller (Ansible's implicit localhost).
        let unknown = rendered.filter { inventory.host(named: $0) == nil && $0 != Host.controllerName }
        guard let first = unknown.first else { return }
        var message: String
        if delegate.lookups.isEmpty {
            message = "delegate_to '\(first)' is not a host of the inventory"
        } else {
            var shown = unknown.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
            if unknown.count > 3 { shown += " and \(unknown.count - 3) more" }
            message = "delegate_to \(MessageText.quoted(delegate.source)) renders to \(shown), "
                + (unknown.count == 1 ? "which is not a host" : "which are not hosts") + " of the inventory"
        }
        if unknown.count == 1, let match = suggestHost(for: first) { message += "; did you mean '\(match)'?" }
        errors.add(.unknownHost, message, at: location)
    }

    /// `lb1.prod.example.com` for `lb1`; else the nearest name by edit distance.
    private func suggestHost(for name: String) -> String? {
        let names = inventory.hosts.map(\.name)
        if let full = names.first(where: { $0.hasPrefix(name + ".") }) { return full }
        return Suggestion.closest(to: name, in: names)
    }

    private func checkLocalFile(
        _ path: Template, what: String, at location: SourceLocation, _ context: StageContext,
        errors: inout ErrorCollector
    ) {
        // A path using per-host or per-run lookups is only known during the run.
        guard path.lookups.allSatisfy({ Self.lookup($0, in: context.playbook.vars) != nil }),
            let relative = path.render({ Self.lookup($0, in: context.playbook.vars)?.scalarText }),
            !relative.isEmpty
        else { return }
        let directory = InventoryLoader.directory(of: context.playbook.path)
        let full = relative.hasPrefix("/") || directory.isEmpty ? relative : directory + "/" + relative
        guard !isFile(full) else { return }
        errors.add(
            .missingFile, "\(what) '\(relative)' is not a file (looked for '\(full)')", at: location)
    }
}
