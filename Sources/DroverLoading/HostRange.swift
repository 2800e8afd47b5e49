/// Expands Ansible host ranges: `app[01:12].example`, `db-[a:c]`, `node[1:10:2]`, several ranges per name.
///
/// A numeric range whose start has a leading zero pads every number to the start's width, and its end must be
/// as wide (Ansible's rule). A letter range runs through `a…zA…Z` in that order. An empty start means 0. The step
/// must be positive. Unlike Ansible, a range whose start is after its end is an error, not zero hosts.
enum HostRange {
    /// Why a pattern could not be expanded; `offset` is the byte offset of the `[` concerned.
    struct Failure: Error, Equatable {
        var message: String
        var offset: Int
    }

    /// The letters of a letter range, in Python's `string.ascii_letters` order.
    private static let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// Every name the pattern stands for, in order; the pattern itself when it has no range.
    /// - Parameter limit: the most names the pattern may expand to.
    /// - Throws: `Failure` for a malformed range, or one expanding past `limit`.
    static func expand(_ pattern: String, limit: Int) throws(Failure) -> [String] {
        try expand(Substring(pattern), offset: 0, limit: limit)
    }

    /// The most ranges one name may hold.
    static let maximumRanges = 16

    private static func expand(_ pattern: Substring, offset: Int, limit: Int) throws(Failure) -> [String] {
        var names = [""]
        var rest = pattern
        var ranges = 0
        while let open = rest.firstIndex(of: "[") {
            let openOffset = offset + pattern.utf8.distance(from: pattern.startIndex, to: open)
            ranges += 1
            guard ranges <= maximumRanges else {
                throw Failure(message: "a host name may hold at most \(maximumRanges) ranges", offset: openOffset)
            }
            guard let close = rest[open...].firstIndex(of: "]") else {
                throw Failure(message: "the '[' of a host range is never closed with ']'", offset: openOffset)
            }
            let head = rest[..<open]
            let values = try values(in: rest[rest.index(after: open)..<close], offset: openOffset, limit: limit)
            guard values.count * names.count <= limit else {
                throw Failure(
                    message: "invalid host range \(MessageText.quoted(rest[open...close])): "
                        + "the name expands to more than \(limit) hosts",
                    offset: openOffset)
            }
            var expanded: [String] = []
            expanded.reserveCapacity(values.count * names.count)
            for name in names {
                for value in values { expanded.append(name + head + value) }
            }
            names = expanded
            rest = rest[rest.index(after: close)...]
        }
        return names.map { $0 + rest }
    }

    /// The texts one `[start:end(:step)]` stands for (`inside` is between the brackets).
    private static func values(in inside: Substring, offset: Int, limit: Int) throws(Failure) -> [String] {
        let quotedRange = MessageText.quoted("[" + inside + "]")
        func failure(_ message: String) -> Failure {
            Failure(message: "invalid host range \(quotedRange): \(message)", offset: offset)
        }
        let bounds = inside.split(separator: ":", omittingEmptySubsequences: false)
        guard bounds.count == 2 || bounds.count == 3 else {
            throw failure("expected [start:end] or [start:end:step]")
        }
        let start = bounds[0].isEmpty ? "0" : bounds[0]
        let end = bounds[1]
        guard !end.isEmpty else { throw failure("the end is missing") }
        var step = 1
        if bounds.count == 3 {
            guard let value = Int(bounds[2]), value > 0 else { throw failure("the step must be a positive number") }
            step = value
        }
        if start.count == 1, end.count == 1, let first = letters.firstIndex(of: start.first!),
            let last = letters.firstIndex(of: end.first!)
        {
            guard first <= last else { throw failure("the start is after the end") }
            return stride(from: first, through: last, by: step).map { String(letters[$0]) }
        }
        guard start.allSatisfy(\.isASCIIDigit), end.allSatisfy(\.isASCIIDigit) else {
            throw failure("the bounds must both be numbers or both be single letters")
        }
        guard let low = Int(start), let high = Int(end) else { throw failure("a bound is too large") }
        guard low <= high else { throw failure("the start is after the end") }
        let width = start.count > 1 && start.first == "0" ? start.count : 0
        if width > 0 && end.count != width {
            throw failure("a zero-padded start needs an end of the same width")
        }
        guard (high - low) / step < limit else { throw failure("it expands to more than \(limit) hosts") }
        return stride(from: low, through: high, by: step).map { value in
            let digits = String(value)
            return digits.count < width ? String(repeating: "0", count: width - digits.count) + digits : digits
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
