import DroverTestSupport
import Foundation
import Testing

/// Controllers that open a new journal at the same moment (a team's first runs, two jobs started together) all get
/// it: one switches it to WAL and creates the schema, the others wait their turn. Before, about one pair in four
/// failed with "database is locked" or "table runs already exists". Separate processes, as in real life: SQLite
/// coordinates connections within one process by itself, so only processes show the race.
@Suite("opening a new journal from several controllers at once")
struct JournalOpeningTests {
    static let binary = ProcessInfo.processInfo.environment["DROVER_BINARY"]
        ?? Testbed.repositoryRoot + "/.build/debug/drover"

    @Test func sixControllersOpeningANewJournalAtOnceAllSucceed() async throws {
        let directory = NSTemporaryDirectory() + "drover-opening-" + UUID().uuidString
        for round in 0..<15 {
            let journal = "\(directory)/\(round)/journal.sqlite"
            let results = try await withThrowingTaskGroup(of: Subprocess.Result.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await Subprocess.run(Self.binary, ["runs", "--journal", journal], timeout: .seconds(60))
                    }
                }
                var results: [Subprocess.Result] = []
                for try await result in group { results.append(result) }
                return results
            }
            let failed = results.filter { $0.status != 0 }
            #expect(failed.isEmpty, "round \(round): \(failed.map { "\($0.status) \($0.stderr)" })")
        }
    }
}
