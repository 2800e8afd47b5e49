import DroverModel
import Foundation
import Testing

@testable import DroverLoading

/// Loads inventory text with an ssh_config given as text, parsed as `~/.ssh/config` under `home`.
func loadInventory(
    _ text: String, sshConfig: String, home: String = "/home/deploy", path: String = "inventory.ini"
) throws -> Inventory {
    let config = try SSHConfig.parse(text: sshConfig, path: "config", homeDirectory: home)
    return try InventoryLoader(homeDirectory: home, sshConfig: config).load(
        text: text, path: path, defaultUser: "deploy")
}

/// The errors loading an inventory with this ssh_config reports (from either file), as printed.
func sshConfigErrors(_ sshConfig: String, inventory: String = "h\n", home: String = "/home/deploy") -> [String] {
    do {
        _ = try loadInventory(inventory, sshConfig: sshConfig, home: home)
        return []
    } catch let errors as LoadErrors {
        return errors.errors.map(\.description)
    } catch {
        return ["unexpected error: \(error)"]
    }
}

/// A fresh directory for files a test writes.
func temporaryDirectory() throws -> String {
    let directory = NSTemporaryDirectory() + "drover-sshconfig-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: directory + "/.ssh", withIntermediateDirectories: true)
    return directory
}

@Suite struct SSHConfigTests {
    static let home = Fixtures.path("sshhome")

    static func golden(_ inventory: String) throws -> Inventory {
        let config = try SSHConfig.load(path: home + "/.ssh/config", homeDirectory: home)
        return try InventoryLoader(homeDirectory: home, sshConfig: config).load(
            text: inventory, path: "inventory.ini", defaultUser: "deploy")
    }

    // MARK: - Matching (golden file with Include)

    @Test(arguments: [
        (
            "web1",
            ConnectionSettings(
                address: "web1.prod.example", port: 2201, user: "deploy",
                identityFiles: ["\(home)/.ssh/id_global", "\(home)/.ssh/web_deploy"],
                knownHostsFiles: ["\(home)/.ssh/known_hosts.fleet", "\(home)/.ssh/known_hosts"],
                hostKeyPolicy: .acceptNew)
        ),
        (
            "web-legacy",
            ConnectionSettings(
                address: "legacy.example", port: 22, user: "old", identityFiles: ["\(home)/.ssh/id_global"],
                knownHostsFiles: ["\(home)/.ssh/known_hosts.fleet", "\(home)/.ssh/known_hosts"],
                hostKeyPolicy: .acceptNew)
        ),
        (
            "db2",
            ConnectionSettings(
                address: "10.0.0.12", port: 5022, user: "fallback",
                identityFiles: ["\(home)/.ssh/id_global", "\(home)/.ssh/db_db2"],
                knownHostsFiles: ["\(home)/.ssh/known_hosts.fleet", "\(home)/.ssh/known_hosts"],
                hostKeyPolicy: .acceptNew,
                proxyJump: [ConnectionSettings.Jump(address: "bastion.internal.example", port: 2222, user: "jump")])
        ),
        (
            "db9",
            ConnectionSettings(
                address: "10.0.0.12", port: 5022, user: "fallback", identityFiles: ["\(home)/.ssh/id_global"],
                knownHostsFiles: ["\(home)/.ssh/known_hosts.fleet", "\(home)/.ssh/known_hosts"],
                hostKeyPolicy: .acceptNew,
                proxyJump: [ConnectionSettings.Jump(address: "bastion.internal.example", port: 2222, user: "jump")])
        ),
        (
            "other.example",
            ConnectionSettings(
                address: "other.example", port: 22, user: "fallback", identityFiles: ["\(home)/.ssh/id_global"],
                knownHostsFiles: ["\(home)/.ssh/known_hosts.fleet", "\(home)/.ssh/known_hosts"],
                hostKeyPolicy: .acceptNew)
        ),
    ])
    func resolvesEachHostFromTheGoldenConfig(host: String, expected: ConnectionSettings) throws {
        let inventory = try Self.golden("\(host)\n")
        #expect(inventory.hosts.first?.connection == expected)
    }

    @Test func firstObtainedValueWinsAcrossBlocksWithHostStarDefaultsLast() throws {
        let inventory = try Self.golden("web1\nweb2\n")
        let web1 = try #require(inventory.host(named: "web1")).connection
        let web2 = try #require(inventory.host(named: "web2")).connection
        // `Host web*` gave User before `Host web1` and `Host *`; `Host web1` gave Port before `Host *`.
        #expect(web1.user == "deploy")
        #expect(web1.port == 2201)
        #expect(web2.user == "deploy")
        #expect(web2.port == 22)
    }

