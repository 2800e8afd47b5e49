import DroverModel
import Foundation

/// A private key file read into memory once, so thousands of logins do not re-read (or re-prompt).
struct PrivateKey: Sendable {
    let path: String
    /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, or `unknown`.
    let type: String
    let encrypted: Bool
    let pem: [CChar]
    var passphrase: Secret?

    /// Reads and inspects a key file.
    /// - Throws: ``HostError`` with code `credentials` for a missing file or a key type libssh2 1.10 cannot
    ///   use with OpenSSH ≥ 8.8 (RSA, DSA), with a sentence saying what to do instead.
    static func load(path: String, passphrase: Secret?) throws -> PrivateKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HostError(.credentials, "cannot read the private key \(path): no such file or not readable")
        }
        let text = String(decoding: data, as: UTF8.self)
        let (type, encrypted) = inspect(text)
        if type == "ssh-rsa" || type == "ssh-dss" {
            throw HostError(
                .credentials,
                "the key \(path) is \(type == "ssh-rsa" ? "an RSA" : "a DSA") key: the libssh2 1.10 that Drover uses "
                    + "can sign only with ssh-rsa (SHA-1), which OpenSSH 8.8 and later refuse. Use an ed25519 or "
                    + "ECDSA key instead (`ssh-keygen -t ed25519`) and add it to the hosts' authorized_keys.")
        }
        return PrivateKey(
            path: path, type: type, encrypted: encrypted, pem: Array(text.utf8CString.dropLast()), passphrase: passphrase)
    }

    /// The key type and whether it is passphrase-protected, from the PEM or OpenSSH container.
    static func inspect(_ text: String) -> (type: String, encrypted: Bool) {
        if text.contains("BEGIN RSA PRIVATE KEY") { return ("ssh-rsa", text.contains("ENCRYPTED")) }
        if text.contains("BEGIN DSA PRIVATE KEY") { return ("ssh-dss", text.contains("ENCRYPTED")) }
        if text.contains("BEGIN EC PRIVATE KEY") { return ("ecdsa-sha2", text.contains("ENCRYPTED")) }
        guard text.contains("BEGIN OPENSSH PRIVATE KEY") else { return ("unknown", text.contains("ENCRYPTED")) }
        let body = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        guard let blob = Data(base64Encoded: body) else { return ("unknown", false) }
        var reader = SSHWireReader(Array(blob))
        guard reader.expectMagic("openssh-key-v1\0"),
            let cipher = reader.string(), reader.string() != nil, reader.string() != nil,
            reader.uint32() != nil, let publicKey = reader.bytes()
        else { return ("unknown", false) }
        var keyReader = SSHWireReader(publicKey)
        return (keyReader.string() ?? "unknown", cipher != "none")
    }
}

/// Reads SSH wire-format fields (RFC 4251 `string` and `uint32`) without trusting lengths.
struct SSHWireReader {
    private let data: [UInt8]
    private var offset = 0
    init(_ data: [UInt8]) { self.data = data }

    mutating func expectMagic(_ magic: String) -> Bool {
        let m = Array(magic.utf8)
        guard data.count >= m.count, Array(data[0..<m.count]) == m else { return false }
        offset = m.count
        return true
    }

    mutating func uint32() -> UInt32? {
        guard offset + 4 <= data.count else { return nil }
        defer { offset += 4 }
        return data[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func bytes() -> [UInt8]? {
        guard let length = uint32(), offset + Int(length) <= data.count else { return nil }
        defer { offset += Int(length) }
        return Array(data[offset..<offset + Int(length)])
    }

    mutating func string() -> String? { bytes().map { String(decoding: $0, as: UTF8.self) } }
}
