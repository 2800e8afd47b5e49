import DroverModel

/// The notify targets that keep something at a service across a run: `alertmanager` (a silence) and `statuspage`
/// (a scheduled maintenance). Their credentials are named environment variables, never values.
extension PolicyReader {
    /// An `alertmanager` target: its URL, the label and value matched against the run's hosts, the margin after the
    /// window's end, headers; its events are those it acts on unless `events` narrows them.
    mutating func alertmanager(_ node: YAMLNode, map: YAMLMapping, what: String) -> NotifyTarget? {
        for key in ["webhook", "command", "environment", "advance"] {
            if let location = map.keyLocation(key) {
                errors.add(.invalidValue, "\(key) in \(what) does not go with 'alertmanager'", at: location)
                return nil
            }
        }
        guard let url = webhookURL(node, what: "alertmanager of \(what)") else { return nil }
        var target = AlertmanagerTarget(url: url)
        if let node = map["label"], let label = node.string("label of \(what)", errors: &errors) {
            let valid = label.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
                && label.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            guard valid else {
                errors.add(
                    .invalidValue,
                    "label of \(what) must be an Alertmanager label name (letters, digits, _), found "
                        + MessageText.quoted(label),
                    at: node.location)
                return nil
            }
            target.label = label
        }
        if let node = map["value"], let text = node.string("value of \(what)", errors: &errors) {
            let spaced = text.replacingOccurrences(of: " ", with: "")
            guard let value = AlertmanagerTarget.Value.allCases.first(where: { $0.rawValue.replacingOccurrences(of: " ", with: "") == spaced })
            else {
                errors.add(
                    .invalidValue,
                    "value of \(what) must be {{ host.name }} or {{ host.address }}, found \(MessageText.quoted(text))",
                    at: node.location)
                return nil
            }
            target.value = value
        }
        if let node = map["margin"], let margin = node.duration("margin of \(what)", errors: &errors) {
            guard margin >= .zero, margin <= .seconds(24 * 3600) else {
                errors.add(
                    .invalidValue, "margin of \(what) must be between 0s and 24h, found \(MessageText.quoted(node.scalarText ?? ""))",
                    at: node.location)
                return nil
            }
            target.margin = margin
        }
        if let node = map["headers"] {
            guard let headers = self.headers(node, what: what) else { return nil }
            target.headers = headers
        }
        var events = AlertmanagerTarget.events
        if let node = map["events"] {
            guard let chosen = self.events(node, what: "events of \(what)") else { return nil }
            events = chosen.intersection(AlertmanagerTarget.events)
        }
        return NotifyTarget(delivery: .alertmanager(target), events: events)
    }

    /// A `statuspage` target: the API's URL, `page_id`, `token` (the name of the environment variable holding the API
    /// key) and `components` (inventory group → component id).
    mutating func statuspage(_ node: YAMLNode, map: YAMLMapping, what: String) -> NotifyTarget? {
        for key in ["webhook", "command", "environment", "advance", "headers", "label", "value", "margin"] {
            if let location = map.keyLocation(key) {
                errors.add(.invalidValue, "\(key) in \(what) does not go with 'statuspage'", at: location)
                return nil
            }
        }
        guard let url = webhookURL(node, what: "statuspage of \(what)") else { return nil }
        guard let pageNode = map["page_id"], let page = pageNode.string("page_id of \(what)", errors: &errors) else {
            if map["page_id"] == nil {
                errors.add(.missingKey, "\(what) needs 'page_id' (the Statuspage page's id)", at: map.location)
            }
            return nil
        }
        guard let tokenNode = map["token"], let token = tokenNode.string("token of \(what)", errors: &errors) else {
            if map["token"] == nil {
                errors.add(
                    .missingKey, "\(what) needs 'token': the name of the environment variable holding the API key",
                    at: map.location)
            }
            return nil
        }
        guard let first = token.first, first == "_" || (first.isASCII && first.isUppercase),
            token.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isUppercase || $0.isNumber)) })
        else {
            errors.add(
                .invalidValue,
                "token of \(what) must name the environment variable holding the API key (such as STATUSPAGE_TOKEN), "
                    + "not the key itself",
                at: tokenNode.location)
            return nil
        }
        var components: [String: String] = [:]
        if let node = map["components"] {
            guard let mapping = node.mapping("components of \(what)", allowed: nil, errors: &errors) else { return nil }
            for entry in mapping.entries {
                guard let id = entry.value.string("component of group \(entry.key) in \(what)", errors: &errors) else {
                    return nil
                }
                components[entry.key] = id
            }
        }
        var events = StatuspageTarget.events
        if let node = map["events"] {
            guard let chosen = self.events(node, what: "events of \(what)") else { return nil }
            events = chosen.intersection(StatuspageTarget.events)
        }
        return NotifyTarget(
            delivery: .statuspage(StatuspageTarget(url: url, pageID: page, token: token, components: components)),
            events: events)
    }
}
