import DroverModel
import Foundation
import Testing

@testable import DroverLoading

/// Values and sizes that were accepted and should not be: each is refused with `file:line:col` (or, for a whole file
/// too large to read, `file:`), never a crash, a silent "no limit" or hundreds of megabytes of memory.
@Suite struct InputLimitTests {
    static func playbookErrors(_ text: String) -> [String] {
        do {
            _ = try PlaybookLoader().load(text: text, path: "play.yml")
            return []
        } catch let errors as LoadErrors {
            return errors.errors.map(\.description)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    @Test(arguments: [
        (PlaybookErrorTests.playbook(stage: "    serial: 9223372036854775807"),
         "play.yml:5:13: serial must be at most 1000000 hosts (no inventory holds more), found 9223372036854775807"),
        (PlaybookErrorTests.playbook(stage: "    serial: [1, \"2000000\"]"),
         "play.yml:5:17: serial must be at most 1000000 hosts (no inventory holds more), found 2000000"),
        (PlaybookErrorTests.playbook(step: "      - run: uptime\n        timeout: 0s"),
         "play.yml:7:18: timeout must be more than 0s, found '0s'"),
        (PlaybookErrorTests.playbook(step: "      - run: uptime\n        timeout: 0"),
         "play.yml:7:18: timeout must be more than 0s, found '0'"),
        (PlaybookErrorTests.playbook(step: "      - run: uptime\n        timeout: 8d"),
         "play.yml:7:18: timeout must be at most 7d, found '8d'"),
        (PlaybookErrorTests.playbook(step: "      - run: uptime\n        timeout: 1e300"),
         "play.yml:7:18: timeout must be a duration such as 30s, 10m or 1h30m, found '1e300'"),
        (PlaybookErrorTests.playbook(step: "      - run: uptime\n        timeout: 9223372036854775807ms1ms"),
         "play.yml:7:18: timeout must be a duration such as 30s, 10m or 1h30m, found '9223372036854775807ms1ms'"),
        (PlaybookErrorTests.playbook(step: "      - run: uptime\n        retries: 9223372036854775807"),
         "play.yml:7:18: retries must be from 0 to 1000, found 9223372036854775807"),
        (PlaybookErrorTests.playbook(step: "      - run: uptime\n        delay: 100000d"),
         "play.yml:7:16: delay must be at most 7d, found '100000d'"),
        (PlaybookErrorTests.playbook(step: "      - wait: 8d"), "play.yml:6:15: wait must be at most 7d, found '8d'"),
        (PlaybookErrorTests.playbook(stage: "    pause_between_batches: 30d"),
         "play.yml:5:28: pause_between_batches must be at most 7d, found '30d'"),
        (PlaybookErrorTests.playbook(stage: "    max_failures: 9223372036854775807"),
         "play.yml:5:19: max_failures must be from 0 to 1000000, found 9223372036854775807"),
        ("name: x\nchange: { estimate: 0s }\nstages: [{name: a, hosts: all, steps: [run: x]}]\n",
         "play.yml:2:21: estimate must be more than 0s, found '0s'"),
    ])
    func outOfRangeValuesAreRefusedAtTheirPlace(text: String, expected: String) {
        #expect(Self.playbookErrors(text) == [expected])
    }

    @Test func aPlaybookWithMoreStepsThanTheLimitIsRefusedAtTheFirstStepPastIt() {
        let header = "name: big\nstages:\n  - name: s\n    hosts: all\n    steps:\n"
        let steps = String(repeating: "      - run: x\n", count: PlaybookReader.maximumSteps + 5)
        let errors = Self.playbookErrors(header + steps + "    rollback:\n      - run: y\n")
        // Line 6 holds the first step; the limit is reported once.
        #expect(errors == ["play.yml:\(6 + PlaybookReader.maximumSteps):9: the playbook has more than 10000 steps; stopping here"])
    }

    @Test func aPlaybookOfThreeHundredThousandStepsIsNotRead() throws {
        let directory = NSTemporaryDirectory() + "drover-limits-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/big.yml"
        let text = "name: big\nstages:\n  - name: s\n    hosts: all\n    steps:\n"
            + String(repeating: "      - run: x\n", count: 300_000)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: LoadErrors.self) { try PlaybookLoader().load(path: path) }
        do {
            _ = try PlaybookLoader().load(path: path)
        } catch let errors as LoadErrors {
            #expect(errors.errors.map(\.description) == ["\(path): is larger than 1 MiB, too large for a playbook"])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func moreStagesThanTheLimitAreRefused() {
        let stage = "  - { name: s, hosts: all, steps: [run: x] }\n"
        var text = "name: big\nstages:\n"
        for index in 0...PlaybookReader.maximumStages { text += stage.replacingOccurrences(of: "name: s,", with: "name: s\(index),") }
        #expect(Self.playbookErrors(text) == ["play.yml:\(3 + PlaybookReader.maximumStages):5: the playbook has more than 1000 stages; stopping here"])
    }

    @Test(arguments: ["hosts.ini", "hosts.yml"])
    func anInventoryLineLongerThanTheLimitIsRefusedAtItsPlace(path: String) {
        let long = String(repeating: "a", count: 2 * InventoryLoader.maximumLineLength)
        let text =
            path.hasSuffix(".ini") ? "[web]\nweb1 note=\(long)\n" : "all:\n  hosts:\n    web1: { note: \(long) }\n"
        let line = path.hasSuffix(".ini") ? 2 : 3
        #expect(
            loadErrors(text, path: path) == [
                "\(path):\(line):1048577: the line is longer than 1 MiB (\(long.utf8.count + (line == 2 ? 10 : 20)) bytes); "
                    + "an inventory line may be at most 1 MiB"
            ])
    }

    @Test func aVarsFileLineLongerThanTheLimitIsRefused() throws {
        let directory = NSTemporaryDirectory() + "drover-limits-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/group_vars", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "[web]\nweb1\n".write(toFile: directory + "/hosts.ini", atomically: true, encoding: .utf8)
        let long = String(repeating: "b", count: InventoryLoader.maximumLineLength)
        try "note: \(long)\n".write(toFile: directory + "/group_vars/web.yml", atomically: true, encoding: .utf8)
        do {
            _ = try InventoryLoader(homeDirectory: nil).load(path: directory + "/hosts.ini", defaultUser: "deploy")
            Issue.record("loaded")
        } catch let errors as LoadErrors {
            #expect(errors.errors.map(\.description).first?.hasPrefix("\(directory)/group_vars/web.yml:1:1048577: the line is longer than 1 MiB") == true)
        }
    }

    @Test func manyValuesOnOneLongLineArePlacedInLinearTime() {
        // 200,000 values on one line: placing each node used to walk the line from its start (quadratic: minutes).
        let values = String(repeating: "1,", count: 200_000) + "1"
        let text = "name: x\nvars:\n  v: [\(values)]\nstages: [{name: a, hosts: all, steps: [run: x]}]\n"
        let clock = ContinuousClock()
        let took = clock.measure { #expect(Self.playbookErrors(text) == []) }
        // A bound that only catches the quadratic walk (well over a minute); the load takes about a second.
        #expect(took < .seconds(60))
    }
}
