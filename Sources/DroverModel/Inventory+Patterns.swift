extension Inventory {
    /// The hosts an Ansible host pattern selects (`app:&eu`, `app:!app3`, `web*`, `~db\d+`), in inventory order.
    /// - Throws: `HostPatternError` when the pattern is malformed, names a file, when any term matches no host
    ///   (a typo in an exclusion must not widen a run), or when the terms together leave no host.
    public func hosts(matching pattern: String) throws -> [Host] {
        try hosts(matching: HostPattern(pattern))
    }

    /// The hosts a parsed host pattern selects, in inventory order.
    /// - Throws: `HostPatternError` as `hosts(matching:)` with a string does.
    public func hosts(matching pattern: HostPattern) throws -> [Host] {
        var selected = [Bool](repeating: false, count: hosts.count)
        for term in pattern.orderedTerms {
            let matches = try indices(matching: term, in: pattern)
            switch term.operation {
            case .union:
                for index in matches { selected[index] = true }
            case .intersection:
                var keep = [Bool](repeating: false, count: hosts.count)
                for index in matches { keep[index] = true }
                for index in selected.indices where !keep[index] { selected[index] = false }
            case .exclusion:
                for index in matches { selected[index] = false }
            }
        }
        let result = hosts.indices.filter { selected[$0] }.map { hosts[$0] }
        guard !result.isEmpty else {
            throw HostPatternError(
                .emptyResult, pattern: pattern.text,
                message: "the host pattern '\(pattern.text)' leaves no hosts")
        }
        return result
    }

    /// Indices (ascending) of the hosts one term matches, before its operation is applied.
    private func indices(matching term: HostPattern.Term, in pattern: HostPattern) throws -> [Int] {
        let expression = term.expression
        if term.operation == .union, term.selection == nil, let index = index(ofHost: expression) {
            return [index]
        }
        let matcher = try Self.matcher(for: expression, in: pattern)
        let isPattern = expression.hasPrefix("~") || GlobPattern.hasWildcards(expression) || expression.contains(".")

        var marked = [Bool](repeating: false, count: hosts.count)
        let matchingGroups = groupNames.filter(matcher)
        for group in matchingGroups {
            for index in memberIndices(ofGroup: group) { marked[index] = true }
        }
        if matchingGroups.isEmpty || isPattern {
            for (index, host) in hosts.enumerated() where matcher(host.name) { marked[index] = true }
        }
        var matches = hosts.indices.filter { marked[$0] }

        guard !matches.isEmpty else {
            let message: String
            if matchingGroups.isEmpty {
                message = "no host or group matches '\(expression)'"
            } else {
                let names = matchingGroups.map { "'\($0)'" }.joined(separator: ", ")
                message =
                    "'\(expression)' matches no hosts (\(matchingGroups.count == 1 ? "group" : "groups") "
                    + "\(names) \(matchingGroups.count == 1 ? "is" : "are") empty)"
            }
            throw HostPatternError(.noMatch, pattern: pattern.text, message: message)
        }
        if let selection = term.selection {
            matches = try Self.apply(selection, to: matches, term: term, pattern: pattern)
        }
        return matches
    }

    private static func matcher(for expression: String, in pattern: HostPattern) throws -> (String) -> Bool {
        if expression.hasPrefix("~") {
            let source = String(expression.dropFirst())
            let regex: Regex<AnyRegexOutput>
            do {
                regex = try Regex(source)
            } catch {
                throw HostPatternError(
                    .invalidRegex, pattern: pattern.text,
                    message: "'\(expression)' is not a valid regular expression: \(error)")
            }
            // Python's re.match: anchored at the start only.
            return { name in ((try? regex.prefixMatch(in: name)) ?? nil) != nil }
        }
        if GlobPattern.hasWildcards(expression) {
            let glob = GlobPattern(expression)
            return { glob.matches($0) }
        }
        return { $0 == expression }
    }

    private static func apply(
        _ selection: HostPattern.Subscript, to matches: [Int], term: HostPattern.Term, pattern: HostPattern
    ) throws -> [Int] {
        func outOfRange() -> HostPatternError {
            HostPatternError(
                .subscriptOutOfRange, pattern: pattern.text,
                message: "'\(term)' is out of range: '\(term.expression)' matches \(matches.count) "
                    + (matches.count == 1 ? "host" : "hosts"))
        }
        switch selection {
        case .index(let index):
            let position = index < 0 ? matches.count + index : index
            guard matches.indices.contains(position) else { throw outOfRange() }
            return [matches[position]]
        case .range(let start, let end):
            guard start < matches.count else { throw outOfRange() }
            let last = min(end ?? matches.count - 1, matches.count - 1)
            guard last >= start else { throw outOfRange() }
            return Array(matches[start...last])
        }
    }
}
