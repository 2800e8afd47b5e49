import Testing

@testable import DroverLoading

@Suite struct ShellWordsTests {
    @Test(arguments: [
        ("host1 a=1 b=2", ["host1", "a=1", "b=2"]),
        ("h key=\"quoted value\"", ["h", "key=quoted value"]),
        ("h key='single \"kept\"'", ["h", "key=single \"kept\""]),
        ("h k=\"say \\\"hi\\\" \\\\ \\n\"", ["h", "k=say \"hi\" \\ \\n"]),
        ("h k=a\\ b", ["h", "k=a b"]),
        ("h mysecret=\"'03#pa33w0rd'\"", ["h", "mysecret='03#pa33w0rd'"]),
        ("h k=''", ["h", "k="]),
        ("  spaced\tout  ", ["spaced", "out"]),
    ])
    func splitsLikePythonShlex(text: String, expected: [String]) throws {
        #expect(try ShellWords.split(text).map(\.text) == expected)
    }

    @Test(arguments: [
        ("host1 # a comment", ["host1"]), ("host1 pw=abc#def", ["host1", "pw=abc"]),
        ("host1 k='#kept'", ["host1", "k=#kept"]),
    ])
    func treatsAnUnquotedHashAsACommentLikeShlex(text: String, expected: [String]) throws {
        #expect(try ShellWords.split(text, comments: true).map(\.text) == expected)
    }

    @Test func recordsWhereEachWordAndItsValueStart() throws {
        let words = try ShellWords.split("web1  motd=\"hello there\"")
        #expect(words.map(\.start) == [0, 6])
        #expect(words[1].valueStart == 11)
    }

    @Test func reportsAnUnterminatedQuoteWithItsOffset() {
        #expect(throws: ShellWords.Failure.unterminatedQuote(quote: UInt8(ascii: "\""), offset: 7)) {
            try ShellWords.split("h motd=\"never closed")
        }
        #expect(throws: ShellWords.Failure.danglingEscape(offset: 2)) { try ShellWords.split("h \\") }
    }
}
