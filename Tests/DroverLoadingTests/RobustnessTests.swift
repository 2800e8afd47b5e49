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

    @Test(arguments: ["production.ini", "precedence.ini", "testbed.ini", "errors.ini"])
    func survivesMutationsOfValidInventories(fixture: String) throws {
        let original = Array(try Fixtures.text(fixture).utf8)
        var random = Generator(state: UInt64(fixture.utf8.count))
        for _ in 0..<75 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<6, using: &random) {
                case 0 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.insert(Self.alphabet.randomElement(using: &random)!, at: position)
                case 2: bytes.insert(contentsOf: Self.fragments.randomElement(using: &random)!, at: position)
                case 3 where !bytes.isEmpty:
                    bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...40, using: &random)))
                case 4: bytes = Array(bytes[..<position])
                default: bytes += bytes[position...]
                }
            }
            Self.check(bytes)
        }
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
