/// Splits an INI host entry into a name pattern and an optional port, as Ansible's `parse_address` does:
/// `web1`, `web1:2222`, `10.0.0.5:22`, `::1`, `[2001:db8::1]:2222`, `app[01:12]:2222`.
enum HostAddress {
    /// Why an entry is not `host` or `host:port`; `offset` is the byte offset of the problem in the entry.
    struct Failure: Error, Equatable {
        var message: String
        var offset: Int
        /// `invalidRange` for a malformed range, else `syntax`.
        var code: LoadError.Code = .syntax
    }

    /// Every host name an entry stands for (ranges expanded) and its port, as both inventory formats read a host:
    /// no control characters, `host` or `host:port`, then `HostRange` expansion of the name.
    /// - Parameter limit: the most names the entry may expand to.
    /// - Throws: `Failure` whose offset is the byte offset of the problem in `entry`.
    static func expand(
        _ entry: String, limit: Int
    ) throws(Failure) -> (names: [String], port: (value: Int, offset: Int)?) {
        if entry.isEmpty {
            throw Failure(message: "expected a host name, found an empty word", offset: 0)
        }
        if let control = entry.utf8.firstIndex(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw Failure(
                message: "a host name cannot contain control characters",
                offset: entry.utf8.distance(from: entry.utf8.startIndex, to: control))
        }
        let address = try split(entry)
        do {
            // The name starts the entry (only an IPv6 address loses brackets, and it has no ranges).
            return (try HostRange.expand(address.name, limit: limit), address.port)
        } catch {
            throw Failure(message: error.message, offset: error.offset, code: .invalidRange)
        }
    }

    /// The name pattern (brackets removed from an IPv6 address) and the port with its byte offset, if any.
    static func split(_ entry: String) throws(Failure) -> (name: String, port: (value: Int, offset: Int)?) {
        if isIPv6(entry) { return (entry, nil) }
        let utf8 = Array(entry.utf8)
        if utf8.first == UInt8(ascii: "["), let close = utf8.firstIndex(of: UInt8(ascii: "]")) {
            let inside = String(decoding: utf8[1..<close], as: UTF8.self)
            if isIPv6(inside) {
                if close == utf8.count - 1 { return (inside, nil) }
                guard utf8[close + 1] == UInt8(ascii: ":") else {
                    throw Failure(message: "expected ':port' after the IPv6 address", offset: close + 1)
                }
                let port = try port(utf8[(close + 2)...], in: entry, offset: close + 2)
                return (inside, (port, close + 2))
            }
        }
        // Colons outside [range] brackets separate a port.
        var depth = 0
        var colons: [Int] = []
        for (offset, byte) in utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "]"): depth = max(0, depth - 1)
            case UInt8(ascii: ":") where depth == 0: colons.append(offset)
            default: break
            }
        }
        guard let colon = colons.first else { return (entry, nil) }
        guard colons.count == 1 else {
            throw Failure(
                message: "expected a host or host:port, found \(MessageText.quoted(entry))", offset: colons[1])
        }
        let name = String(decoding: utf8[..<colon], as: UTF8.self)
        guard !name.isEmpty else {
            throw Failure(message: "expected a host name before ':'", offset: colon)
        }
        let port = try port(utf8[(colon + 1)...], in: entry, offset: colon + 1)
        return (name, (port, colon + 1))
    }

    private static func port(_ digits: ArraySlice<UInt8>, in entry: String, offset: Int) throws(Failure) -> Int {
        guard !digits.isEmpty else {
            throw Failure(
                message: "\(MessageText.quoted(entry)) ends in ':' with no port after it", offset: offset - 1)
        }
        let text = String(decoding: digits, as: UTF8.self)
        guard digits.count <= 5, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let port = Int(text),
            (1...65535).contains(port)
        else {
            throw Failure(
                message: "invalid port \(MessageText.quoted(text)) in \(MessageText.quoted(entry)): "
                    + "expected a number from 1 to 65535",
                offset: offset)
        }
        return port
    }

    /// True for an IPv6 address (`::1`, `fe80::1`, `2001:db8:0:0:0:0:0:1`, `::ffff:10.0.0.1`).
    static func isIPv6(_ text: String) -> Bool {
        let pieces = text.split(separator: ":", omittingEmptySubsequences: false)
        guard pieces.count >= 3, pieces.count <= 9 else { return false }
        let compressed = text.utf8.indices.dropLast().filter {
            text.utf8[$0] == UInt8(ascii: ":") && text.utf8[text.utf8.index(after: $0)] == UInt8(ascii: ":")
        }.count
        guard compressed <= 1, compressed == 1 || pieces.count == 8 else { return false }
        for (index, piece) in pieces.enumerated() where !piece.isEmpty {
            if index == pieces.count - 1 && piece.contains(".") {
                let octets = piece.split(separator: ".", omittingEmptySubsequences: false)
                guard octets.count == 4, octets.allSatisfy({ $0.count <= 3 && UInt8($0) != nil }) else { return false }
                continue
            }
            guard piece.count <= 4, piece.allSatisfy(\.isHexDigit) else { return false }
        }
        return true
    }
}
