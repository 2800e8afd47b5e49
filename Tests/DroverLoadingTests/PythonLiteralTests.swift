import DroverModel
import Testing

@testable import DroverLoading

@Suite struct PythonLiteralTests {
    @Test(arguments: [
        ("2222", InventoryValue.int(2222)), ("-5", .int(-5)), ("+7", .int(7)), ("0x1F", .int(31)), ("0o755", .int(493)),
        ("0b101", .int(5)), ("1_000", .int(1000)), ("0", .int(0)), ("00", .int(0)), ("1.5", .double(1.5)),
        (".5", .double(0.5)), ("1e3", .double(1000)), ("5.", .double(5)), ("True", .bool(true)),
        ("False", .bool(false)), ("None", .null), ("'quoted'", .string("quoted")), ("\"double\"", .string("double")),
        ("'a' 'b'", .string("ab")), ("r'\\d+'", .string("\\d+")), ("b'bytes'", .string("bytes")),
        ("'tab\\there'", .string("tab\there")), ("'\\u00e9'", .string("é")), ("'''triple'''", .string("triple")),
        ("[1, 2]", .list([1, 2])), ("(1, 2)", .list([1, 2])), ("(1,)", .list([1])), ("(5)", .int(5)),
        ("{1, 2, 1}", .list([1, 2])), ("set()", .list([])), ("{}", .map([:])),
        ("{'a': 1, 'b': [True, None]}", .map(["a": 1, "b": .list([true, .null])])), ("{1: 'x'}", .map(["1": "x"])),
        ("1, 2", .list([1, 2])), ("...", .string("...")), ("1j", .string("1j")), ("8080  # the web port", .int(8080)),
        ("[..., 1j, set(), {1, 2}, b'x']", .list(["...", "1j", .list([]), .list([1, 2]), "x"])),
    ])
    func evaluatesPythonLiteralsAsAnsibleDoes(text: String, expected: InventoryValue) {
        #expect(PythonLiteral.evaluate(text) == expected)
    }

    @Test(arguments: [
        "10.0.0.1", "host-01.internal", "true", "yes", "0755", "01", "10-5", "56L", "root", "/tmp/key", "f'x'",
        "'unterminated", "[1, 2", "{'a' 1}", "{[1]}", "1__0", "1_", "0x", "1e999", "99999999999999999999", "\\N",
        "'\\N{DASH}'", "", "lookup('env', 'X')", "-'x'", "ur'x'",
    ])
    func leavesNonLiteralsToTheCaller(text: String) {
        #expect(PythonLiteral.evaluate(text) == nil)
    }

    @Test func stopsAtDeepNestingInsteadOfRecursingForever() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(PythonLiteral.evaluate(deep) == nil)
        let shallow = String(repeating: "[", count: 50) + String(repeating: "]", count: 50)
        #expect(PythonLiteral.evaluate(shallow) != nil)
    }

    @Test(arguments: [
        ("'-o A=b -o C=d'", InventoryValue.string("-o A=b -o C=d")), ("22", .string("22")),
        ("False", .string("False")), ("8080 # web port", .string("8080")), ("deploy # the account", .string("deploy")),
        ("color=#fff", .string("color=#fff")), ("[1, 2]  # list", .string("[1, 2]")), ("", .string("")),
    ])
    func keepsGroupVariablesAsStrings(text: String, expected: InventoryValue) {
        #expect(PythonLiteral.groupValue(ArraySlice(Array(text.utf8))) == expected)
    }
}