    @Test(arguments: [
        ("web*", "web1", true),
        ("web*", "db1", false),
        ("web?", "web12", false),
        ("web??", "web12", true),
        ("*.example !secret.example", "app.example", true),
        ("*.example !secret.example", "secret.example", false),
        ("!secret.example *.example", "secret.example", false),
        ("!secret.example", "other.example", false),
        ("\"two words\" app", "app", true),
        ("a b c", "c", true),
        ("App1", "app1", false),
        ("app1", "APP1", true),
        ("[ab]", "a", false),
        ("*a*a*a*a*a*a*a*a*b", String(repeating: "a", count: 200), false),
    ])
    func hostPatternsMatchAsOpenSSHDoes(patterns: String, host: String, applies: Bool) throws {
        let config = try SSHConfig.parse(text: "Host \(patterns)\n  User matched\n", path: "config", homeDirectory: nil)
        #expect((config.options(forHost: host).user?.value == "matched") == applies)
    }

    @Test(arguments: [
        "HOSTNAME real.example\nuSeR alice\nport 2200",
        "HostName=real.example\nUser = alice\nPort= 2200",
        "  HostName   real.example   # trailing comment\n\tUser\t\"alice\"\nPort '2200'",
        "HostName = real.example\r\nUser alice\r\nPort=2200\r\n",
    ])
    func readsKeywordsInAnyCaseWithEqualsQuotesAndComments(config: String) throws {
        let host = try #require(try loadInventory("h\n", sshConfig: "Host h\n" + config + "\n").hosts.first)
        #expect(host.connection == ConnectionSettings(address: "real.example", port: 2200, user: "alice"))
    }

    @Test func identityFilesAccumulateInFileOrderWithoutDuplicates() throws {
        let config = """
            IdentityFile ~/.ssh/first
            Host h
              IdentityFile /keys/second
              IdentityFile ~/.ssh/first
            Host other
              IdentityFile /keys/never
            Host *
              IdentityFile /keys/third
              IdentityFile none
            """
        let host = try #require(try loadInventory("h\n", sshConfig: config).hosts.first)
        #expect(host.connection.identityFiles == ["/home/deploy/.ssh/first", "/keys/second", "/keys/third"])
    }

    @Test func expandsTokensInHostNameAndPaths() throws {
        let config = """
            Host web*
              HostName %h.internal
              User app
              Port 2022
              IdentityFile %d/keys/%u-%r@%h:%p-%n-100%%
              UserKnownHostsFile ~/kh/%h
            """
        let host = try #require(try loadInventory("web7\n", sshConfig: config).hosts.first)
        #expect(host.connection.address == "web7.internal")
        #expect(host.connection.identityFiles == ["/home/deploy/keys/deploy-app@web7.internal:2022-web7-100%"])
        #expect(host.connection.knownHostsFiles == ["/home/deploy/kh/web7.internal"])
    }

    @Test func linesBeforeAnyHostAndMatchAllApplyToEveryHost() throws {
        let config = "User early\nHost nothing\n  Port 1\nMatch all\n  Port 2200\n"
        let host = try #require(try loadInventory("h\n", sshConfig: config).hosts.first)
        #expect(host.connection.user == "early")
        #expect(host.connection.port == 2200)
    }

    @Test func matchHostSeesTheHostNameObtainedSoFar() throws {
        let config = """
            Host alias
              HostName real.example
            Match host real.example
              User byhostname
            Match originalhost alias
              Port 2201
            Match !host alias,other
              IdentityFile /k
            """
        let host = try #require(try loadInventory("alias\n", sshConfig: config).hosts.first)
        #expect(host.connection.user == "byhostname")
        #expect(host.connection.port == 2201)
        #expect(host.connection.identityFiles == ["/k"])
    }

    @Test func includeIsRelativeToDotSSHAndAppliesNothingInsideABlockThatDoesNotMatch() throws {
        let home = try temporaryDirectory()
        try "User included\nHost h\n  Port 2200\n".write(
            toFile: home + "/.ssh/common.conf", atomically: true, encoding: .utf8)
        let config = """
            Host nothing
              Include common.conf
            Host h
              Include ~/.ssh/missing-*.conf common.conf
              User late
            """
        let host = try #require(try loadInventory("h\nx\n", sshConfig: config, home: home).hosts.first)
        // Included under `Host h`: its top lines apply to h, and its own `Host h` block too.
        #expect(host.connection.user == "included")
        #expect(host.connection.port == 2200)
        let other = try #require(try loadInventory("x\n", sshConfig: config, home: home).hosts.first)
        #expect(other.connection.user == "deploy")
    }

