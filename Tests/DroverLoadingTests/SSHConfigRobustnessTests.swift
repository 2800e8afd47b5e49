import DroverModel
import Testing

@testable import DroverLoading

/// Feeds generated malformed ssh_config files to the parser (seeded, so every run feeds the same inputs): each must
/// parse, and answer for any host, or give clean `LoadErrors` with a file, a line inside the input and one line of
/// text; never a crash or a hang.
@Suite struct SSHConfigRobustnessTests {
    /// The golden config, with the Includes under the fixture home (`config.d/*.conf`).
    static let home = Fixtures.path("sshhome")
    static let example: [UInt8] = Array(((try? Fixtures.text("sshhome/.ssh/config")) ?? "").utf8)

    /// Keywords, values and ssh_config's own syntax, drawn whole.
    static let fragments = [
        "Host ", "Match ", "Match all\n", "Match host ", "Match originalhost ", "Match exec true\n", "Match user x\n",
        "!", "*", "?", ",", "=", " = ", "\"", "'", "\\", "#", "\n", "\t", "HostName ", "User ", "Port ", "Port 0\n",
        "Port 65536\n", "Port 99999999999999999999\n", "IdentityFile ", "UserKnownHostsFile ", "ProxyJump ",
        "ProxyCommand nc %h %p\n", "StrictHostKeyChecking no\n", "StrictHostKeyChecking accept-new\n",
        "UserKnownHostsFile none\n", "Include ", "Include config.d/*.conf\n", "Include /nonexistent/*\n",
        "%h", "%d", "%u", "%r", "%p", "%%", "%q", "~/", "bastion", "web1", "ssh://u@h:22", "u@h:2222,j2",
        "HostName %h.example\n", "IdentityFile ~/.ssh/id_%r\n",
    ].map { Array($0.utf8) }

    static let alphabet = Array("Hh =\"'\\#%!*?,:@/~\n\t\r.-_0123456789".utf8) + [0x00, 0x7F, 0xC3, 0xFF]

    /// One input: a config every host can be looked up in, or clean errors that point inside the input.
    @discardableResult
    static func check(_ bytes: [UInt8]) -> Bool {
        // A lone carriage return ends a line too (CRLF counts as one line; counting it twice only widens the bound).
        let lineCount = bytes.filter { $0 == 0x0A || $0 == 0x0D }.count + 1
        do {
            let config = try SSHConfig.parse(contents: bytes, path: "fuzz_config", homeDirectory: home)
            for host in ["web1", "db1", "bastion", "x", ""] {
                let options = config.options(forHost: host)
                if let port = options.port { #expect((1...65535).contains(port.value)) }
            }
            return true
        } catch {
            #expect(!error.errors.isEmpty)
            #expect(error.errors.count <= LoadErrors.limit + 1)
            for error in error.errors {
                #expect(!error.message.isEmpty && !error.message.contains("\n"), "\(error)")
                if error.file == "fuzz_config", let line = error.line {
                    #expect((1...lineCount).contains(line), "\(error)")
                } else {
                    // Only an included fixture file can be named besides the input itself.
                    #expect(error.file == "fuzz_config" || error.file.hasPrefix(home), "\(error)")
                }
                if let column = error.column { #expect(column >= 1) }
            }
            return false
        }
    }

    @Test func theExampleParses() {
        #expect(Self.example.count > 500)
        #expect(Self.check(Self.example))
    }

    @Test func everyTruncationParsesOrFailsCleanly() {
        for length in 0...Self.example.count { Self.check(Array(Self.example[..<length])) }
    }

    @Test func randomMutationsParseOrFailCleanly() {
        var random = RobustnessTests.Generator(state: 11)
        var failed = 0
        for _ in 0..<400 {
            var bytes = Self.example
            for _ in 0..<Int.random(in: 1...5, using: &random) {
                let position = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: bytes[position] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes[position] = Self.alphabet.randomElement(using: &random)!
                case 2: bytes.insert(contentsOf: Self.fragments.randomElement(using: &random)!, at: position)
                default: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...30, using: &random)))
                }
            }
            if !Self.check(bytes) { failed += 1 }
        }
        // Most mutations break something ssh would refuse too; some leave a valid config.
        #expect(failed > 100 && failed < 400)
    }

    @Test func randomConfigsFromFragmentsParseOrFailCleanly() {
        var random = RobustnessTests.Generator(state: 12)
        for _ in 0..<300 {
            var bytes: [UInt8] = []
            let length = Int.random(in: 0...1500, using: &random)
            while bytes.count < length {
                switch Int.random(in: 0..<4, using: &random) {
                case 0, 1: bytes += Self.fragments.randomElement(using: &random)!
                case 2: bytes.append(Self.alphabet.randomElement(using: &random)!)
                default: bytes.append(UInt8.random(in: 0...255, using: &random))
                }
            }
            Self.check(bytes)
        }
    }

    @Test(arguments: [
        String(repeating: "Host h\n  Port 2\n", count: 20_000),
        "Host " + String(repeating: "a", count: 200_000) + "\n",
        "Host " + String(repeating: "*", count: 5_000) + "x\n",
        String(repeating: "Port x\n", count: 5_000),
        "HostName " + String(repeating: "%h", count: 50_000) + "\n",
        String(repeating: "\"", count: 10_001) + "\n",
    ])
    func largeAndRepetitiveConfigsStayBounded(text: String) {
        Self.check(Array(text.utf8))
    }
}
