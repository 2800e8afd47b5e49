@testable import DroverSSH
import DroverModel
import Foundation
import Testing

/// Which key files take the fast path (parsed once, signed through a callback) and which libssh2 reads.
@Suite struct PrivateKeyTests {
    private func key(type: String, passphrase: String = "") throws -> PrivateKey {
        let path = try temporaryDirectory() + "/id_\(type)"
        _ = try local("ssh-keygen -q -t \(type) -N '\(passphrase)' -f \(path)")
        return try PrivateKey.load(path: path, passphrase: nil)
    }

    @Test func unencryptedEd25519IsParsedOnceForSigning() throws {
        let key = try key(type: "ed25519")
        #expect(key.type == "ssh-ed25519")
        #expect(!key.encrypted)
        let signer = try #require(key.signer)
        // The blob sent to the server is exactly the public key file's base64 payload.
        let published = try String(contentsOfFile: key.path + ".pub", encoding: .utf8).split(separator: " ")[1]
        #expect(Data(signer.publicKeyBlob).base64EncodedString() == String(published))
    }

    @Test func encryptedAndECDSAKeysAreLeftToLibssh2() throws {
        let encrypted = try key(type: "ed25519", passphrase: "secret")
        #expect(encrypted.encrypted)
        #expect(encrypted.signer == nil)
        let ecdsa = try key(type: "ecdsa")
        #expect(ecdsa.type == "ecdsa-sha2-nistp256")
        #expect(ecdsa.signer == nil)
    }
}
