import DroverModel
import Foundation

/// How `drover hosts` shows one host: a block of lines for people, or one JSON object with stable field names.
/// Secrets never appear: passwords are shown by source (`env:NAME`, `file:PATH`) and secret variables masked
/// (`SecretMask`).
enum HostListing {
    /// Shown when no identity file is configured (what the transport then tries).
    static let defaultIdentities = "default (~/.ssh/id_ed25519, ~/.ssh/id_ecdsa)"
    /// Shown when no known_hosts file is configured.
    static let defaultKnownHosts = "default (~/.ssh/known_hosts)"

    static func human(_ host: Host) -> String {
        let connection = host.connection
        var rows: [(String, String)] = [
            ("groups", host.groups.joined(separator: ", ")),
            ("address", connection.address),
            ("port", String(connection.port)),
            ("user", connection.user),
            (
                "identity",
                connection.identityFiles.isEmpty
                    ? defaultIdentities : connection.identityFiles.joined(separator: ", ")
            ),
            (
                "known_hosts",
                connection.knownHostsFiles.isEmpty
                    ? defaultKnownHosts : connection.knownHostsFiles.joined(separator: ", ")
            ),
            ("host keys", connection.hostKeyPolicy.rawValue),
            (
                "proxy jump",
                connection.proxyJump.isEmpty ? "none" : connection.proxyJump.map(hop).joined(separator: " -> ")
            ),
            ("password", connection.password.map(source) ?? "none"),
        ]
        if let passphrase = connection.passphraseEnvironment { rows.append(("passphrase", "env:" + passphrase)) }
        var lines = [host.name]
        for (label, value) in rows {
            lines.append("  " + label.padding(toLength: 13, withPad: " ", startingAt: 0) + value)
        }
        if !host.vars.isEmpty {
            lines.append("  vars")
            for name in host.vars.keys.sorted() {
                lines.append("    \(name) = \(SecretMask.masked(host.vars[name]!, name: name).description)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// One line of JSON. Fields: `host`, `groups`, `address`, `port`, `user`, `identity_files`,
    /// `known_hosts_files`, `host_key_policy` (`yes` or `accept-new`), `proxy_jump` (`[{address, port, user}]`),
    /// `password_source` and `passphrase_source` (`env:NAME`, `file:PATH` or null), `vars` (masked).
    static func json(_ host: Host) -> String {
        let connection = host.connection
        let object: [String: Any] = [
            "host": host.name,
            "groups": host.groups,
            "address": connection.address,
            "port": connection.port,
            "user": connection.user,
            "identity_files": connection.identityFiles,
            "known_hosts_files": connection.knownHostsFiles,
            "host_key_policy": connection.hostKeyPolicy.rawValue,
            "proxy_jump": connection.proxyJump.map { jump -> [String: Any] in
                ["address": jump.address, "port": jump.port, "user": jump.user.map { $0 as Any } ?? NSNull()]
            },
            "password_source": connection.password.map { source($0) as Any } ?? NSNull(),
            "passphrase_source": connection.passphraseEnvironment.map { "env:" + $0 as Any } ?? NSNull(),
            "vars": Dictionary(
                uniqueKeysWithValues: host.vars.map { ($0.key, jsonValue(SecretMask.masked($0.value, name: $0.key))) }),
        ]
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private static func hop(_ jump: ConnectionSettings.Jump) -> String {
        (jump.user.map { $0 + "@" } ?? "") + jump.address + ":" + String(jump.port)
    }

    private static func source(_ password: ConnectionSettings.PasswordSource) -> String {
        switch password {
        case .environment(let name): return "env:" + name
        case .file(let path): return "file:" + path
        }
    }

    private static func jsonValue(_ value: InventoryValue) -> Any {
        switch value {
        case .string(let text): return text
        case .int(let number): return number
        case .bool(let flag): return flag
        case .double(let number): return number.isFinite ? number : NSNull()
        case .null: return NSNull()
        case .list(let elements): return elements.map(jsonValue)
        case .map(let entries): return entries.mapValues(jsonValue)
        }
    }
}
