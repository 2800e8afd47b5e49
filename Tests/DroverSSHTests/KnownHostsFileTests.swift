@testable import DroverSSH
import Foundation
import Testing

/// Reading and matching known_hosts the way OpenSSH does, without sshd.
@Suite struct KnownHostsFileTests {
    static func key(_ name: String) -> String { Data(name.utf8).base64EncodedString() }
    static func entry(_ name: String, _ type: String = "ssh-ed25519") -> KnownHostsFile.Entry {
        .init(keyType: type, key: Array(name.utf8))
    }

    @Test func plainNamesAndListsMatchWithoutRegardToCase() {
        let file = KnownHostsFile(text: """
            # a comment
            Web1.Example.com,10.0.0.5 ssh-ed25519 \(Self.key("web1"))
            web1.example.com ecdsa-sha2-nistp256 \(Self.key("web1-ecdsa")) root@web1

            db1\tssh-ed25519\t\(Self.key("db1"))
            """)
        #expect(file.entries(for: "web1.example.com", port: 22) == [Self.entry("web1"), Self.entry("web1-ecdsa", "ecdsa-sha2-nistp256")])
        #expect(file.entries(for: "WEB1.example.COM", port: 22).count == 2)
        #expect(file.entries(for: "10.0.0.5", port: 22) == [Self.entry("web1")])
        #expect(file.entries(for: "db1", port: 22) == [Self.entry("db1")])
        #expect(file.entries(for: "web2.example.com", port: 22).isEmpty)
        #expect(file.entries(for: "10.0.0.50", port: 22).isEmpty)
    }

    @Test func aHostOnAnotherPortIsFoundOnlyUnderItsBracketedName() {
        let file = KnownHostsFile(text: """
            db1 ssh-ed25519 \(Self.key("db1-22"))
            [db1]:2222 ssh-ed25519 \(Self.key("db1-2222"))
            """)
        #expect(file.entries(for: "db1", port: 2222) == [Self.entry("db1-2222")])
        #expect(file.entries(for: "db1", port: 22) == [Self.entry("db1-22")])
        #expect(file.entries(for: "db1", port: 2200).isEmpty, "no fallback to the bare name")
    }

    @Test func wildcardsAndNegationFollowOpenSSH() {
        let file = KnownHostsFile(text: """
            *.staging.example.com,!bastion.staging.example.com ssh-ed25519 \(Self.key("staging"))
            10.1.?.1 ssh-ed25519 \(Self.key("gateways"))
            [10.2.0.*]:2222 ssh-ed25519 \(Self.key("ported"))
            """)
        #expect(file.entries(for: "app1.staging.example.com", port: 22) == [Self.entry("staging")])
        #expect(file.entries(for: "bastion.staging.example.com", port: 22).isEmpty)
        #expect(file.entries(for: "staging.example.com", port: 22).isEmpty)
        #expect(file.entries(for: "10.1.7.1", port: 22) == [Self.entry("gateways")])
        #expect(file.entries(for: "10.1.17.1", port: 22).isEmpty)
        #expect(file.entries(for: "10.2.0.9", port: 2222) == [Self.entry("ported")])
        #expect(file.entries(for: "10.2.0.9", port: 22).isEmpty)
    }

    @Test func linesHashedBySSHKeygenMatchTheSameHosts() throws {
        let directory = try temporaryDirectory()
        let path = directory + "/known_hosts"
        let plain = """
            web1.example.com ssh-ed25519 \(Self.key("web1"))
            web2.example.com,10.0.0.6 ssh-ed25519 \(Self.key("web2"))
            [db1]:2222 ecdsa-sha2-nistp256 \(Self.key("db1"))

            """
        try plain.write(toFile: path, atomically: true, encoding: .utf8)
        _ = try local("ssh-keygen -H -f \(path) 2>&1")
        let hashed = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!hashed.contains("example.com") && !hashed.contains("db1"))
        #expect(hashed.split(separator: "\n").allSatisfy { $0.hasPrefix("|1|") })

        let file = KnownHostsFile(files: [path])
        #expect(file.entries(for: "web1.example.com", port: 22) == [Self.entry("web1")])
        #expect(file.entries(for: "Web2.Example.com", port: 22) == [Self.entry("web2")])
        #expect(file.entries(for: "10.0.0.6", port: 22) == [Self.entry("web2")])
        #expect(file.entries(for: "db1", port: 2222) == [Self.entry("db1", "ecdsa-sha2-nistp256")])
        #expect(file.entries(for: "db1", port: 22).isEmpty)
        #expect(file.entries(for: "web3.example.com", port: 22).isEmpty)
    }

    @Test func markersAndBrokenLinesDoNotHideTheRest() {
        let file = KnownHostsFile(text: """
            @revoked * ssh-ed25519 \(Self.key("stolen"))
            @cert-authority *.example.com ssh-ed25519 \(Self.key("ca"))
            web1 ssh-ed25519 !!!not-base64!!!
            web1 ssh-ed25519
            |1|bm90LWEtc2FsdA==|dG9vLXNob3J0 ssh-ed25519 \(Self.key("bad-hash"))
            |1|broken ssh-ed25519 \(Self.key("bad-hash"))
            @unknown-marker web1 ssh-ed25519 \(Self.key("odd"))
            web1 ssh-ed25519 \(Self.key("web1"))
            """)
        #expect(file.entries(for: "web1", port: 22) == [Self.entry("web1")])
        #expect(file.revoked == [Array("stolen".utf8)])
        #expect(file.entries(for: "a.example.com", port: 22).isEmpty, "a CA line is not a host key")
    }

    @Test func anAddedKeyIsFoundAtOnce() {
        var file = KnownHostsFile(text: "")
        file.add(name: KnownHostsFile.lookupName("Web9", 2022), entry: Self.entry("web9"))
        #expect(file.entries(for: "web9", port: 2022) == [Self.entry("web9")])
        #expect(file.entries(for: "web9", port: 22).isEmpty)
    }
}
