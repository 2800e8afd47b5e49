import DroverModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `notify`: progress interval, targets, template overrides (SPEC section 7).
extension PolicyReader {
    static let notifyKeys = [
        "progress_every", "targets", "templates", "template_directory", "advance",
    ]
    static let targetKeys = [
        "webhook", "command", "events", "headers", "environment", "advance", "alertmanager", "label", "value", "margin",
        "statuspage", "page_id", "token", "components",
    ]
    static let eventNames = NotifyEvent.allCases.map(\.rawValue)
    /// The shortest progress interval accepted, so a typo cannot flood a channel.
    static let minimumProgressEvery: Duration = .seconds(60)
    /// The largest notice template file read.
    static let maximumTemplateSize = 64 << 10

    /// A `notify` mapping (top level, or an environment's).
    mutating func notifySettings(_ node: YAMLNode, what: String) -> NotifySettings? {
        guard let map = node.mapping(what, allowed: Self.notifyKeys, errors: &errors) else { return nil }
        var settings = NotifySettings()
        if let node = map["progress_every"], let every = node.duration("progress_every of \(what)", errors: &errors) {
            if every < Self.minimumProgressEvery {
                errors.add(
                    .invalidValue,
                    "progress_every of \(what) must be at least 1m, found \(MessageText.quoted(node.scalarText ?? ""))",
                    at: node.location)
            } else {
                settings.progressEvery = every
            }
        }
        if let node = map["advance"], let offsets = advance(node, what: "advance of \(what)") {
            settings.advance = offsets
        }
        if let node = map["targets"], let list = node.sequence("targets of \(what)", errors: &errors) {
            let place = what == "notify" ? "" : " " + what.dropFirst("notify ".count)
            settings.targets = list.enumerated().compactMap { target($1, what: "notify target \($0 + 1)\(place)") }
        }
        // Template files are read from one directory: the one of the file naming them, or `template_directory`.
        var directory: String? = baseDirectory.isEmpty ? "." : baseDirectory
        if let node = map["template_directory"] {
            directory = node.string("template_directory of \(what)", errors: &errors).map { Self.join(baseDirectory, $0) }
        }
        if let node = map["templates"],
            let templates = node.mapping("templates of \(what)", allowed: Self.eventNames, errors: &errors)
        {
            for entry in templates.entries {
                guard let event = NotifyEvent(rawValue: entry.key),
                    let text = template(entry.value, what: "the \(entry.key) template of \(what)", directory: directory)
                else { continue }
                settings.templates[event] = text
            }
        }
        return settings
    }

    /// One entry of `templates`: Mustache text written inline, or `{ file: PATH }` naming a file read now.
    ///
    /// A relative path is taken from `directory` (the directory of the policy or playbook being read, or its
    /// `template_directory`), and the file, symbolic links and `..` resolved, must be inside that directory: a
    /// template is sent to every target, so a path such as `/etc/shadow` must not turn the policy into a way to post
    /// the controller's files to a webhook.
    /// - Parameter directory: nil when `template_directory` was itself refused (the file is then not read).
    mutating func template(_ node: YAMLNode, what: String, directory: String?) -> String? {
        guard case .mapping = node.content else { return node.string(what, errors: &errors) }
        guard let map = node.mapping(what, allowed: ["file"], errors: &errors) else { return nil }
        guard let fileNode = map["file"] else {
            errors.add(.missingKey, "\(what) needs 'file' (a Mustache file) or the template text itself", at: node.location)
            return nil
        }
        guard let file = fileNode.string("file of \(what)", errors: &errors), let directory else { return nil }
        let root: String
        let resolved: String
        switch (Self.realPath(directory), Self.realPath(Self.join(directory, file))) {
        case (.failure(let reason), _):
            errors.add(
                .unreadable, "\(what): the template directory \(MessageText.quoted(directory)) cannot be read: \(reason)",
                at: fileNode.location)
            return nil
        case (_, .failure(let reason)):
            errors.add(.unreadable, "\(what): \(MessageText.quoted(file)): cannot read the file: \(reason)", at: fileNode.location)
            return nil
        case (.success(let directory), .success(let path)):
            (root, resolved) = (directory, path)
        }
        guard root == "/" || resolved.hasPrefix(root + "/") else {
            errors.add(
                .invalidValue,
                "\(what): \(MessageText.quoted(file)) is outside \(root), the one directory notice templates are read from "
                    + "(that of the file naming them, unless notify's template_directory names another)",
                at: fileNode.location)
            return nil
        }
        do throws(LoadError) {
            let bytes = try InventoryLoader.readFile(resolved, limit: Self.maximumTemplateSize, kind: "a notice template")
            guard let text = String(validating: bytes, as: UTF8.self) else {
                errors.add(.invalidValue, "\(what): \(MessageText.quoted(file)) is not UTF-8 text", at: fileNode.location)
                return nil
            }
            return text
        } catch {
            errors.add(.unreadable, "\(what): \(MessageText.quoted(file)): \(error.message)", at: fileNode.location)
            return nil
        }
    }

