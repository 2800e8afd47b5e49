internal import CLibSSH2
import DroverModel
import Foundation

/// known_hosts files, read and indexed so that finding a host's keys costs a dictionary lookup for plain names
/// and one pass over the hashed lines — matched as OpenSSH matches them.
///
/// - A line is `[marker] hostnames keytype base64-key [comment]`. `@revoked` lines name keys never to accept,
///   whatever host they list; `@cert-authority` lines are skipped (libssh2 1.10 has no certificates); blank,
///   comment and malformed lines are skipped and the lines after them still count.
/// - hostnames is a comma-separated list of OpenSSH patterns (`*`, `?`, `!` to exclude), or one hashed name
///   `|1|salt|hash` as `ssh-keygen -H` writes (Debian's ssh hashes new entries by default): the HMAC-SHA1 of
///   the name, keyed by the salt.
/// - A host on port 22 is found by its name, on another port only as `[name]:port` (libssh2's own check also
///   tried the bare name). Names compare in lower case, as OpenSSH lowercases them.
///
/// libssh2's known-host check walked every line for each question (five per login), hashing each hashed line
/// again every time: with a hashed 1,000-line file, a 200-host fan-out spent 4 s of CPU there.
struct KnownHostsFile {
    struct Entry: Equatable, Sendable {
        /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, …
        let keyType: String
        /// The decoded key blob, as the server sends it.
        let key: [UInt8]
    }

    private struct HashedName {
        let key: drover_hmac_sha1_key
        let hash: [UInt8]
        let entry: Int

        func names(_ name: [UInt8]) -> Bool {
            withUnsafePointer(to: key) { key in
                hash.withUnsafeBufferPointer { drover_hmac_sha1_equals(key, name, name.count, $0.baseAddress) == 1 }
            }
        }
    }

    private var entries: [Entry] = []
    /// Plain names without wildcards → entry indices.
    private var byName: [String: [Int]] = [:]
    /// Lines whose names use `*`, `?` or `!`: (patterns, entry index).
    private var patterned: [([String], Int)] = []
    private var hashed: [HashedName] = []
    /// Key blobs marked `@revoked`.
    private(set) var revoked: Set<[UInt8]> = []

    init(files: [String]) {
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            add(text)
        }
    }

    init(text: String) { add(text) }

    /// How known_hosts writes a host: `name` on port 22, `[name]:port` otherwise, lowercased.
    static func lookupName(_ host: String, _ port: Int) -> String {
        port == 22 ? host.lowercased() : "[\(host.lowercased())]:\(port)"
    }

    /// The keys listed for the host, in file order.
    func entries(for host: String, port: Int) -> [Entry] {
        let name = Self.lookupName(host, port)
        var found = byName[name] ?? []
        for (patterns, index) in patterned where Self.matches(name, patterns) { found.append(index) }
        let bytes = Array(name.utf8)
        for candidate in hashed where candidate.names(bytes) { found.append(candidate.entry) }
        return found.sorted().map { entries[$0] }
    }

    /// Adds a key for a name, as a line `name keytype key` appended to the file would.
    mutating func add(name: String, entry: Entry) {
        entries.append(entry)
        byName[name.lowercased(), default: []].append(entries.count - 1)
    }

    private mutating func add(_ text: String) {
        for line in text.split(whereSeparator: \.isNewline) { add(line: line) }
    }

    private mutating func add(line: Substring) {
        var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let first = fields.first, !first.hasPrefix("#") else { return }
        var marker: String? = nil
        if first.hasPrefix("@") {
            marker = first
            fields.removeFirst()
        }
        guard fields.count >= 3, let key = Data(base64Encoded: fields[2]) else { return }
        switch marker {
        case "@revoked"?:
            revoked.insert(Array(key))
            return
        case nil:
            break
        default:
            return  // @cert-authority, or a marker OpenSSH does not know either
        }
        let entry = Entry(keyType: fields[1], key: Array(key))
        let names = fields[0]
        if names.hasPrefix("|1|") {
            let parts = names.split(separator: "|", omittingEmptySubsequences: false)
            guard parts.count == 4, let salt = Data(base64Encoded: String(parts[2])),
                let hash = Data(base64Encoded: String(parts[3])), hash.count == 20
            else { return }
            var hmac = drover_hmac_sha1_key()
            Array(salt).withUnsafeBufferPointer { drover_hmac_sha1_key_init(&hmac, $0.baseAddress, $0.count) }
            entries.append(entry)
            hashed.append(HashedName(key: hmac, hash: Array(hash), entry: entries.count - 1))
            return
        }
        let patterns = names.lowercased().split(separator: ",").map(String.init)
        guard !patterns.isEmpty else { return }
        entries.append(entry)
        if patterns.allSatisfy({ !$0.contains(where: { "*?!".contains($0) }) }) {
            for name in patterns { byName[name, default: []].append(entries.count - 1) }
        } else {
            patterned.append((patterns, entries.count - 1))
        }
    }

    /// OpenSSH's `match_hostname`: some pattern matches and no `!pattern` does.
    private static func matches(_ name: String, _ patterns: [String]) -> Bool {
        var positive = false
        for pattern in patterns {
            if pattern.hasPrefix("!") {
                if SSHPattern.matches(name, pattern.dropFirst()) { return false }
            } else if SSHPattern.matches(name, pattern) {
                positive = true
            }
        }
        return positive
    }
}