    @Test func aBlockInAnIncludedFileDoesNotLeakIntoTheIncluder() throws {
        let home = try temporaryDirectory()
        try "Host nomatch\n  User inner\n".write(toFile: home + "/.ssh/inner.conf", atomically: true, encoding: .utf8)
        let config = "Host h\n  Include inner.conf\n  User outer\n"
        let host = try #require(try loadInventory("h\n", sshConfig: config, home: home).hosts.first)
        #expect(host.connection.user == "outer")
    }

    // MARK: - Precedence against the inventory

    @Test func inventoryVariablesWinOverSSHConfigWhichWinsOverDefaults() throws {
        let config = """
            Host 10.0.0.5
              User fromconfig
              Port 2200
              IdentityFile /config/key
              StrictHostKeyChecking accept-new
            Host named
              HostName ignored.example
              User fromconfig
              Port 2200
              UserKnownHostsFile /config/kh
            """
        let inventory = """
            [g]
            viaaddress ansible_host=10.0.0.5 ansible_user=alice ansible_ssh_private_key_file=/inv/key
            named ansible_port=2201 ansible_ssh_common_args='-o UserKnownHostsFile=/inv/kh -o User=bob'
            plain
            """
        let loaded = try loadInventory(inventory, sshConfig: config)
        let viaAddress = try #require(loaded.host(named: "viaaddress")).connection
        #expect(viaAddress.address == "10.0.0.5")
        #expect(viaAddress.user == "alice")
        #expect(viaAddress.port == 2200)
        #expect(viaAddress.identityFiles == ["/inv/key", "/config/key"])
        #expect(viaAddress.hostKeyPolicy == .acceptNew)
        let named = try #require(loaded.host(named: "named")).connection
        #expect(named.address == "ignored.example")
        #expect(named.port == 2201)
        #expect(named.user == "bob")
        #expect(named.knownHostsFiles == ["/inv/kh"])
        let plain = try #require(loaded.host(named: "plain")).connection
        #expect(plain == ConnectionSettings(address: "plain", port: 22, user: "deploy"))
    }

    @Test func anExplicitAnsibleHostWinsOverHostNameFromSSHConfig() throws {
        let config = "Host *\n  HostName %h.example\n"
        let loaded = try loadInventory("a ansible_host=10.0.0.9\nb\n", sshConfig: config)
        #expect(loaded.hosts.map(\.connection.address) == ["10.0.0.9", "b.example"])
    }

