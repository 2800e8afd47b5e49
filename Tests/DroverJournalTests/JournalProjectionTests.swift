import DroverJournal
import DroverModel
import Foundation
import Testing

/// The projection from entries to derived rows, as a table: no database involved.
@Suite struct JournalProjectionTests {
    static let context = JournalProjection.Context(
        run: "r1", sequence: 7, timestamp: "2026-11-22T02:01:30.500Z", runStartedAt: JournalFixtures.start)
    static let time = JournalFixtures.start.addingTimeInterval(90.5)
    static let ref = JournalFixtures.ref(1, 0, 1, "Health gate", "app3")

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var entry: JournalEntry
        var changes: [JournalProjection.Change]
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(
            label: "run_started sets environment and host count",
            entry: .event(
                .runStarted(
                    RunStarted(
                        runID: "r1", playbook: "p", environment: "staging", change: ChangeInfo(), hostCount: 4,
                        check: false))),
            changes: [.runStarted(environment: "staging", hostCount: 4)]),
        Case(
            label: "step_started writes a started row numbered by its sequence",
            entry: .event(.stepStarted(ref)),
            changes: [.stepStarted(StepResult(ref: ref, status: .started, startedAt: time), sequence: 7)]),
        Case(
            label: "step_finished carries the result, whole milliseconds",
            entry: .event(.stepFinished(ref, JournalFixtures.failed)),
            changes: [
                .stepFinished(
                    StepResult(
                        ref: ref, status: .failed, exitStatus: 3, attempts: 3, duration: .seconds(9),
                        reason: "exit 3: health check timed out", stderrTail: "health check timed out\n",
                        stderrBytes: 23, startedAt: time, finishedAt: time),
                    sequence: 7)
            ]),
        Case(
            label: "a decision is kept with its number",
            entry: .event(.decision(Decision(action: .pause, rule: .maxFailures, stage: 1, batch: 0, reason: "why"))),
            changes: [
                .decision(Decision(action: .pause, rule: .maxFailures, stage: 1, batch: 0, reason: "why"), sequence: 7)
            ]),
        Case(
            label: "run_finished ends the run with its wall time from start",
            entry: .event(.runFinished(status: .partial, reason: "window closing", duration: .seconds(1))),
            changes: [
                .runFinished(
                    status: .partial, reason: "window closing", finishedAt: time, duration: .milliseconds(90_500))
            ]),
        Case(
            label: "a refusal note ends the run REFUSED",
            entry: .note(JournalNote(kind: .refused, text: "host locked")),
            changes: [
                .runFinished(status: .refused, reason: "host locked", finishedAt: time, duration: .milliseconds(90_500))
            ]),
        Case(
            label: "a host needing attention ends the run INTERRUPTED",
            entry: .note(JournalNote(kind: .needsAttention, text: "app3 needs attention")),
            changes: [
                .runFinished(
                    status: .interrupted, reason: "app3 needs attention", finishedAt: time,
                    duration: .milliseconds(90_500))
            ]),
        Case(
            label: "a resume reopens the run", entry: .note(JournalNote(kind: .resumed, text: "resumed")),
            changes: [.runReopened]),
        Case(
            label: "a broken lease changes no row",
            entry: .note(JournalNote(kind: .lockBroken, text: "bob broke it")), changes: []),
        Case(
            label: "a lost lease changes no row",
            entry: .event(.leaseLost(stage: 1, host: "app3", reason: "broken")), changes: []),
        Case(
            label: "a batch's start changes no row",
            entry: .event(.batchStarted(stage: 1, batch: 0, hosts: ["app3"])), changes: []),
    ]

    @Test(arguments: cases)
    func eachEntryProjectsToItsRows(_ test: Case) {
        #expect(JournalProjection.changes(for: test.entry, in: Self.context) == test.changes)
    }
}

/// Reading entries back across versions: what this Drover cannot read is named, never dropped.
@Suite struct JournalEntryVersionTests {
    @Test func anUnknownKindIsNamedAsWrittenByANewerDrover() {
        let event = JournalEvent(
            run: "r1", sequence: 42, timestamp: "2026-11-22T02:00:00.000Z", kind: "burn_rate",
            payload: #"{"burnRate":{"metric":"error rate","value":0.12}}"#, previousHash: "", hash: "")
        let error = #expect(throws: JournalError.self) { try event.entry() }
        #expect(error?.code == .newerVersion)
        #expect(
            error?.message == "event 42 is a 'burn_rate' event, written by a newer Drover: upgrade to read this run")
    }

    @Test func aKnownKindWithFieldsThisVersionCannotReadSaysSo() {
        let event = JournalEvent(
            run: "r1", sequence: 9, timestamp: "2026-11-22T02:00:00.000Z", kind: "step_finished",
            payload: #"{"stepFinished":{"_0":{"shape":"new"}}}"#, previousHash: "", hash: "")
        let error = #expect(throws: JournalError.self) { try event.entry() }
        #expect(error?.code == .newerVersion)
        #expect(
            error?.message.hasPrefix("event 9 (a 'step_finished' event) holds fields this Drover cannot read") == true)
    }

    @Test func aNewerDecisionActionStillDecodes() throws {
        let payload = #"{"decision":{"_0":{"action":"escalate","rule":"burn_rate","stage":0,"batch":1,"reason":"r"}}}"#
        let event = JournalEvent(
            run: "r1", sequence: 3, timestamp: "2026-11-22T02:00:00.000Z", kind: "decision", payload: payload,
            previousHash: "", hash: "")
        guard case .event(.decision(let decision)) = try event.entry() else {
            Issue.record("not a decision")
            return
        }
        #expect(!decision.action.isKnown && decision.action.rawValue == "escalate")
    }

    /// Keeps `knownKinds` in step with `RunEvent`: adding a case breaks this switch until it is listed.
    @Test func everyRunEventKindIsKnown() {
        func name(_ event: RunEvent) -> String {
            switch event {
            case .policyChecked, .emergencyOverride, .waitingForWindow, .runStarted, .stageStarted, .batchStarted,
                .stepStarted, .stepFinished, .hostFailed, .batchFinished, .decision, .rollbackStarted,
                .rollbackFinished, .stageFinished, .runFinished, .leaseLost, .operatorAnswered, .measurement,
                .notification:
                return event.name
            }
        }
        let measurement = Measurement(
            stage: 0, batch: 0, metric: "error rate", round: 1, value: 0.2, threshold: "max 0.05", verdict: .fail)
        for event in JournalFixtures.rolledBackRun + [.leaseLost(stage: 0, host: "h", reason: "r"), .measurement(measurement)] {
            #expect(JournalEntry.knownKinds.contains(name(event)))
        }
        #expect(JournalEntry.knownKinds.count == 19 + JournalNote.Kind.allCases.count)
    }
}
