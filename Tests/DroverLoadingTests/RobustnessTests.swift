import DroverModel
import Testing

@testable import DroverLoading

/// Feeds generated malformed inputs to the loader: each must load or throw clean `LoadErrors`, never crash or hang.
@Suite struct RobustnessTests {
    /// SplitMix64: a tiny deterministic generator, so every run feeds the same inputs.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Bytes that matter to the grammar, drawn more often than others.
    static let alphabet =
        Array("[]:=#;'\"\\ \t\n\r,.-_*!&~@{}()0123456789abcxyzAZ".utf8) + [0x00, 0x7F, 0xC3, 0xFF, 0xE2]
    static let fragments = [
        "[web]", "[web:vars]", "[web:children]", "[all:vars]", "[x:foo]", "app[01:12]", "db-[a:c]", "[1:10:2]",
        "[05:01]", "ansible_port=22", "ansible_password=x", "ansible_ssh_common_args='-o ProxyJump=j'",
        "-o StrictHostKeyChecking=no", "\"unterminated", "'q'", "x=[[[[", "{'a': (1,", "h:2222", "::1", "\\",
        "drover_password_env=P", "ansible_host_key_checking=False", "[a:children]\nb\n[b:children]\na",
    ].map { Array($0.utf8) }

    /// Checks one input: a clean load, or clean errors that point inside the input.
    static func check(_ bytes: [UInt8], path: String = "fuzz.ini") {
        let lineCount = bytes.filter { $0 == 0x0A || $0 == 0x0D }.count + 1
        do {
            let inventory = try InventoryLoader(homeDirectory: "/home/u").load(
                contents: bytes, path: path, defaultUser: "u")
            for host in inventory.hosts {
                #expect(!host.name.isEmpty)
                #expect(host.groups.first == "all")
                #expect((1...65535).contains(host.connection.port))
                #expect(!host.connection.address.isEmpty)
            }
        } catch let errors as LoadErrors {
            #expect(!errors.errors.isEmpty)
            #expect(errors.errors.count <= LoadErrors.limit + 1)
            for error in errors.errors {
                #expect(error.file == path)
                #expect(!error.message.isEmpty)
                #expect(!error.message.contains("\n"))
                if let line = error.line { #expect((1...lineCount).contains(line)) }
                if let column = error.column { #expect(column >= 1) }
            }
        } catch {
            Issue.record("unexpected error type: \(error)")
        }
    }

    @Test func survivesRandomBytes() {
        var random = Generator(state: 1)
        for _ in 0..<150 {
            let length = Int.random(in: 0...2000, using: &random)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &random)
                    ? Self.alphabet.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
            }
            Self.check(bytes)
        }
    }

    /// YAML's structure: indicators, anchors, aliases, tags, merge keys and the inventory's own keys.
    static let yamlFragments = [
        "\n  hosts:\n", "\n  children:\n", "\n  vars:\n", "- ", ": ", "? ", "&a ", "*a", "<<: *a\n", "!!str ",
        "!!binary ", "{", "}", "[", "]", "|\n", ">-\n", "---\n", "...\n", "%YAML 1.1\n", "\t", "'", "\"",
        "app[01:12]:", "web1:2222:", "ansible_password: x\n", "plugin: x\n", "all:\n  hosts:\n    - web1\n",
        "\n    host:\n",
    ].map { Array($0.utf8) }