    @Test func jumpHostsGetHostNameUserAndPortFromSSHConfig() throws {
        let config = """
            Host bastion
              HostName bastion.internal
              User jump
              Port 2222
            Host inner
              HostName 10.1.0.1
              ProxyJump bastion
            Host app*
              ProxyJump ops@inner:2200,edge
            """
        let loaded = try loadInventory(
            "app1\ndb1 ansible_ssh_common_args='-J bastion'\n", sshConfig: config)
        #expect(
            loaded.host(named: "app1")?.connection.proxyJump == [
                ConnectionSettings.Jump(address: "bastion.internal", port: 2222, user: "jump"),
                ConnectionSettings.Jump(address: "10.1.0.1", port: 2200, user: "ops"),
                ConnectionSettings.Jump(address: "edge", port: 22, user: nil),
            ])
        #expect(
            loaded.host(named: "db1")?.connection.proxyJump == [
                ConnectionSettings.Jump(address: "bastion.internal", port: 2222, user: "jump")
            ])
    }

    @Test func aLoopOfJumpHostsIsAnErrorNotAHang() {
        let errors = sshConfigErrors("Host *\n  ProxyJump bastion\n")
        #expect(
            errors == [
                "config:2:13: ProxyJump leads through more than 16 jump hosts' own ProxyJump (does a jump host's "
                    + "ProxyJump lead back to itself?)"
            ])
    }

    // MARK: - Errors

    @Test(arguments: [
        ("Port 70000\n", "config:1:6: Port '70000' is not a number from 1 to 65535"),
        ("Host h\n  Port\n", "config:2:3: Port needs a value"),
        ("Port 22 # comment\nUser a b\n", "config:2:8: User takes one value; 'b' is extra"),
        ("Host \"unterminated\n", "config:1:6: unterminated quote: this \" is never closed"),
        ("Host \"\"\n", "config:1:6: Host has an empty pattern"),
        (
            "Host *\n  StrictHostKeyChecking maybe\n",
            "config:2:25: StrictHostKeyChecking 'maybe' is not yes, accept-new or ask"
        ),
        (
            "Match exec \"true\"\n",
            "config:1:7: Match exec is not supported; Drover evaluates only Match all, host and originalhost"
        ),
        ("Match all host x\n", "config:1:7: Match all cannot be combined with other criteria or negated"),
        ("Match host\n", "config:1:7: Match host needs a pattern list"),
        ("Match bogus x\n", "config:1:7: 'bogus' is not a Match criterion"),
        ("ProxyJump user@:22\n", "config:1:11: ProxyJump 'user@:22' is not [user@]host[:port]"),
        ("HostName \"two words\"\n", "config:1:10: HostName 'two words' is not a host name"),
        (
            "IdentityFile ~/.ssh/%C\n",
            "config:1:14: IdentityFile uses the token %C, which Drover does not expand (it expands %%, %d, %h, %n, "
                + "%p, %r, %u)"
        ),
        (
            "HostName %p.example\n",
            "config:1:10: HostName uses the token %p, which Drover does not expand (it expands %%, %h)"
        ),
        ("User a\u{0}b\n", "config:1:7: a NUL byte, which an ssh_config line cannot hold"),
    ])
    func reportsProblemsAtTheirFileLineAndColumn(config: String, expected: String) {
        #expect(sshConfigErrors(config) == [expected])
    }

    @Test func reportsInvalidUTF8AndAKeywordWithoutAValue() {
        let bytes = Array("Host h\n  User \"".utf8) + [0xFF] + Array("\"\nGarbageWord\n".utf8)
        #expect(throws: LoadErrors.self) { try SSHConfig.parse(contents: bytes, path: "config", homeDirectory: nil) }
        do {
            _ = try SSHConfig.parse(contents: bytes, path: "config", homeDirectory: nil)
        } catch {
            #expect(
                error.errors.map(\.description) == [
                    "config:2:9: invalid UTF-8 (byte 0xFF)", "config:3:1: 'GarbageWord' needs a value",
                ])
        }
    }

    @Test(arguments: [
        (
            "Host h\n  StrictHostKeyChecking no\n",
            "config:2:25: StrictHostKeyChecking=no would disable host key checking, which Drover never does (use "
                + "accept-new to record keys of new hosts)"
        ),
        (
            "Host h\n  ProxyCommand ssh -W %h:%p bastion\n",
            "config:2:16: ProxyCommand is not supported; Drover would connect directly instead (use ProxyJump)"
        ),
        (
            "Host h\n  UserKnownHostsFile none\n",
            "config:2:22: UserKnownHostsFile=none leaves no host keys to verify; name a known_hosts file instead"
        ),
        (
            "Host h\n  UserKnownHostsFile /dev/null\n  StrictHostKeyChecking accept-new\n",
            "config:2:22: UserKnownHostsFile=/dev/null with StrictHostKeyChecking=accept-new would accept any host "
                + "key, every time; name a real known_hosts file"
        ),
        (
            "Host h\n  ProxyJump bastion\nHost bastion\n  ProxyCommand nc %h %p\n",
            "config:4:16: ProxyCommand is not supported; Drover would connect directly instead (use ProxyJump)"
        ),
    ])
    func refusesInsecureOrUnsupportedOptionsForHostsThatUseThem(config: String, expected: String) {
        #expect(sshConfigErrors(config, inventory: "h\n") == [expected])
        // The same block for a host it does not apply to is no error.
        #expect(sshConfigErrors(config, inventory: "unrelated\n") == [])
    }

    @Test func earlierValuesOrInventoryOptionsShadowAnInsecureOne() {
        // `!j`: the jump host would otherwise take the ProxyCommand itself, as ssh would.
        let config =
            "Host h\n  StrictHostKeyChecking yes\n  ProxyJump j\nHost * !j\n  StrictHostKeyChecking no\n"
            + "  ProxyCommand nc %h %p\n"
        #expect(sshConfigErrors(config, inventory: "h\n") == [])
        #expect(
            sshConfigErrors(config, inventory: "x ansible_ssh_common_args='-o StrictHostKeyChecking=accept-new -J j'\n")
                == [])
        #expect(sshConfigErrors(config, inventory: "x\n").count == 2)
    }

    @Test func reportsProblemsInIncludedFilesAtTheirOwnPlace() throws {
        let home = try temporaryDirectory()
        try "Host x\n  Port zero\n".write(toFile: home + "/.ssh/bad.conf", atomically: true, encoding: .utf8)
        #expect(
            sshConfigErrors("Include bad.conf\nPort -1\n", home: home)
                == [
                    "\(home)/.ssh/bad.conf:2:8: Port 'zero' is not a number from 1 to 65535",
                    "config:2:6: Port '-1' is not a number from 1 to 65535",
                ].sorted())
    }

    @Test func anIncludeCycleStopsAtSixteenLevels() throws {
        let home = try temporaryDirectory()
        try "User looped\nInclude loop.conf\n".write(
            toFile: home + "/.ssh/loop.conf", atomically: true, encoding: .utf8)
        let errors = sshConfigErrors("Include loop.conf\n", home: home)
        #expect(
            errors == [
                "\(home)/.ssh/loop.conf:2:9: Include nests more than 16 files deep (does a file include itself?)"
            ])
    }

    @Test func aMissingDefaultFileIsNoConfigurationButANamedMissingFileIsAnError() throws {
        let home = try temporaryDirectory()
        #expect(try SSHConfig.loadIfPresent(path: home + "/.ssh/config", homeDirectory: home) == nil)
        #expect(try InventoryLoader(homeDirectory: home, sshConfigPath: home + "/.ssh/config").sshConfig == nil)
        #expect(throws: LoadErrors.self) { try SSHConfig.load(path: home + "/.ssh/config", homeDirectory: home) }
        #expect(
            InventoryLoader.defaultSSHConfigPath(homeDirectory: "/home/u/") == "/home/u/.ssh/config")
    }

    // MARK: - Robustness and scale

    @Test func survivesRandomAndHostileBytes() {
        var random = RobustnessTests.Generator(state: 7)
        let alphabet =
            Array("Host Match Include HostName Port User ProxyJump =\"'\\#!*?%,\n\t ".utf8) + [0, 0xFF, 0xC3]
        var inputs: [[UInt8]] = [
            Array(repeating: UInt8(ascii: "a"), count: 1 << 20),
            Array("Host ".utf8) + Array(repeating: UInt8(ascii: "*"), count: 100_000) + [0x0A],
            Array("User \"".utf8) + Array(repeating: UInt8(ascii: "\\"), count: 100_000),
            Array(repeating: 0x0A, count: 200_000),
            (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) },
        ]
        for _ in 0..<200 {
            inputs.append(
                (0..<Int.random(in: 0...800, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
        }
        for bytes in inputs {
            let lineCount = bytes.filter { $0 == 0x0A || $0 == 0x0D }.count + 1
            do {
                let config = try SSHConfig.parse(contents: bytes, path: "fuzz", homeDirectory: "/nonexistent")
                _ = config.options(forHost: "web1")
            } catch {
                #expect(!error.errors.isEmpty)
                for error in error.errors {
                    #expect(error.file == "fuzz" || error.code == .tooManyErrors)
                    #expect(!error.message.contains("\n"))
                    if let line = error.line { #expect((1...lineCount).contains(line)) }
                    if let column = error.column { #expect(column >= 1) }
                }
            }
        }
    }

    @Test func aThousandHostsAgainstALargeConfigLoadQuickly() throws {
        var config = ""
        for index in 0..<500 {
            config +=
                "Host app\(index) app\(index).*\n  HostName 10.0.\(index / 250).\(index % 250)\n  User u\(index)\n"
        }
        config += "Host *\n  Port 2200\n  IdentityFile ~/.ssh/fleet\n"
        let inventory = (0..<1000).map { "app\($0)\n" }.joined()
        let clock = ContinuousClock()
        let start = clock.now
        let loaded = try loadInventory(inventory, sshConfig: config)
        let elapsed = start.duration(to: clock.now)
        #expect(loaded.hosts.count == 1000)
        #expect(loaded.host(named: "app499")?.connection.address == "10.0.1.249")
        #expect(loaded.host(named: "app999")?.connection.address == "app999")
        #expect(loaded.hosts.allSatisfy { $0.connection.port == 2200 })
        #expect(elapsed < .seconds(10), "took \(elapsed)")
    }
}
