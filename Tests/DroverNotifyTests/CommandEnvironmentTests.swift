import DroverModel
import DroverNotify
import DroverTestSupport
import Foundation
import Testing

/// A `command` notify target runs with a minimal environment, never drover's whole one (which may hold the database
/// password and tokens the operator exported), and its stop at the timeout reaches what it started.
@Suite(.timeLimit(.minutes(1))) struct CommandEnvironmentTests {
    @Test func theEnvironmentIsTheBaseVariablesThoseNamedAndTheEvent() {
        let drover = [
            "PATH": "/usr/bin:/bin", "HOME": "/home/ops", "LANG": "C.UTF-8", "TZ": "UTC", "PGPASSWORD": "db-secret",
            "AWS_SECRET_ACCESS_KEY": "aws-secret", "PAGER_TOKEN": "pager", "USER": "ops",
        ]
        #expect(
            CommandSender.environment(for: .failed, passing: ["PAGER_TOKEN", "NOT_SET"], from: drover) == [
                "PATH": "/usr/bin:/bin", "HOME": "/home/ops", "LANG": "C.UTF-8", "TZ": "UTC", "PAGER_TOKEN": "pager",
                "DROVER_NOTICE": "failed",
            ])
    }

    @Test func theProgramSeesOnlyItsEnvironment() async throws {
        // Exported in this very process, as an operator's shell would: the old sender passed it on.
        setenv("DROVER_TEST_DATABASE_PASSWORD", "db-secret", 1)
        setenv("DROVER_TEST_PAGER_TOKEN", "pager-token", 1)
        let directory = NSTemporaryDirectory() + "drover-notify-env-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = directory + "/hook"
        try "#!/bin/sh\ncat > /dev/null\nenv > \"$1\"\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let target = NotifyTarget(
            delivery: .command("\(script) \(directory)/env", environment: ["DROVER_TEST_PAGER_TOKEN"]))
        let outcome = await DeliveryPolicy(timeout: .seconds(10), attempts: 1)
            .deliver(RenderedNotice(Notice.sample(.failed), text: "x"), via: target.sender())
        #expect(outcome.delivered, "\(outcome.error ?? "")")
        let seen = try String(contentsOfFile: directory + "/env", encoding: .utf8)
        let names = Set(seen.split(separator: "\n").compactMap { $0.split(separator: "=").first.map(String.init) })
        #expect(!seen.contains("db-secret"))
        #expect(seen.contains("DROVER_TEST_PAGER_TOKEN=pager-token"))
        #expect(seen.contains("DROVER_NOTICE=failed"))
        // The shell adds PWD (and SHLVL, _) itself; nothing else but what drover gives.
        let given = Set(["PATH", "HOME", "LANG", "TZ", "DROVER_TEST_PAGER_TOKEN", "DROVER_NOTICE"])
        #expect(names.subtracting(given).isSubset(of: ["PWD", "SHLVL", "_", "OLDPWD"]), "\(names)")
    }

    @Test func theStopAtTheTimeoutReachesWhatTheProgramStarted() async throws {
        let directory = NSTemporaryDirectory() + "drover-notify-group-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = directory + "/hook"
        // A hook that starts a child and waits on it: the child must not outlive the stop.
        try "#!/bin/sh\nsleep 30 &\necho $! > \"$1\"\nwait\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let sender = CommandSender(command: "\(script) \(directory)/child")
        // Time enough for the hook to start its child and note its pid even on a loaded machine.
        let outcome = await DeliveryPolicy(timeout: .seconds(3), attempts: 1)
            .deliver(RenderedNotice(Notice.sample(.failed), text: "x"), via: sender)
        #expect(outcome.error == "\(script) did not exit within 3s; stopped")
        let pid = try #require(
            Int32(try String(contentsOfFile: directory + "/child", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        // Wait for it to be gone, with a bound: the teardown has already sent SIGTERM to the whole group.
        let gone = try await eventually(within: .seconds(5)) { kill(pid, 0) != 0 || Self.isZombie(pid) }
        #expect(gone, "the hook's child \(pid) outlived the stop")
        if !gone { kill(pid, SIGKILL) }
    }

    /// A zombie has ended; only its parent (gone too, here reparented to init) has not reaped it yet.
    private static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(close, offsetBy: 2)] == "Z"
    }
}