    /// `path` taken from `directory` unless it is absolute.
    static func join(_ directory: String, _ path: String) -> String {
        path.hasPrefix("/") || directory.isEmpty ? path : directory + "/" + path
    }

    /// The absolute path with every symbolic link, `.` and `..` resolved, or why it cannot be (`No such file or
    /// directory`).
    static func realPath(_ path: String) -> Result<String, PathProblem> {
        guard let resolved = realpath(path, nil) else { return .failure(PathProblem(String(cString: strerror(errno)))) }
        defer { free(resolved) }
        return .success(String(cString: resolved))
    }

    /// Why a path cannot be resolved, as `strerror` says it.
    struct PathProblem: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// One entry of `targets`: a webhook or a command, with its events.
    mutating func target(_ node: YAMLNode, what: String) -> NotifyTarget? {
        guard let map = node.mapping(what, allowed: Self.targetKeys, errors: &errors) else { return nil }
        var delivery: NotifyTarget.Delivery?
        if let node = map["alertmanager"] {
            return alertmanager(node, map: map, what: what)
        }
        if let node = map["statuspage"] {
            return statuspage(node, map: map, what: what)
        }
        for key in ["label", "value", "margin", "page_id", "token", "components"] {
            if let location = map.keyLocation(key) {
                let kind = ["page_id", "token", "components"].contains(key) ? "statuspage" : "alertmanager"
                errors.add(.invalidValue, "\(key) in \(what) goes with '\(kind)' only", at: location)
            }
        }
        switch (map["webhook"], map["command"]) {
        case (let webhook?, nil):
            if let location = map.keyLocation("environment") {
                errors.add(
                    .invalidValue,
                    "environment in \(what) goes with 'command' only (a webhook's headers name their variables)",
                    at: location)
            }
            let headers = map["headers"].map { self.headers($0, what: what) } ?? [:]
            if let url = webhookURL(webhook, what: "webhook of \(what)"), let headers {
                delivery = .webhook(url: url, headers: headers)
            }
        case (nil, let command?):
            if let location = map.keyLocation("headers") {
                errors.add(.invalidValue, "headers in \(what) go with 'webhook' only", at: location)
            }
            let passing = map["environment"].map { environmentNames($0, what: "environment of \(what)") } ?? []
            if let text = command.string("command of \(what)", errors: &errors) {
                if text.allSatisfy(\.isWhitespace) {
                    errors.add(.invalidValue, "command of \(what) must not be empty", at: command.location)
                } else if let passing {
                    delivery = .command(text, environment: passing)
                }
            }
        case (.some, .some):
            errors.add(
                .invalidValue, "\(what) has both 'webhook' and 'command'; give one of them",
                at: map.keyLocation("command") ?? map.location)
        case (nil, nil):
            errors.add(.missingKey, "\(what) needs 'webhook' (an http or https URL) or 'command'", at: map.location)
        }
        var events = Set(NotifyEvent.allCases)
        if let node = map["events"] {
            guard let chosen = self.events(node, what: "events of \(what)") else { return nil }
            events = chosen
        }
        var advance: [Duration]?
        if let node = map["advance"] {
            guard let offsets = self.advance(node, what: "advance of \(what)") else { return nil }
            advance = offsets
        }
        return delivery.map { NotifyTarget(delivery: $0, events: events, advance: advance) }
    }

    /// `advance`: how long before a planned run each advance notice is due (`[72h, 24h, 1h]`), each positive, at most
    /// 60 days, none twice; longest first. An empty list turns them off.
    private mutating func advance(_ node: YAMLNode, what: String) -> [Duration]? {
        guard let list = node.sequence(what, errors: &errors) else { return nil }
        var offsets: [Duration] = []
        var failed = false
        for item in list {
            guard let offset = item.duration("each entry of \(what)", errors: &errors) else {
                failed = true
                continue
            }
            if offset <= .zero || offset > .seconds(60 * 86_400) || offsets.contains(offset) {
                failed = true
                errors.add(
                    .invalidValue,
                    "each entry of \(what) must be a time before the run between 1m and 60d, each once; found "
                        + MessageText.quoted(item.scalarText ?? ""),
                    at: item.location)
                continue
            }
            offsets.append(offset)
        }
        return failed ? nil : offsets.sorted(by: >)
    }

