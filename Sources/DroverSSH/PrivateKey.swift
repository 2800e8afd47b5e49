internal import CLibSSH2
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
    /// For an unencrypted ed25519 key: the key parsed once, so each login signs without libssh2 re-reading
    /// the file (in OpenSSL 3 its failed PEM probes alone cost ~1 ms per login).
    let signer: Ed25519Signer?

    /// Reads and inspects a key file.
    /// - Throws: ``HostError`` with code `credentials` for a missing file or a key type libssh2 1.10 cannot
    ///   use with OpenSSH ≥ 8.8 (RSA, DSA), with a sentence saying what to do instead.
    static func load(path: String, passphrase: Secret?) throws -> PrivateKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HostError(.credentials, "cannot read the private key \(path): no such file or not readable")
        }
        let text = String(decoding: data, as: UTF8.self)
        let (type, encrypted, signer) = inspect(text)
        if type == "ssh-rsa" || type == "ssh-dss" {
            throw HostError(
                .credentials,
                "the key \(path) is \(type == "ssh-rsa" ? "an RSA" : "a DSA") key: the libssh2 1.10 that Drover uses "
                    + "can sign only with ssh-rsa (SHA-1), which OpenSSH 8.8 and later refuse. Use an ed25519 or "
                    + "ECDSA key instead (`ssh-keygen -t ed25519`) and add it to the hosts' authorized_keys.")
        }
        return PrivateKey(
            path: path, type: type, encrypted: encrypted, pem: Array(text.utf8CString.dropLast()), passphrase: passphrase,
            signer: signer)
    }

    /// The key type, whether it is passphrase-protected, and (unencrypted ed25519) a ready signer.
    static func inspect(_ text: String) -> (type: String, encrypted: Bool, signer: Ed25519Signer?) {
        if text.contains("BEGIN RSA PRIVATE KEY") { return ("ssh-rsa", text.contains("ENCRYPTED"), nil) }
        if text.contains("BEGIN DSA PRIVATE KEY") { return ("ssh-dss", text.contains("ENCRYPTED"), nil) }
        if text.contains("BEGIN EC PRIVATE KEY") { return ("ecdsa-sha2", text.contains("ENCRYPTED"), nil) }
        guard text.contains("BEGIN OPENSSH PRIVATE KEY") else { return ("unknown", text.contains("ENCRYPTED"), nil) }
        let body = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        guard let blob = Data(base64Encoded: body) else { return ("unknown", false, nil) }
        var reader = SSHWireReader(Array(blob))
        guard reader.expectMagic("openssh-key-v1\0"),
            let cipher = reader.string(), reader.string() != nil, reader.string() != nil,
            reader.uint32() == 1, let publicKey = reader.bytes()
        else { return ("unknown", false, nil) }
        var keyReader = SSHWireReader(publicKey)
        let type = keyReader.string() ?? "unknown"
        guard cipher == "none", type == "ssh-ed25519", let section = reader.bytes() else {
            return (type, cipher != "none", nil)
        }
        // Unencrypted private section: check1, check2, type, public (32), private (seed 32 + public 32), comment.
        var privateReader = SSHWireReader(section)
        guard let check1 = privateReader.uint32(), privateReader.uint32() == check1,
            privateReader.string() == "ssh-ed25519", privateReader.bytes()?.count == 32,
            let secret = privateReader.bytes(), secret.count == 64
        else { return (type, false, nil) }
        return (type, false, Ed25519Signer(seed: Array(secret[0..<32]), publicKeyBlob: publicKey))
    }
}

/// An ed25519 key held as an OpenSSL `EVP_PKEY` for libssh2's sign callback; freed with its owner.
final class Ed25519Signer: @unchecked Sendable {
    /// The public key in SSH wire format (`string "ssh-ed25519"`, `string key`), as sent to the server.
    let publicKeyBlob: [UInt8]
    let key: OpaquePointer

    init?(seed: [UInt8], publicKeyBlob: [UInt8]) {
        guard let key = seed.withUnsafeBufferPointer({ drover_ed25519_key($0.baseAddress) }) else { return nil }
        self.key = key
        self.publicKeyBlob = publicKeyBlob
    }

    deinit { EVP_PKEY_free(key) }
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
