public import Foundation

/// Finds a PostgreSQL password as libpq does: `PGPASSWORD`, else the first matching line of the password file
/// (`PGPASSFILE`, else `~/.pgpass`), lines `hostname:port:database:username:password` with `*` wildcards and `\:`,
/// `\\` escapes. A password file that others can read is ignored with a warning, as libpq ignores it.
public enum PasswordFile {
    /// Where the password was found (for messages: never the password itself).
    public enum Source: Sendable, Hashable, CustomStringConvertible {
        case environment
        case file(String)

        public var description: String {
            switch self {
            case .environment: return "PGPASSWORD"
            case .file(let path): return path
            }
        }
    }

    /// The password for `location`, and where it came from; nil when none is configured.
    /// - Parameter warn: told why a password file was skipped (readable by others).
    public static func password(
        for location: PostgresLocation, environment: [String: String] = ProcessInfo.processInfo.environment,
        warn: (String) -> Void = { _ in }
    ) -> (password: String, source: Source)? {
        if let password = environment["PGPASSWORD"], !password.isEmpty { return (password, .environment) }
        let path: String
        if let file = environment["PGPASSFILE"], !file.isEmpty {
            path = file
        } else if let home = environment["HOME"], !home.isEmpty {
            path = home + "/.pgpass"
        } else {
            path = NSHomeDirectory() + "/.pgpass"
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            warn("the password file \(path) can be read by others (mode \(String(mode, radix: 8))): ignored (chmod 600 it)")
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return lookup(String(decoding: data, as: UTF8.self), for: location).map { ($0, .file(path)) }
    }

    /// The password of the first line of `contents` that matches `location` (pure).
    public static func lookup(_ contents: String, for location: PostgresLocation) -> String? {
        let hosts: [String]
        let port: Int
        switch location.endpoint {
        case .tcp(let host, let tcpPort):
            hosts = [host]
            port = tcpPort
        case .socket(let directory, let socketPort):
            hosts = directory == "/var/run/postgresql" ? [directory, "localhost"] : [directory]
            port = socketPort
        }
        for line in contents.split(whereSeparator: \.isNewline) {
            guard !line.hasPrefix("#") else { continue }
            let fields = split(String(line))
            guard fields.count == 5 else { continue }
            func matches(_ field: String, _ value: String) -> Bool { field == "*" || field == value }
            if hosts.contains(where: { matches(fields[0], $0) }), matches(fields[1], String(port)),
                matches(fields[2], location.database), matches(fields[3], location.user)
            {
                return fields[4]
            }
        }
        return nil
    }

    /// A line's fields: `:` separates, `\:` and `\\` escape.
    private static func split(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":", fields.count < 4 {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
