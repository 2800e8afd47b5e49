internal import CLibSSH2
import DroverModel
import Foundation

/// Host key verification against OpenSSH known_hosts files.
///
/// libssh2 parses and matches the entries (plain, hashed, `[host]:port`); this type works around its 1.10
/// quirks (LIBSSH2.md): files are fed line by line so one bad line does not drop the rest, `@revoked` and
/// `@cert-authority` lines are handled here, and the host key algorithms offered in the handshake are
/// limited to the key types known for the host, so a host with an ECDSA entry is not reported unknown
/// just because it also has an ed25519 key.
///
/// Not thread-safe: used only on the reactor thread. Loaded on first use.
final class KnownHosts: @unchecked Sendable {
    let files: [String]
    let policy: ConnectionSettings.HostKeyPolicy
    private var loaded = false
    private var owner: OpaquePointer?
    private var entries: OpaquePointer?
    private var revoked: Set<String> = []

    init(files: [String], policy: ConnectionSettings.HostKeyPolicy) {
        self.files = files
        self.policy = policy
    }

    deinit {
        if let entries { libssh2_knownhost_free(entries) }
        if let owner { libssh2_session_free(owner) }
    }

    private func load() {
        guard !loaded else { return }
        loaded = true
        owner = libssh2_session_init_ex(nil, nil, nil, nil)
        entries = owner.flatMap { libssh2_knownhost_init($0) }
        guard let entries else { return }
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            for raw in text.split(whereSeparator: \.isNewline) {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                if line.hasPrefix("@revoked") {
                    let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                    if fields.count >= 4 { revoked.insert(String(fields[3])) }
                    continue
                }
                if line.hasPrefix("@") { continue }  // @cert-authority: certificates are not supported by libssh2 1.10
                _ = line.withCString { libssh2_knownhost_readline(entries, $0, strlen($0), 1) }
            }
        }
    }

    /// How known_hosts writes this host: `host` on port 22, `[host]:port` otherwise.
    func hostPattern(_ host: String, _ port: Int) -> String {
        port == 22 ? host : "[\(host)]:\(port)"
    }

    /// The key types known_hosts holds for the host, found by checking a dummy key of each type:
    /// libssh2 answers MISMATCH only when an entry of that type exists for the host.
    func knownTypes(host: String, port: Int) -> [HostKeyType] {
        load()
        guard let entries else { return [] }
        let dummy: [CChar] = [0x41]
        return HostKeyType.all.filter { type in
            let mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | type.knownHostBits
            let rc = libssh2_knownhost_checkp(entries, host, Int32(port), dummy, 1, mask, nil)
            return rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH
        }
    }

    func knownTypeNames(host: String, port: Int) -> [String] { knownTypes(host: host, port: port).map(\.name) }

    /// The `LIBSSH2_METHOD_HOSTKEY` preference for the handshake, or nil to let libssh2 choose.
    func hostKeyPreference(host: String, port: Int) -> String? {
        let usable = knownTypes(host: host, port: port).filter(\.usable)
        return usable.isEmpty ? nil : usable.map(\.name).joined(separator: ",")
    }

    /// Checks the key the server presented. Throws a ``HostError`` a person can act on.
    func verify(session: OpaquePointer, host: String, port: Int) throws {
        load()
        var length = 0
        var rawType: Int32 = 0
        guard let key = libssh2_session_hostkey(session, &length, &rawType) else {
            throw HostError(.hostKeyUnknown, "\(host): the server sent no host key")
        }
        let type = HostKeyType.forSession(rawType)
        let typeName = type?.name ?? "key type \(rawType)"
        let fingerprint = Self.fingerprint(session)
        let blob = Data(bytes: key, count: length).base64EncodedString()
        let pattern = hostPattern(host, port)
        let where_ = files.first ?? "~/.ssh/known_hosts"

        if revoked.contains(blob) {
            throw HostError(
                .hostKeyRevoked,
                "\(host): its \(typeName) host key \(fingerprint) is marked @revoked in known_hosts; refusing to connect.")
        }
        guard let entries, let type else {
            throw HostError(.hostKeyUnknown, "\(host): cannot read the known_hosts files (\(files.joined(separator: ", ")))")
        }
        let mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | type.knownHostBits
        switch libssh2_knownhost_checkp(entries, host, Int32(port), key, length, mask, nil) {
        case LIBSSH2_KNOWNHOST_CHECK_MATCH:
            return
        case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
            throw HostError(
                .hostKeyChanged,
                "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED for \(pattern)! The \(typeName) key it sent has "
                    + "fingerprint \(fingerprint), which differs from the one in \(where_). Someone could be "
                    + "eavesdropping (man-in-the-middle), or the host was reinstalled. Nothing was run on it. "
                    + "If the change is expected, remove the old key with `ssh-keygen -R '\(pattern)' -f \(where_)` "
                    + "and connect again.")
        default:
            let otherTypes = knownTypeNames(host: host, port: port)
            if !otherTypes.isEmpty {
                throw HostError(
                    .hostKeyChanged,
                    "\(pattern) sent a \(typeName) key (\(fingerprint)) but known_hosts holds only "
                        + "\(otherTypes.joined(separator: ", ")) for it; refusing. If the host was reinstalled, "
                        + "remove the old entry with `ssh-keygen -R '\(pattern)' -f \(where_)`.")
            }
            if policy == .acceptNew {
                try record(entries: entries, pattern: pattern, typeName: typeName, key: key, length: length, blob: blob)
                return
            }
            throw HostError(
                .hostKeyUnknown,
                "\(pattern) is not in known_hosts (\(where_)): its \(typeName) key has fingerprint \(fingerprint). "
                    + "Check that fingerprint with the host's owner, then add it with "
                    + "`ssh-keyscan -t \(typeName) \(port == 22 ? host : "-p \(port) \(host)") >> \(where_)`, "
                    + "or set StrictHostKeyChecking=accept-new to record keys on first contact.")
        }
    }

    /// accept-new: remember the key and append it to the first known_hosts file.
    private func record(
        entries: OpaquePointer, pattern: String, typeName: String, key: UnsafePointer<CChar>, length: Int, blob: String
    ) throws {
        guard let file = files.first else { return }
        let type = HostKeyType.all.first { $0.name == typeName }
        let mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | (type?.knownHostBits ?? 0)
        _ = libssh2_knownhost_addc(entries, pattern, nil, key, length, nil, 0, mask, nil)
        let line = "\(pattern) \(typeName) \(blob)\n"
        let directory = (file as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw HostError(.hostKeyUnknown, "cannot record the new host key of \(pattern) in \(file): "
                + String(cString: strerror(errno)))
        }
        defer { close(fd) }
        _ = line.withCString { write(fd, $0, strlen($0)) }
    }

    /// `SHA256:…` as OpenSSH prints it (unpadded base64 of the SHA-256 of the key blob).
    static func fingerprint(_ session: OpaquePointer) -> String {
        guard let hash = libssh2_hostkey_hash(session, Int32(LIBSSH2_HOSTKEY_HASH_SHA256)) else { return "SHA256:?" }
        let data = Data(bytes: hash, count: 32)
        return "SHA256:" + data.base64EncodedString().replacingOccurrences(of: "=", with: "")
    }
}
