#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The system's IANA time zone database (`/usr/share/zoneinfo`): which zone names exist, and the near miss for a typo.
///
/// A name is accepted only if it is spelled as IANA names are (components starting with a capital letter, then
/// letters, digits, `_`, `+`, `-`; no `.`/`..`, no leading `/`) and names a regular file starting with the `TZif`
/// magic, so `../../etc/passwd`, `/etc/localtime`, `posix/…` and the database's own `zone.tab` are refused.
/// `UTC` and `Etc/UTC` are accepted even without a database.
struct TimeZoneDatabase: Sendable {
    /// The database directory.
    var directory: String

    /// The machine's database.
    static let system = TimeZoneDatabase(directory: "/usr/share/zoneinfo")

    /// The most zone names listed for suggestions, and the deepest directory walked.
    static let maximumNames = 5000
    static let maximumDepth = 3

    /// True when `name` is a zone in the database.
    func contains(_ name: String) -> Bool {
        if name == "UTC" || name == "Etc/UTC" { return true }
        guard Self.isWellFormed(name) else { return false }
        let descriptor = open(directory + "/" + name, O_RDONLY | O_NONBLOCK)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return false }
        var magic = [UInt8](repeating: 0, count: 4)
        let count = magic.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, 4) }
        return count == 4 && magic == Array("TZif".utf8)
    }

    /// True when the database directory exists.
    var isPresent: Bool {
        var status = stat()
        return stat(directory, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// The zone `name` was probably meant to be: the closest name by edit distance, or a zone whose last part is
    /// `name` (`Kuwait` → `Asia/Kuwait`); nil when nothing is close.
    func suggestion(for name: String) -> String? {
        guard name.utf8.count <= 64 else { return nil }
        let names = directory == Self.system.directory ? Self.systemNames : zoneNames()
        let lowered = name.lowercased()
        let candidate =
            Suggestion.closest(to: name, in: names)
            ?? names.first { $0.split(separator: "/").last.map { $0.lowercased() == lowered } ?? false }
        guard let candidate, candidate != name, contains(candidate) else { return nil }
        return candidate
    }

    /// The system database's names, listed once per process.
    private static let systemNames: [String] = system.zoneNames()

    /// Every well-formed file name under the directory, walked to `maximumDepth` and at most `maximumNames` names.
    func zoneNames() -> [String] {
        var names: [String] = []
        var pending: [(path: String, depth: Int)] = [("", 0)]
        while let (prefix, depth) = pending.popLast(), names.count < Self.maximumNames {
            guard let stream = opendir(prefix.isEmpty ? directory : directory + "/" + prefix) else { continue }
            defer { closedir(stream) }
            while let entry = readdir(stream), names.count < Self.maximumNames {
                let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                let name = prefix.isEmpty ? entryName : prefix + "/" + entryName
                guard Self.isWellFormed(name) else { continue }
                var status = stat()
                guard stat(directory + "/" + name, &status) == 0 else { continue }
                switch status.st_mode & S_IFMT {
                case S_IFDIR where depth + 1 < Self.maximumDepth: pending.append((name, depth + 1))
                case S_IFREG: names.append(name)
                default: break
                }
            }
        }
        return names.sorted()
    }

    /// Spelled like an IANA zone name: 1…128 bytes, `/`-separated parts each starting with a capital letter and
    /// holding only letters, digits, `_`, `+` and `-`.
    static func isWellFormed(_ name: String) -> Bool {
        guard (1...128).contains(name.utf8.count) else { return false }
        for part in name.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            guard let first = part.first, (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first) else { return false }
            for byte in part {
                let allowed =
                    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
                guard allowed else { return false }
            }
        }
        return true
    }
}
