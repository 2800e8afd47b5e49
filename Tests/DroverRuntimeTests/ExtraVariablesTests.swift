import DroverJournal
import DroverRuntime
import Testing

@Suite struct ExtraVariablesTests {
    @Test(arguments: ["release", "=1", "1x=2", "a b=3"])
    func anArgumentThatIsNotNameEqualsValueIsRefused(_ argument: String) {
        #expect(throws: RuntimeError.self) { try ExtraVariables.parse([argument]) }
    }

    @Test func secretsAreRecordedOnlyAsADigest() throws {
        let given = try ExtraVariables.parse(["release=2.0", "db_password=hunter2", "api_token=abc=def"])
        let recorded = given.recorded(salt: "00112233aabbccdd")
        #expect(recorded.map(\.name) == ["release", "db_password", "api_token"])
        #expect(recorded[0].value == "2.0" && recorded[0].digest == nil)
        #expect(recorded[1].value == nil && recorded[1].digest?.hasPrefix("sha256:00112233aabbccdd:") == true)
        #expect(recorded.allSatisfy { !($0.digest ?? "").contains("hunter2") && $0.value != "hunter2" })
    }

    @Test func aResumeGetsTheRecordedValuesAndTheSecretsGivenAgain() throws {
        let recorded = try ExtraVariables.parse(["release=2.0", "db_password=hunter2"]).recorded()
        let resumed = try ExtraVariables.forResume(
            recorded: recorded, given: try ExtraVariables.parse(["db_password=hunter2"]), run: "r1")
        #expect(resumed.values == ["release": .string("2.0"), "db_password": .string("hunter2")])
        // The same plain value given again is fine.
        _ = try ExtraVariables.forResume(
            recorded: recorded, given: try ExtraVariables.parse(["release=2.0", "db_password=hunter2"]), run: "r1")
    }

    @Test(arguments: [
        (["db_password=hunter2", "release=3.0"], "run r1 was started with -e release=2.0"),
        ([], "run r1 was started with -e db_password, a secret the journal does not keep"),
        (["db_password=nope"], "the value given for -e db_password is not the one run r1 was started with"),
        (["db_password=hunter2", "extra=1"], "run r1 was started without -e extra"),
    ])
    func aResumeWithOtherInputsIsRefusedSayingWhat(_ given: [String], _ sentence: String) throws {
        let recorded = try ExtraVariables.parse(["release=2.0", "db_password=hunter2"]).recorded()
        let error = #expect(throws: RuntimeError.self) {
            try ExtraVariables.forResume(recorded: recorded, given: try ExtraVariables.parse(given), run: "r1")
        }
        #expect(error?.exitCode == 64)
        #expect(error?.message.contains(sentence) == true, "\(error?.message ?? "")")
    }
}
