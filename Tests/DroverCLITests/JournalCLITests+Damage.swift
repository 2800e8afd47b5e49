import DroverJournal
import DroverModel
import DroverTestSupport
import Foundation
import GRDB
import Testing

/// What the journal commands do with a journal they cannot fully read: a damaged file, or events written by a
/// newer Drover. Never a crash, never an event dropped silently.
extension JournalCLITests {
    /// A journal with one interrupted run of `playbook` (host001), made through the library.
    private func journalWithOneRun(_ journal: String, playbook: String) async throws -> String {
        let id = "20261122-020000-d4ad"
        let store = try SQLiteJournal(path: journal)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: playbook))
        try await store.begin(
            RunRecord(
                id: id, playbook: "Journal CLI test", playbookPath: playbook, playbookHash: EventChain.sha256(bytes),
                inventoryPath: Testbed.inventoryPath, limit: "host001", operator: "ci-operator", hostCount: 1,
                startedAt: Date()))
        try await store.append(
            .event(
                .runStarted(
                    RunStarted(
                        runID: id, playbook: "Journal CLI test", environment: "testbed", change: ChangeInfo(),
                        hostCount: 1, check: false))),
            run: id)
        try await store.append(
            .event(.runFinished(status: .interrupted, reason: "stopped", duration: .seconds(1))), run: id)
        return id
    }

    @Test func anEventFromANewerDroverIsNamedByLogAndVerifyAndStopsResume() async throws {
        let (directory, journal, remote) = try await workspace()
        let playbook = try await playbook(in: directory, remote: remote)
        let id = try await journalWithOneRun(journal, playbook: playbook)
        // A newer Drover appended a kind this one does not know, chained properly.
        let database = try DatabaseQueue(path: journal)
        try await database.write { db in
            let head = try #require(
                try Row.fetchOne(db, sql: "SELECT event_count, head_hash FROM runs WHERE id = ?", arguments: [id]))
            let sequence = (head["event_count"] as Int) + 1
            let previous: String = head["head_hash"]
            let time = EventChain.timestamp(Date())
            let payload = #"{"burnRate":{"metric":"error rate","value":0.12}}"#
            let hash = EventChain.hash(
                previous: previous, run: id, sequence: sequence, time: time, kind: "burn_rate", payload: payload)
            try db.execute(
                sql:
                    "INSERT INTO events (run_id, seq, time, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [id, sequence, time, "burn_rate", payload, previous, hash])
            try db.execute(
                sql: "UPDATE runs SET event_count = ?, head_hash = ? WHERE id = ?", arguments: [sequence, hash, id])
        }
        let sentence = "event 3 is a 'burn_rate' event, written by a newer Drover: upgrade to read this run"
        let log = try await drover(["log", id, "--journal", journal])
        #expect(log.status == 0, "\(log.stdout)\(log.stderr)")
        #expect(log.stdout.contains(sentence), "\(log.stdout)")
        #expect(log.stderr.contains("1 event of run \(id) cannot be read by this Drover"), "\(log.stderr)")
        let verify = try await drover(["verify", id, "--journal", journal])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("run \(id): ok (3 events)"))
        #expect(verify.stdout.contains("run \(id): cannot read: \(sentence)"), "\(verify.stdout)")
        let resume = try await drover(["resume", id, "--journal", journal])
        #expect(resume.status == 1, "\(resume.stdout)\(resume.stderr)")
        #expect(resume.stderr.contains(sentence), "\(resume.stderr)")
    }

    @Test func aDamagedJournalFileGetsOneSentenceNamingItFromEveryCommand() async throws {
        let (directory, healthy, remote) = try await workspace()
        let playbook = try await playbook(in: directory, remote: remote)
        let id = try await journalWithOneRun(healthy, playbook: playbook)
        do {
            let database = try DatabaseQueue(path: healthy)
            try await database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: healthy))
        var flipped = bytes
        for offset in stride(from: 100, to: flipped.count, by: 97) { flipped[offset] ^= 0x5A }
        let damages: [(String, Data)] = [
            ("garbage", Data((0..<6000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 13) })),
            ("truncated", bytes.prefix(bytes.count / 2 + 17)),
            ("flipped", flipped),
        ]
        for (label, damaged) in damages {
            let path = directory + "/\(label).sqlite"
            _ = FileManager.default.createFile(atPath: path, contents: damaged)
            let commands: [[String]] = [
                ["runs"], ["log", id], ["log"], ["verify"], ["verify", id], ["report"], ["resume", id],
                ["unlock", "host001"], ["run", playbook, "-i", Testbed.inventoryPath, "--limit", "host001", "--yes"],
            ]
            for command in commands {
                let result = try await drover(command + ["--journal", path])
                let what = "\(label): drover \(command.joined(separator: " "))"
                // Never a crash (a signal would show as its number); a journal problem is one line naming the file.
                #expect([0, 1, 4, 5, 64].contains(result.status), "\(what): exit \(result.status)\n\(result.stderr)")
                if result.status == 1 || result.status == 64 {
                    #expect(result.stderr.split(separator: "\n").count == 1, "\(what): \(result.stderr)")
                }
                if result.status == 1 { #expect(result.stderr.contains(path), "\(what): \(result.stderr)") }
                if label == "garbage" { #expect(result.status == 1, "\(what): exit \(result.status)") }
            }
        }
        _ = try? await drover(["exec", "-i", Testbed.inventoryPath, "--limit", "host001", "--", "rm -rf \(remote)"])
    }
}