    @Test(arguments: [
        "production.ini", "precedence.ini", "testbed.ini", "errors.ini", "structure.yml", "layers/hosts.yml",
    ])
    func survivesMutationsOfValidInventories(fixture: String) throws {
        let original = Array(try Fixtures.text(fixture).utf8)
        let isYAML = fixture.hasSuffix(".yml")
        let fragments = isYAML ? Self.fragments + Self.yamlFragments : Self.fragments
        var random = Generator(state: UInt64(fixture.utf8.count))
        for _ in 0..<75 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<6, using: &random) {
                case 0 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.insert(Self.alphabet.randomElement(using: &random)!, at: position)
                case 2: bytes.insert(contentsOf: fragments.randomElement(using: &random)!, at: position)
                case 3 where !bytes.isEmpty:
                    bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...40, using: &random)))
                case 4: bytes = Array(bytes[..<position])
                default: bytes += bytes[position...]
                }
            }
            Self.check(bytes, path: isYAML ? "fuzz.yml" : "fuzz.ini")
        }
    }

    @Test func survivesEveryTruncationOfAYAMLInventory() throws {
        let original = Array(try Fixtures.text("structure.yml").utf8)
        for end in stride(from: 0, through: original.count, by: 7) {
            Self.check(Array(original[..<end]), path: "cut.yml")
        }
    }

    @Test func survivesRandomBytesAsYAMLAndJSON() {
        var random = Generator(state: 7)
        for round in 0..<150 {
            let length = Int.random(in: 0...2000, using: &random)
            var bytes: [UInt8] = []
            while bytes.count < length {
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes += Self.yamlFragments.randomElement(using: &random)!
                case 1: bytes.append(Self.alphabet.randomElement(using: &random)!)
                default: bytes.append(UInt8.random(in: 0...255, using: &random))
                }
            }
            Self.check(bytes, path: round.isMultiple(of: 3) ? "fuzz.json" : "fuzz.yml")
        }
    }

    static func adversarialYAMLInputs() -> [(String, String)] {
        let laughs =
            "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
            + (1...9).map { level in
                let uses = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
                return "a\(level): &a\(level) [\(uses)]\n"
            }.joined() + "all:\n  vars:\n    boom: *a9\n"
        // One anchored hosts mapping reused by many groups: every use counts against the node budget.
        let hosts = (0..<1000).map { "      h\($0): {x: 1}\n" }.joined()
        let reusedHosts =
            "all:\n  children:\n    g0:\n      hosts: &h\n"
            + hosts.replacingOccurrences(of: "      h", with: "        h")
            + (1..<2000).map { "    g\($0):\n      hosts: *h\n" }.joined()
        let deepChildren = (0..<400).map { level in
            String(repeating: "    ", count: level) + "g\(level):\n" + String(repeating: "    ", count: level)
                + "  children:\n"
        }.joined()
        let manyGroups = "all:\n  children:\n" + (0..<12_000).map { "    g\($0):\n" }.joined()
        let duplicateGroups = "all:\n  hosts:\n    a:\nall:\n  hosts:\n    b:\n"
        let duplicateVars = "all:\n  vars:\n    x: 1\n    y: 2\n    x: 3\n"
        return [
            ("billion laughs", laughs),
            ("a hosts mapping aliased by many groups", reusedHosts),
            ("children nested 400 deep", deepChildren),
            ("a flow mapping nested 100000 deep", "all: " + String(repeating: "{children: ", count: 100_000)),
            ("12000 groups", manyGroups),
            ("a group twice at the top", duplicateGroups),
            ("a variable twice", duplicateVars),
            ("an alias as a key", "all: &x {hosts: {a: }}\n*x : 1\n"),
            ("a huge range", "all:\n  hosts:\n    h[0:999999999999]:\n    h[00000:99999]:\n"),
            ("a recursive merge", "a: &a {<<: *a}\n"),
            ("an undefined alias", "all:\n  hosts: *nowhere\n"),
            ("tabs for indentation", "all:\n\thosts:\n\t\tweb1:\n"),
            ("a binary scalar as a host", "all:\n  hosts:\n    !!binary aGVsbG8=:\n"),
            ("a long unterminated quote", "all:\n  vars:\n    x: \"" + String(repeating: "a", count: 1 << 20)),
        ]
    }

    @Test(.timeLimit(.minutes(1)), arguments: adversarialYAMLInputs())
    func survivesAdversarialYAMLInventories(name: String, text: String) {
        Self.check(Array(text.utf8), path: "evil.yml")
    }

    @Test func refusesAliasBombsAndDuplicateKeysWithCleanErrors() {
        let inputs = Dictionary(uniqueKeysWithValues: Self.adversarialYAMLInputs())
        #expect(loadErrors(inputs["billion laughs"]!, path: "evil.yml").first?.contains("expands to more than") == true)
        #expect(
            loadErrors(inputs["a group twice at the top"]!, path: "evil.yml")
                == ["evil.yml:1:1: the key 'all' appears more than once in this mapping"])
        #expect(
            loadErrors(inputs["a variable twice"]!, path: "evil.yml")
                == ["evil.yml:3:5: the key 'x' appears more than once in this mapping"])
        let manyGroups = loadErrors(inputs["12000 groups"]!, path: "evil.yml")
        #expect(manyGroups.first?.hasSuffix("more than 10000 groups; stopping here") == true)
    }

    static func adversarialInputs() -> [(String, [UInt8])] {
        let brackets = [UInt8](repeating: UInt8(ascii: "["), count: 1 << 20)
        let letters = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
        let chain: String = (0..<20_000).map { "[g\($0):children]\ng\($0 + 1)\n" }.joined()
        let cycle: String = (0..<5_000).map { "[g\($0):children]\ng\(($0 + 1) % 5_000)\n" }.joined()
        let manyRanges: String = "h" + String(repeating: "[0:1]", count: 40)
        let badLines: String = String(repeating: "h ansible_port\n", count: 100_000)
        var inputs: [(String, [UInt8])] = []
        inputs.append(("one huge line of brackets", brackets))
        inputs.append(("deeply nested literal", Array("h x=".utf8) + brackets))
        inputs.append(("huge range", Array("h[0:999999999999]\nh[00000:99999]\n".utf8)))
        inputs.append(("many ranges", Array(manyRanges.utf8)))
        inputs.append(("NUL bytes", [UInt8](repeating: 0, count: 100_000)))
        inputs.append(("long unterminated quote", Array("h k=\"".utf8) + letters))
        inputs.append(("a long chain of children", Array(chain.utf8)))
        inputs.append(("a wide cycle", Array(cycle.utf8)))
        inputs.append(("errors on every line", Array(badLines.utf8)))
        return inputs
    }

    @Test(arguments: adversarialInputs())
    func survivesAdversarialInputs(name: String, bytes: [UInt8]) {
        Self.check(bytes)
    }

    @Test func loadsATenMegabyteInventory() throws {
        var text = "[all:vars]\ndrover_environment=load\n"
        var group = 0
        while text.utf8.count < 10 << 20 {
            text += "[g\(group)]\n"
            for host in 0..<200 {
                text +=
                    "host\(group)-\(host).example ansible_host=10.\(group % 250).\(host / 250).\(host % 250) note='x'\n"
            }
            text += "; " + String(repeating: "padding ", count: 2000) + "\n"
            group += 1
        }
        let clock = ContinuousClock()
        let started = clock.now
        let inventory = try InventoryLoader(homeDirectory: nil).load(text: text, path: "big.ini", defaultUser: "u")
        #expect(inventory.hosts.count == group * 200)
        #expect(clock.now - started < .seconds(60))
    }
}
