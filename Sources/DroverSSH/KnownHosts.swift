internal import CLibSSH2
import DroverModel
import Foundation

/// Host key verification against OpenSSH known_hosts files.
///
/// `KnownHostsFile` reads and matches the entries (plain, patterns, hashed, `[host]:port`, `@revoked`); this
/// type turns the answer into a decision and a sentence, and limits the host key algorithms offered in the
/// handshake to the key types known for the host, so a host with an ECDSA entry is not reported unknown just
/// because it also has an ed25519 key (libssh2 1.10 negotiates one type and cannot fall back).
///
/// Not thread-safe: used only on the reactor thread. Loaded on first use; each host is looked up once.
final class KnownHosts: @unchecked Sendable {
    let files: [String]
    let policy: ConnectionSettings.HostKeyPolicy
    private var file: KnownHostsFile?
    private var found: [String: [KnownHostsFile.Entry]] = [:]

    init(files: [String], policy: ConnectionSettings.HostKeyPolicy) {
        self.files = files
        self.policy = policy
    }

    private func loaded() -> KnownHostsFile {
        if let file { return file }
        let read = KnownHostsFile(files: files)
        file = read
        return read
    }

    /// The keys known_hosts lists for the host.
    private func entries(host: String, port: Int) -> [KnownHostsFile.Entry] {
        let name = KnownHostsFile.lookupName(host, port)
        if let entries = found[name] { return entries }
        let entries = loaded().entries(for: host, port: port)
        found[name] = entries
        return entries
    }

    /// How known_hosts writes this host: `host` on port 22, `[host]:port` otherwise.
    func hostPattern(_ host: String, _ port: Int) -> String {
        port == 22 ? host : "[\(host)]:\(port)"
    }

    /// The key types known_hosts holds for the host.
    func knownTypes(host: String, port: Int) -> [HostKeyType] {
        let types = Set(entries(host: host, port: port).map(\.keyType))
        return HostKeyType.all.filter { types.contains($0.name) }
    }

    func knownTypeNames(host: String, port: Int) -> [String] { knownTypes(host: host, port: port).map(\.name) }

    /// The `LIBSSH2_METHOD_HOSTKEY` preference for the handshake, or nil to let libssh2 choose.
    func hostKeyPreference(host: String, port: Int) -> String? {
        let usable = knownTypes(host: host, port: port).filter(\.usable)
        return usable.isEmpty ? nil : usable.map(\.name).joined(separator: ",")
    }

    /// Checks the key the server presented. Throws a ``HostError`` a person can act on.
    func verify(session: OpaquePointer, host: String, port: Int) throws {
        var length = 0
        var rawType: Int32 = 0
        guard let key = libssh2_session_hostkey(session, &length, &rawType) else {
            throw HostError(.hostKeyUnknown, "\(host): the server sent no host key")
        }
        let blob = Array(UnsafeRawBufferPointer(start: key, count: length))
        let type = HostKeyType.forSession(rawType)
        let typeName = type?.name ?? "key type \(rawType)"
        let pattern = hostPattern(host, port)
        let where_ = files.first ?? "~/.ssh/known_hosts"

        if loaded().revoked.contains(blob) {
            throw HostError(
                .hostKeyRevoked,
                "\(host): its \(typeName) host key \(Self.fingerprint(session)) is marked @revoked in known_hosts; "
                    + "refusing to connect.")
        }
        let known = entries(host: host, port: port)
        let sameType = known.filter { $0.keyType == typeName }
        if sameType.contains(where: { $0.key == blob }) { return }
        if !sameType.isEmpty {
            throw HostError(
                .hostKeyChanged,
                "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED for \(pattern)! The \(typeName) key it sent has "
                    + "fingerprint \(Self.fingerprint(session)), which differs from the one in \(where_). Someone "
                    + "could be eavesdropping (man-in-the-middle), or the host was reinstalled. Nothing was run on "
                    + "it. If the change is expected, remove the old key with `ssh-keygen -R '\(pattern)' -f "
                    + "\(where_)` and connect again.")
        }
        let otherTypes = knownTypeNames(host: host, port: port)
        if !otherTypes.isEmpty {
            throw HostError(
                .hostKeyChanged,
                "\(pattern) sent a \(typeName) key (\(Self.fingerprint(session))) but known_hosts holds only "
                    + "\(otherTypes.joined(separator: ", ")) for it; refusing. If the host was reinstalled, "
                    + "remove the old entry with `ssh-keygen -R '\(pattern)' -f \(where_)`.")
        }
        if policy == .acceptNew, type != nil {
            try record(pattern: pattern, host: host, port: port, typeName: typeName, key: blob)
            return
        }
        throw HostError(
            .hostKeyUnknown,
            "\(pattern) is not in known_hosts (\(where_)): its \(typeName) key has fingerprint "
                + "\(Self.fingerprint(session)). Check that fingerprint with the host's owner, then add it with "
                + "`ssh-keyscan -t \(typeName) \(port == 22 ? host : "-p \(port) \(host)") >> \(where_)`, "
                + "or set StrictHostKeyChecking=accept-new to record keys on first contact.")
    }

    /// accept-new: remember the key and append it to the first known_hosts file.
    private func record(pattern: String, host: String, port: Int, typeName: String, key: [UInt8]) throws {
        guard let file = files.first else { return }
        _ = loaded()
        self.file?.add(name: KnownHostsFile.lookupName(host, port), entry: .init(keyType: typeName, key: key))
        found[KnownHostsFile.lookupName(host, port)] = nil
        let line = "\(pattern) \(typeName) \(Data(key).base64EncodedString())\n"
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
