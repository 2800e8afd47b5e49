import DroverModel
import Testing

@testable import DroverLoading

@Suite struct YAMLParserTests {
    private func parse(_ text: String) throws(LoadError) -> YAMLNode? {
        try YAMLParser.parse(Array(text.utf8), file: "f.yml")
    }

    private func error(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func nodesKnowTheirLineAndByteColumn() throws {
        let root = try #require(try parse("a: 1\nné: [x, \"y\"]\n"))
        var errors = ErrorCollector()
        let mapping = try #require(root.mapping("the file", errors: &errors))
        #expect(mapping.keyLocation("né")?.description == "f.yml:2:1")
        let list = try #require(mapping["né"]?.sequence("né", errors: &errors))
        // `[` is the 5th scalar but the 6th byte: columns count UTF-8 bytes.
        #expect(mapping["né"]?.location.description == "f.yml:2:6")
        #expect(list[1].location.description == "f.yml:2:10")
        #expect(errors.isEmpty)
    }

    @Test func scalarsResolveAsPyYAMLDoes() throws {
        let root = try #require(try parse("[yes, 'yes', 12, 0x1f, 1.5, ~, '', 2.4.1, y, !!str 3]"))
        #expect(
            root.value
                == .list([
                    .bool(true), .string("yes"), .int(12), .int(31), .double(1.5), .null, .string(""),
                    .string("2.4.1"), .string("y"), .string("3"),
                ]))
    }

    @Test(arguments: [
        ("a: b: c\n", "f.yml:1:5: invalid YAML: mapping values are not allowed in this context"),
        ("a: 1\na: 2\n", "f.yml:1:1: the key 'a' appears more than once in this mapping"),
        ("a: [1, 2\n", "f.yml:2:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 1)"),
        ("a: *nowhere\n", "f.yml:1:4: invalid YAML: found undefined alias"),
        ("--- 1\n--- 2\n", "f.yml:2:1: invalid YAML: but found another document (expected a single document in the stream at line 1)"),
    ])
    func syntaxErrorsNameTheirPlace(text: String, expected: String) {
        #expect(error(text) == expected)
    }

    @Test func invalidUTF8IsRefusedAtTheByte() {
        var bytes = Array("a: 1\nb: x".utf8)
        bytes.append(0xFF)
        #expect(throws: LoadError.self) { try YAMLParser.parse(bytes, file: "f.yml") }
        do {
            _ = try YAMLParser.parse(bytes, file: "f.yml")
        } catch {
            #expect(error.description == "f.yml:2:5: the file is not valid UTF-8 text")
        }
    }

    @Test func aliasesThatExplodeAreRefused() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...8 {
            let previous = "*a\(level - 1)"
            text += "a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]\n"
        }
        #expect(error(text).contains("expands to more than 1000000 values"))
    }

    @Test func deepNestingIsRefusedBeforeTheComposerRecurses() {
        #expect(error(String(repeating: "[", count: 100_000)).contains("nests more than 100 brackets deep"))
        let block = (0..<450).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n")
        #expect(error(block).contains("nests more than 200 levels deep"))
    }

    @Test func aliasAsKeyIsRefused() {
        #expect(error("x: &k [1]\n? *k\n: v\n") == "f.yml:2:3: an alias cannot be used as a mapping key; write the key out")
    }

    @Test func mergeKeysApplyWithExplicitKeysWinning() throws {
        let root = try #require(try parse("base: &b {user: deploy, port: 22}\nhost: {<<: *b, port: 2222}\n"))
        #expect(root.value == .map(["base": .map(["user": .string("deploy"), "port": .int(22)]),
                                    "host": .map(["user": .string("deploy"), "port": .int(2222)])]))
    }

    @Test func unknownKeysSuggestTheNearMiss() throws {
        let root = try #require(try parse("name: x\ntiemout: 5s\nfoo: 1\n"))
        var errors = ErrorCollector()
        let mapping = root.mapping("a step", allowed: ["name", "timeout", "retries"], errors: &errors)
        #expect(mapping?.keys == ["name"])
        #expect(
            errors.sorted().map(\.description) == [
                "f.yml:2:1: unknown key 'tiemout' in a step; did you mean 'timeout'?",
                "f.yml:3:1: unknown key 'foo' in a step; expected one of: name, timeout, retries",
            ])
    }

    @Test func typedAccessorsSayWhatWasExpected() throws {
        let root = try #require(try parse("t: soon\nn: [1]\nb: maybe\n"))
        var errors = ErrorCollector()
        let mapping = try #require(root.mapping("x", errors: &errors))
        #expect(mapping["t"]?.duration("timeout", errors: &errors) == nil)
        #expect(mapping["n"]?.int("retries", errors: &errors) == nil)
        #expect(mapping["b"]?.bool("become", errors: &errors) == nil)
        #expect(
            errors.sorted().map(\.description) == [
                "f.yml:1:4: timeout must be a duration such as 30s, 10m or 1h30m, found 'soon'",
                "f.yml:2:4: retries must be a whole number, found a list",
                "f.yml:3:4: become must be true or false, found 'maybe'",
            ])
    }

    @Test func emptyDocumentIsNil() throws {
        #expect(try parse("# nothing\n") == nil)
    }
}
