import DroverModel
import Testing

@Suite struct DurationTextTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("10m", .seconds(600)),
        ("1h30m", .seconds(5400)), ("2d", .seconds(172_800)), ("1.5", .milliseconds(1500)), (" 45s ", .seconds(45)),
    ])
    func parsesWhatPeopleWrite(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test(arguments: ["", "s", "10x", "1h-5m", "-3s", "99999999999999999999d", "ten seconds"])
    func rejectsWhatIsNotADuration(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test(arguments: [
        (Duration.milliseconds(1234), "1.23s"), (.seconds(75), "1m15s"), (.seconds(3700), "1h01m"),
    ])
    func formatsShortly(duration: Duration, expected: String) {
        #expect(DurationText.format(duration) == expected)
    }
}
