import DroverModel

/// A mapping whose keys were checked: all strings, each once, each one the reader knows.
struct YAMLMapping: Sendable {
    struct Entry: Sendable {
        var key: String
        var keyLocation: SourceLocation
        var value: YAMLNode
    }

    /// Where the mapping starts.
    var location: SourceLocation
    /// The entries in file order.
    var entries: [Entry]

    /// The value for `key`, if written.
    subscript(_ key: String) -> YAMLNode? {
        entries.first { $0.key == key }?.value
    }

    /// Where `key` was written, if it was.
    func keyLocation(_ key: String) -> SourceLocation? {
        entries.first { $0.key == key }?.keyLocation
    }

    var keys: [String] { entries.map(\.key) }
}

/// Checked accessors: each returns the value, or nil after adding one error that names the place, what was
/// expected and what was found. `what` names the thing in messages ("timeout", "a step").
extension YAMLNode {
    /// The node as a mapping with string keys, each in `allowed` (unknown keys get a "did you mean").
    /// - Parameter allowed: the keys accepted; nil accepts any key (variables).
    func mapping(_ what: String, allowed: [String]? = nil, errors: inout ErrorCollector) -> YAMLMapping? {
        guard case .mapping(let pairs) = content else {
            errors.add(.invalidValue, "\(what) must be a mapping of keys to values, found \(shown)", at: location)
            return nil
        }
        var entries: [YAMLMapping.Entry] = []
        entries.reserveCapacity(pairs.count)
        for pair in pairs {
            guard case .scalar(let scalar) = pair.key.content, !pair.key.isNull || !scalar.text.isEmpty else {
                errors.add(.invalidValue, "a key in \(what) must be a name, found \(pair.key.shown)", at: pair.key.location)
                continue
            }
            if let allowed, !allowed.contains(scalar.text) {
                errors.add(
                    .unknownKey, Suggestion.unknown("key", scalar.text, in: what, known: allowed),
                    at: pair.key.location)
                continue
            }
            entries.append(.init(key: scalar.text, keyLocation: pair.key.location, value: pair.value))
        }
        return YAMLMapping(location: location, entries: entries)
    }

    /// The node as a list (a lone value is not accepted as a list of one).
    func sequence(_ what: String, errors: inout ErrorCollector) -> [YAMLNode]? {
        guard case .sequence(let nodes) = content else {
            errors.add(.invalidValue, "\(what) must be a list, found \(shown)", at: location)
            return nil
        }
        return nodes
    }

    /// A scalar's text; numbers and bools are accepted as written (`release: 2.4` is the text `2.4`).
    func string(_ what: String, errors: inout ErrorCollector) -> String? {
        guard case .scalar(let scalar) = content, !isNull else {
            errors.add(.invalidValue, "\(what) must be text, found \(shown)", at: location)
            return nil
        }
        return scalar.text
    }

    /// A whole number, optionally within `range`.
    func int(_ what: String, in range: ClosedRange<Int>? = nil, errors: inout ErrorCollector) -> Int? {
        guard case .scalar(let scalar) = content, case .int(let number) = Self.resolve(scalar) else {
            errors.add(.invalidValue, "\(what) must be a whole number, found \(shown)", at: location)
            return nil
        }
        if let range, !range.contains(number) {
            let bound = range.upperBound == .max ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            errors.add(.invalidValue, "\(what) must be \(bound), found \(number)", at: location)
            return nil
        }
        return number
    }

    /// A number that may have a fraction.
    func number(_ what: String, in range: ClosedRange<Double>, errors: inout ErrorCollector) -> Double? {
        let value: Double?
        if case .scalar(let scalar) = content {
            switch Self.resolve(scalar) {
            case .int(let number): value = Double(number)
            case .double(let number) where number.isFinite: value = number
            default: value = nil
            }
        } else {
            value = nil
        }
        guard let value else {
            errors.add(.invalidValue, "\(what) must be a number, found \(shown)", at: location)
            return nil
        }
        guard range.contains(value) else {
            errors.add(
                .invalidValue, "\(what) must be from \(range.lowerBound.shortText) to \(range.upperBound.shortText), found \(value.shortText)",
                at: location)
            return nil
        }
        return value
    }

    /// `true` or `false` (and YAML 1.1's `yes`/`no`/`on`/`off`).
    func bool(_ what: String, errors: inout ErrorCollector) -> Bool? {
        guard case .scalar(let scalar) = content, case .bool(let value) = Self.resolve(scalar) else {
            errors.add(.invalidValue, "\(what) must be true or false, found \(shown)", at: location)
            return nil
        }
        return value
    }

    /// A duration such as `30s`, `10m`, `1h30m` (a bare number is seconds).
    func duration(_ what: String, errors: inout ErrorCollector) -> Duration? {
        if case .scalar(let scalar) = content, !isNull {
            if case .int(let seconds) = Self.resolve(scalar), seconds >= 0 { return .seconds(seconds) }
            if let duration = DurationText.parse(scalar.text) { return duration }
        }
        errors.add(.invalidValue, "\(what) must be a duration such as 30s, 10m or 1h30m, found \(shown)", at: location)
        return nil
    }

    /// A text or a list of texts (`hosts: app` and `hosts: [app, db]`).
    func strings(_ what: String, errors: inout ErrorCollector) -> [String]? {
        if case .sequence(let nodes) = content {
            var result: [String] = []
            for node in nodes {
                guard let text = node.string("each entry of \(what)", errors: &errors) else { return nil }
                result.append(text)
            }
            return result
        }
        return string(what, errors: &errors).map { [$0] }
    }
}

extension Double {
    /// `20` rather than `20.0` for whole numbers.
    fileprivate var shortText: String {
        self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}
