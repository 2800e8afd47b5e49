import DroverModel
import Testing

@testable import DroverLoading

/// `when:` texts: single tests, and tests combined with not / and / or / parentheses at Jinja's precedence.
@Suite struct ConditionParserTests {
    @Test(arguments: [
        ("release", Condition.truthy("release")),
        ("not release", .falsy("release")),
        ("host.name == 'app1'", .equals("host.name", "app1")),
        ("port != 8080", .notEquals("port", 8080)),
        ("x is not defined", .undefined("x")),
        ("not x is defined", .undefined("x")),
        ("a and b or c", .any([.all([.truthy("a"), .truthy("b")]), .truthy("c")])),
        ("a or b and c", .any([.truthy("a"), .all([.truthy("b"), .truthy("c")])])),
        ("(a or b) and c", .all([.any([.truthy("a"), .truthy("b")]), .truthy("c")])),
        ("not (a and b)", .not(.all([.truthy("a"), .truthy("b")]))),
        ("not not a", .truthy("a")),
        ("release=='2.1'and(canary)", .all([.equals("release", "2.1"), .truthy("canary")])),
        ("name == \"it's\" or flag == true", .any([.equals("name", "it's"), .equals("flag", true)])),
        ("a and b and c", .all([.truthy("a"), .truthy("b"), .truthy("c")])),
    ])
    func parses(text: String, condition: Condition) throws {
        #expect(try ConditionParser.parse(text) == condition)
    }

    @Test func descriptionReadsBackAsTheSameCondition() throws {
        for text in ["(a or b) and not (c and d == 'x')", "a or b and c != 2", "x is not defined and y is defined"] {
            let condition = try ConditionParser.parse(text)
            #expect(try ConditionParser.parse(condition.description) == condition, "\(condition)")
        }
        #expect(try ConditionParser.parse("(a or b) and c").description == "(a or b) and c")
    }

    @Test(arguments: [
        ("release >= 2", "when: '>=' is not an operator here (only == and !=) in 'release >= 2'"),
        ("(a or b", "when: '(' is never closed in '(a or b'"),
        ("a and", "when: expected a test after 'and', found the end in 'a and'"),
        ("a b", "when: expected and, or or the end after 'a', found 'b' in 'a b'"),
        ("a )", "when: expected and, or or the end after 'a', found ')' in 'a )'"),
        ("x is", "when: expected 'defined' after 'is' in 'x is'"),
        ("release == latest", "the value in when must be a quoted string, a number, true or false, found 'latest'"),
        ("name == 'open", "when has a string that is never closed: 'name == 'open'"),
        ("and", "when: expected a variable name after the start, found 'and' (a condition is NAME, NAME == VALUE, "
            + "NAME != VALUE, NAME is defined or NAME is not defined, combined with not, and, or and parentheses) in 'and'"),
        ("{{ x }}", "when takes a bare condition without {{ }}, found '{{ x }}'"),
    ])
    func refuses(text: String, message: String) {
        #expect(throws: ConditionParser.Problem(message: message)) { try ConditionParser.parse(text) }
    }

    @Test func aListMeansAllOfThemAndEachItemIsCheckedWhereItIsWritten() {
        let text = """
            name: x
            stages:
              - name: a
                hosts: all
                steps:
                  - run: uptime
                    when:
                      - release is defined
                      - canary or release == '2'
            """
        let step = try? loadPlaybook(text).playbook.stages[0].steps[0]
        #expect(step?.when == .all([.defined("release"), .any([.truthy("canary"), .equals("release", "2")])]))
        let broken = text.replacingOccurrences(of: "canary or release == '2'", with: "canary or")
        #expect(playbookErrors(broken) == ["play.yml:9:13: when: expected a test after 'or', found the end in 'canary or'"])
        let empty = text.replacingOccurrences(of: "when:\n          - release is defined\n          - canary or release == '2'", with: "when: []")
        #expect(playbookErrors(empty) == ["play.yml:7:15: when is an empty list; leave when out to always run the step"])
    }
}
