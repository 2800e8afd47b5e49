import Testing

@testable import DroverLoading

@Suite struct HostRangeTests {
    @Test(arguments: [
        ("app[01:03].example", ["app01.example", "app02.example", "app03.example"]),
        ("app[1:3]", ["app1", "app2", "app3"]),
        ("app[8:11]", ["app8", "app9", "app10", "app11"]),
        ("app[:2]", ["app0", "app1", "app2"]),
        ("db-[a:c]", ["db-a", "db-b", "db-c"]),
        ("x[y:B]", ["xy", "xz", "xA", "xB"]),
        ("node[1:10:3]", ["node1", "node4", "node7", "node10"]),
        ("n[01:09:4]", ["n01", "n05", "n09"]),
        ("r[a:e:2]", ["ra", "rc", "re"]),
        ("[1:2]-[a:b]", ["1-a", "1-b", "2-a", "2-b"]),
        ("plain.example", ["plain.example"]),
    ])
    func expandsRangesAsAnsibleDoes(pattern: String, expected: [String]) throws {
        #expect(try HostRange.expand(pattern, limit: 1000) == expected)
    }

    @Test(arguments: [
        ("web[05:01]", "invalid host range '[05:01]': the start is after the end", 3),
        ("web[c:a]", "invalid host range '[c:a]': the start is after the end", 3),
        ("web[01:100]", "invalid host range '[01:100]': a zero-padded start needs an end of the same width", 3),
        ("web[1:x]", "invalid host range '[1:x]': the bounds must both be numbers or both be single letters", 3),
        ("web[1:]", "invalid host range '[1:]': the end is missing", 3),
        ("web[1:5:0]", "invalid host range '[1:5:0]': the step must be a positive number", 3),
        ("web[1]", "invalid host range '[1]': expected [start:end] or [start:end:step]", 3),
        ("web[1:3", "the '[' of a host range is never closed with ']'", 3),
        ("a[1:2]b[1:99999999999999999999]", "invalid host range '[1:99999999999999999999]': a bound is too large", 7),
        ("big[0:5000]", "invalid host range '[0:5000]': it expands to more than 1000 hosts", 3),
    ])
    func rejectsMalformedRangesWithTheirOffset(pattern: String, message: String, offset: Int) {
        #expect(throws: HostRange.Failure(message: message, offset: offset)) {
            try HostRange.expand(pattern, limit: 1000)
        }
    }

    @Test func capsTheProductOfSeveralRanges() {
        #expect(throws: HostRange.Failure.self) { try HostRange.expand("[0:99][0:99]", limit: 1000) }
        #expect(throws: HostRange.Failure.self) {
            try HostRange.expand(String(repeating: "[1:1]", count: 17), limit: 1000)
        }
    }
}
