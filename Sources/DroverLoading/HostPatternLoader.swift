import DroverModel

/// Reads a `--limit` argument into a `HostPattern`, loading `@file` parts from disk as Ansible does.
///
/// Each non-blank line of an `@file` is one term (`web01`, `!db*`, `&eu`), taken whole. A relative path is taken
/// relative to the current directory, as the shell would.
public enum HostPatternLoader {
    /// The largest pattern file read.
    public static let maximumFileSize = 4 << 20

    /// The parsed pattern.
    /// - Throws: `HostPatternError` for a malformed pattern, `LoadErrors` when an `@file` cannot be read.
    public static func load(_ text: String) throws -> HostPattern {
        try HostPattern(text) { path in
            let bytes: [UInt8]
            do throws(LoadError) {
                bytes = try InventoryLoader.readFile(path, limit: maximumFileSize, kind: "a list of host patterns")
            } catch {
                throw LoadErrors([error])
            }
            if let bad = INIInventoryParser.firstInvalidUTF8(bytes[...]) {
                let line = bytes[..<bad].filter { $0 == 0x0A }.count + 1
                throw LoadErrors([LoadError(.encoding, "invalid UTF-8", file: path, line: line)])
            }
            return String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
        }
    }
}
