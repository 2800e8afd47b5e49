import DroverTestSupport
import Foundation
import Testing

/// `drover report` lists the answers to a run's pauses over the real testbed, and prints the same bytes from a
/// SQLite journal and from its copy on PostgreSQL (the private cluster `Scripts/test` starts).
@Suite("report: decisions", .serialized, .timeLimit(.minutes(3)))
struct ReportDecisionsCLITests {
    static let binary = Testbed.repositoryRoot + "/.build/debug/drover"

    func drover(_ arguments: [String]) async throws -> Subprocess.Result {
        try await Subprocess.run(Self.binary, arguments, environment: ["USER": "ci-operator"], timeout: .seconds(120))
    }

    @Test func theAnswersToARunsPausesAreInTheReportTheSameOnSQLiteAndPostgreSQL() async throws {
        try Testbed.ensureUp()
        let directory = NSTemporaryDirectory() + "drover-report-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let playbook = directory + "/canary.yml"
        try """
        name: Canary look
        stages:
          - name: Roll out
            hosts: host021:host022
            serial: 1
            pause: { prompt: Look at the canary dashboards, timeout: 1s, on_timeout: continue, when: batch.index == 1 }
            steps:
              - run: "true"

        """.write(toFile: playbook, atomically: true, encoding: .utf8)
        let file = directory + "/journal.sqlite"
        let run = try await drover(["run", playbook, "-i", Testbed.inventoryPath, "--yes", "--journal", file])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")

        let report = try await drover(["report", "--journal", file])
        let lines = report.stdout.components(separatedBy: "Decisions (analysis halts and pauses, operator answers)\n")
        #expect(lines.count == 2, "\(report.stdout)")
        #expect(
            lines.last?.hasSuffix(
                "Canary look  stage 1 batch 1  no answer in time: continue: nobody answered within 1.00s: continue, as "
                    + "on_timeout says\n") == true, "\(report.stdout)")
        let json = try await drover(["report", "--journal", file, "--output", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let decisions = try #require(object["decisions"] as? [[String: Any]])
        #expect(decisions.count == 1 && decisions.first?["timed_out"] as? Bool == true, "\(json.stdout)")

        let server = try await PostgresTestCluster.freshDatabase("report")
        let copied = try await drover(["journal", "copy", file, server])
        #expect(copied.status == 0, "\(copied.stdout)\(copied.stderr)")
        // `--output json` names the start of its period to the second: left out of the comparison.
        func comparable(_ output: String) -> String { output.replacing(/"since":"[^"]*"/, with: "\"since\":…") }
        for command in [["report"], ["report", "--output", "json"]] {
            let local = try await drover(command + ["--journal", file])
            let remote = try await drover(command + ["--journal", server])
            #expect(remote.status == 0, "\(remote.stderr)")
            #expect(comparable(remote.stdout) == comparable(local.stdout), "\(command)")
        }
    }
}
