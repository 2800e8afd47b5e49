import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import GRDB
import Testing

/// A damaged journal file — garbage, truncated at any offset, bytes flipped — gets a one-line sentence naming the
/// file from every journal operation the commands use, never a crash (issue 18). Seeded, so every run feeds the same
/// files.
@Suite struct JournalFileFuzzTests {
    /// SplitMix64, as the loaders' robustness suites use.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A healthy journal's bytes: two runs with events and step results, and leases (checkpointed: no WAL).
    /// Made once, by the journal itself.
    actor Healthy {
        static let shared = Healthy()
        private var bytes: [UInt8]?

        func get() async throws -> [UInt8] {
            if let bytes { return bytes }
            let path = try JournalFixtures.temporaryDirectory() + "/journal.sqlite"
            do {
                let journal = try SQLiteJournal(path: path, now: SteppingClock(start: JournalFixtures.start).now)
                for id in ["run-a", "run-b"] {
                    try await journal.begin(JournalFixtures.record(id))
                    try await journal.append(JournalFixtures.rolledBackRun.map { .event($0) }, run: id)
                }
                let holder = LeaseHolder(run: "run-b", operator: "alice", controller: "ctl1", pid: 1)
                _ = try await journal.acquireLeases(
                    LeaseRequest(holder: holder, targets: [.init(machine: "127.0.1.1:22", names: ["app1"])]))
            }
            let queue = try DatabaseQueue(path: path)
            try await queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            let made = Array(FileManager.default.contents(atPath: path) ?? Data())
            bytes = made
            return made
        }
    }

    enum Damage: CaseIterable { case garbage, truncated, flipped }

    static func damaged(_ seed: UInt64, healthy: [UInt8]) -> (Damage, [UInt8]) {
        var random = Generator(state: seed)
        var bytes = healthy
        let damage = Damage.allCases[Int(seed % 3)]
        switch damage {
        case .garbage:
            bytes = (0..<Int.random(in: 0...8192, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random)
            }
        case .truncated:
            bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
        case .flipped:
            for _ in 0..<Int.random(in: 1...64, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
            }
        }
        return (damage, bytes)
    }

    /// One line; a problem with the file names the file.
    private func check(_ error: any Error, path: String, _ what: String, seed: UInt64) {
        guard let error = error as? JournalError else {
            Issue.record("seed \(seed): \(what) threw a \(type(of: error)), not a JournalError: \(error)")
            return
        }
        #expect(!error.message.contains("\n"), "seed \(seed): \(what): \(error.message)")
        if [.unavailable, .writeFailed, .corrupt].contains(error.code) {
            #expect(error.message.contains(path), "seed \(seed): \(what): \(error.message)")
        }
    }

    private func attempt(_ what: String, path: String, seed: UInt64, _ body: () async throws -> Void) async {
        do { try await body() } catch { check(error, path: path, what, seed: seed) }
    }

    @Test(arguments: 0..<150)
    func aDamagedFileGetsASentenceNamingItFromEveryOperation(_ index: Int) async throws {
        let seed = UInt64(index) &* 7919 &+ 17
        let healthy = try await Healthy.shared.get()
        #expect(healthy.count > 4096)
        let (_, bytes) = Self.damaged(seed, healthy: healthy)
        let path = try JournalFixtures.temporaryDirectory() + "/journal.sqlite"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let journal: SQLiteJournal
        do {
            journal = try SQLiteJournal(path: path)
        } catch {
            check(error, path: path, "open", seed: seed)
            return
        }
        await attempt("runs", path: path, seed: seed) {
            for record in try await journal.runs(since: nil) {
                let events = try await journal.events(run: record.id)
                _ = MaintenanceLog(run: record, events: events).text()
                _ = try await journal.stepResults(run: record.id)
            }
        }
        await attempt("run", path: path, seed: seed) { _ = try await journal.run("run-a") }
        await attempt("verify", path: path, seed: seed) {
            for report in try await journal.verify() {
                #expect(!(report.problem?.message.contains("\n") ?? false))
            }
        }
        await attempt("report", path: path, seed: seed) {
            _ = JournalReport(runs: try await journal.runs(since: nil), since: nil, environment: nil).text()
        }
        await attempt("leases", path: path, seed: seed) { _ = try await journal.leases() }
        await attempt("begin", path: path, seed: seed) {
            try await journal.begin(JournalFixtures.record("run-new"))
            try await journal.append(.event(JournalFixtures.rolledBackRun[0]), run: "run-new")
        }
        await attempt("append", path: path, seed: seed) {
            try await journal.append(.note(JournalNote(kind: .resumed, text: "resumed")), run: "run-a")
        }
        await attempt("unlock", path: path, seed: seed) {
            _ = try await journal.breakLeases(try await journal.leases(), by: "bob")
        }
    }
}