    /// `events`: a non-empty list of event names.
    mutating func events(_ node: YAMLNode, what: String) -> Set<NotifyEvent>? {
        guard let list = node.sequence(what, errors: &errors) else { return nil }
        guard !list.isEmpty else {
            errors.add(
                .invalidValue, "\(what) must list at least one event; leave 'events' out to send every event",
                at: node.location)
            return nil
        }
        var events: Set<NotifyEvent> = []
        var failed = false
        for item in list {
            guard let name = item.string("each entry of \(what)", errors: &errors) else {
                failed = true
                continue
            }
            if let event = NotifyEvent(rawValue: name) {
                events.insert(event)
            } else {
                failed = true
                errors.add(
                    .invalidValue, Suggestion.unknown("event", name, in: what, known: Self.eventNames),
                    at: item.location)
            }
        }
        return failed ? nil : events
    }

    /// `environment` of a command target: the names of drover's environment variables the command also gets
    /// (besides `PATH`, `HOME`, `LANG` and `TZ`).
    private mutating func environmentNames(_ node: YAMLNode, what: String) -> [String]? {
        guard let list = node.sequence(what, errors: &errors) else { return nil }
        var names: [String] = []
        var failed = false
        for item in list {
            guard let name = item.string("each entry of \(what)", errors: &errors) else {
                failed = true
                continue
            }
            // Not quoted: a value that is not a name may be the secret itself.
            guard Self.isEnvironmentName(name) else {
                failed = true
                errors.add(
                    .literalSecret,
                    "each entry of \(what) must name an environment variable (letters, digits and _, such as "
                        + "PAGER_TOKEN), not hold its value", at: item.location)
                continue
            }
            if !names.contains(name) { names.append(name) }
        }
        return failed ? nil : names
    }

    /// `headers`: header name → the name of the environment variable holding its value. A value that is not such a
    /// name is probably the secret itself, so it is never quoted.
    mutating func headers(_ node: YAMLNode, what: String) -> [String: String]? {
        guard let map = node.mapping("headers of \(what)", errors: &errors) else { return nil }
        var headers: [String: String] = [:]
        var failed = false
        for entry in map.entries {
            guard Self.isHeaderName(entry.key) else {
                failed = true
                errors.add(
                    .invalidValue,
                    "header name \(MessageText.quoted(entry.key)) in \(what) is not a valid HTTP header name",
                    at: entry.keyLocation)
                continue
            }
            guard case .scalar = entry.value.content, let variable = entry.value.scalarText,
                Self.isEnvironmentName(variable)
            else {
                failed = true
                errors.add(
                    .literalSecret,
                    "header \(MessageText.quoted(entry.key)) in \(what) must name the environment variable holding its value (such as HOOK_TOKEN), not the value itself",
                    at: entry.value.location)
                continue
            }
            headers[entry.key] = variable
        }
        return failed ? nil : headers
    }

    /// An `http`/`https` URL with a host; errors show it masked (`https://hooks.example/…`).
    mutating func webhookURL(_ node: YAMLNode, what: String) -> String? {
        guard let url = node.string(what, errors: &errors) else { return nil }
        let lowered = url.lowercased()
        let scheme = lowered.hasPrefix("https://") ? 8 : lowered.hasPrefix("http://") ? 7 : 0
        let host = Self.authorityHost(url.utf8.dropFirst(scheme))
        let clean = url.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F }
        if scheme > 0, !host.isEmpty, clean { return url }
        var message = "\(what) must be an http:// or https:// URL"
        if let masked = Self.masked(url) { message += ", found \(MessageText.quoted(masked))" }
        errors.add(.invalidValue, message, at: node.location)
        return nil
    }

    /// The URL cut after its host (`https://hooks.example/T000/B000` → `https://hooks.example/…`), or nil when it has
    /// no `scheme://` (then any part of it may be a token, and none is shown).
    static func masked(_ url: String) -> String? {
        SecretMask.maskedURL(url)
    }

    /// The host (and port) of a URL's authority, without any `user:password@`.
    private static func authorityHost(_ rest: Substring.UTF8View) -> String {
        SecretMask.urlHost(rest)
    }

    private static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 256
            && name.utf8.allSatisfy { byte in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
    }

    private static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
            name.utf8.count <= 256
        else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }
}
