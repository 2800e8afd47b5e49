@testable import DroverSSH
import Testing

/// The wrapper every remote command runs in: `timeout` gets the limit in seconds with three decimals.
@Suite struct CommandWrapperTests {
    @Test(arguments: [
        (Duration.seconds(1), "1.000"), (.milliseconds(1500), "1.500"), (.milliseconds(12), "0.012"),
        (.seconds(3600), "3600.000"), (.microseconds(999_600), "1.000"), (.microseconds(1_234), "0.001"),
    ])
    func secondsArgumentHasThreeDecimals(duration: Duration, expected: String) {
        #expect(duration.secondsArgument == expected)
    }

    @Test func theCommandIsQuotedInsideTimeout() {
        #expect(ExecOperation.supervised("echo 'hi' $HOME", timeout: .milliseconds(2500))
            == #"timeout -k 2 2.500 sh -c 'echo '\''hi'\'' $HOME'"#)
        #expect(ExecOperation.wrap("true", timeout: .seconds(10)) == "exec timeout -k 2 10.000 sh -c true")
    }
}
