import DroverEngine
import DroverModel
import Testing

/// The run's bookkeeping as a value: facts in, states and the final status out. No transport, no clock.
@Suite struct RolloutLedgerTests {
    private func passed(_ host: String, steps: Int = 2) -> HostResult {
        HostResult(host: host, ending: .passed, changed: true, steps: steps)
    }

    private func failed(_ host: String, rollback: HostResult.Rollback = .succeeded, changed: Bool = true) -> HostResult {
        HostResult(host: host, ending: .failed(step: "check", reason: "check: exited 1"), changed: changed, steps: 2, rollback: rollback)
    }

    /// One stage over `hosts` with one batch holding `results`.
    private func ledger(_ hosts: [String], _ results: [HostResult], hasRollbackSteps: Bool = true) -> RolloutLedger {
        var ledger = RolloutLedger(targets: hosts)
        ledger.beginStage(0, name: "Roll out", hosts: hosts, hasRollbackSteps: hasRollbackSteps)
        ledger.beginBatch(hosts: results.map(\.host))
        ledger.record(results)
        return ledger
    }

    @Test func everyHostStartsSkippedAndPassingHostsBecomeOk() {
        var ledger = RolloutLedger(targets: ["a", "b", "c"])
        #expect(ledger.hosts.map(\.state) == [.skipped, .skipped, .skipped])
        ledger.beginStage(0, name: "s", hosts: ["a", "b"], hasRollbackSteps: true)
        ledger.beginBatch(hosts: ["a", "b"])
        ledger.record([passed("a"), HostResult(host: "b", ending: .notStarted(reason: nil))])
        #expect(ledger.hosts.map(\.state) == [.ok, .skipped, .skipped])
        #expect(ledger.state(of: "a")?.steps == 2)
    }

    @Test(arguments: [
        (HostResult.Rollback.succeeded, true, HostSummary.State.rolledBack, true, false),
        (.failed, true, .rollbackFailed, false, true),
        (.notAttempted, true, .failed, false, true),
        (.notAttempted, false, .failed, true, false),
    ])
    func aFailedHostIsSettledOrLeftAloneByItsOwnRollback(
        _ rollback: HostResult.Rollback, _ changed: Bool, _ state: HostSummary.State, _ settled: Bool, _ leftAlone: Bool
    ) {
        let ledger = ledger(["a"], [failed("a", rollback: rollback, changed: changed)])
        #expect(ledger.state(of: "a")?.state == state)
        #expect(ledger.state(of: "a")?.reason == "check: exited 1")
        #expect(ledger.settled(in: 0).contains("a") == settled)
        #expect(ledger.leftAlone.contains("a") == leftAlone)
        #expect(ledger.failedHosts == ["a"])
        #expect(ledger.isOut("a"))
    }

    @Test func aRetriedHostsNewResultReplacesItsFirstAndItsStepsAddUp() {
        var ledger = ledger(["a", "b"], [passed("a"), failed("b")])
        #expect(ledger.stageFailedCount == 1)
        ledger.record([passed("b", steps: 2)])
        #expect(ledger.state(of: "b")?.state == .ok)
        #expect(ledger.state(of: "b")?.reason == nil)
        #expect(ledger.state(of: "b")?.steps == 4)
        #expect(ledger.currentBatch?.results.map(\.host) == ["a", "b"], "replaced in place, not appended")
        #expect(ledger.failedHosts.isEmpty)
        #expect(!ledger.settled(in: 0).contains("b"), "its change is back, so a halt rolls it back again")
        #expect(ledger.stageFailedCount == 0)
    }

    @Test func aRetryThatFailsAgainKeepsTheHostFailed() {
        var ledger = ledger(["a"], [failed("a")])
        ledger.record([failed("a", rollback: .failed)])
        #expect(ledger.state(of: "a")?.state == .rollbackFailed)
        #expect(ledger.leftAlone == ["a"])
        #expect(ledger.state(of: "a")?.steps == 4)
    }

    @Test func aLostLeaseTakesTheHostOutWithoutFailingIt() {
        var ledger = ledger(["a", "b"], [passed("a"), HostResult(host: "b", ending: .leaseLost(reason: "unlocked"), steps: 1)])
        #expect(ledger.state(of: "b")?.state == .leaseLost)
        #expect(ledger.isOut("b") && ledger.isLost("b"))
        #expect(ledger.failedHosts.isEmpty)
        let (succeeded, failed, skipped) = ledger.closeStage(runEnded: false)
        #expect(succeeded == ["a"] && failed.isEmpty && skipped == ["b"])
    }

    @Test func aLeaseLostAfterTheStepsStopsTheHostCountingAsSucceeded() {
        var ledger = ledger(["a", "b"], [passed("a"), passed("b")])
        ledger.loseLease("a", reason: "unlocked")
        #expect(ledger.currentBatch?.results.filter(\.succeeded).map(\.host) == ["b"])
        #expect(ledger.lost.map(\.host) == ["a"])
        ledger.loseLease("a", reason: "again")
        #expect(ledger.lost.count == 1, "a host is lost once")
    }

    @Test func runOnceSharesTheFirstHostsResultWithTheRest() {
        var ok = ledger(["a", "b", "c"], [passed("a")])
        ok.shareRunOnce(from: "a", with: ["b", "c"])
        #expect(ok.hosts.map(\.state) == [.ok, .ok, .ok])
        #expect(ok.closeStage(runEnded: false).succeeded == ["a", "b", "c"])

        var bad = ledger(["a", "b"], [failed("a")])
        bad.shareRunOnce(from: "a", with: ["b"])
        #expect(bad.state(of: "b")?.state == .failed)
        #expect(bad.state(of: "b")?.reason == "run_once on a failed")
        #expect(bad.failedHosts == ["a", "b"])

        var lost = ledger(["a", "b"], [HostResult(host: "a", ending: .leaseLost(reason: "x"))])
        lost.shareRunOnce(from: "a", with: ["b"])
        #expect(lost.state(of: "b")?.state == .skipped, "nothing to share")
    }

    @Test func closingAStageTheRunEndedInSaysWhichHostsWereNotReached() {
        var ledger = RolloutLedger(targets: ["a", "b", "c", "d"])
        ledger.beginStage(0, name: "Roll out", hosts: ["a", "b", "c", "d"], hasRollbackSteps: true)
        ledger.beginBatch(hosts: ["a", "b", "c"])
        ledger.record([
            passed("a"), HostResult(host: "b", ending: .interrupted(reason: "interrupted before 'check'"), steps: 1),
            HostResult(host: "c", ending: .leaseLost(reason: "unlocked")),
        ])
        let (_, _, skipped) = ledger.closeStage(runEnded: true)
        #expect(skipped == ["b", "c", "d"])
        #expect(ledger.state(of: "b")?.state == .interrupted)
        #expect(ledger.state(of: "c")?.state == .leaseLost)
        #expect(ledger.state(of: "d")?.reason == "not reached: the run stopped before its batch in 'Roll out'")
    }

    @Test func haltRollbackOutcomesSettleHostsAndAFailureLeavesTheHostAlone() {
        var ledger = ledger(["a", "b"], [passed("a"), passed("b")])
        ledger.rolledBack("a", stage: 0, failure: nil)
        ledger.rolledBack("b", stage: 0, failure: "switch back: exited 1")
        #expect(ledger.state(of: "a")?.state == .rolledBack)
        #expect(ledger.state(of: "b")?.state == .rollbackFailed)
        #expect(ledger.state(of: "b")?.reason == "rollback: switch back: exited 1")
        #expect(ledger.settled(in: 0) == ["a", "b"])
        #expect(ledger.leftAlone == ["b"])
    }

    // MARK: The conclusion

    private static let halt = Decision(action: .halt, rule: .maxFailPercentage, stage: 0, batch: 0, reason: "batch 1: too many")
    private static let stop = Decision(action: .stop, rule: .windowClosing, stage: 0, batch: 1, reason: "the window closes")

    @Test func aCleanRunIsSuccessful() {
        let (status, reason) = ledger(["a"], [passed("a")]).conclusion(halt: nil, stopped: nil, interruption: nil, runID: "r1")
        #expect(status == .successful)
        #expect(reason == "every targeted host completed")
    }

    @Test func failedHostsWithinTheBudgetArePartial() {
        let (status, reason) = ledger(["a", "b"], [passed("a"), failed("b")])
            .conclusion(halt: nil, stopped: nil, interruption: nil, runID: "r1")
        #expect(status == .partial)
        #expect(reason == "1 host failed within the failure budget")
    }

    @Test func aHaltWhoseRollbackPassedIsRolledBackAndNamesKeptStages() {
        var ledger = ledger(["a"], [passed("a")])
        ledger.rolledBack("a", stage: 0, failure: nil)
        ledger.keep(["Backup", "Backup"])
        let (status, reason) = ledger.conclusion(halt: Self.halt, stopped: nil, interruption: nil, runID: "r1")
        #expect(status == .rolledBack)
        #expect(reason == "halted (batch 1: too many); every changed host was rolled back; kept (no rollback steps): 'Backup'")
    }

    @Test func aHaltWithAFailedRollbackOrAnUndoableChangeIsFailed() {
        var ledger = ledger(["a", "b"], [passed("a"), passed("b")], hasRollbackSteps: false)
        ledger.rolledBack("a", stage: 0, failure: "x")
        ledger.couldNotUndo("b", stage: 0)
        let (status, reason) = ledger.conclusion(halt: Self.halt, stopped: nil, interruption: nil, runID: "r1")
        #expect(status == .failed)
        #expect(reason == "halted (batch 1: too many); rollback failed on a; 1 changed hosts have no rollback steps")
        #expect(ledger.state(of: "b")?.reason == "changed by 'Roll out', which halted and has no rollback steps")
    }

    @Test func aStopIsPartialAndCountsWhatWasDone() {
        let ledger = ledger(["a", "b", "c"], [passed("a"), failed("b")])
        let (status, reason) = ledger.conclusion(halt: nil, stopped: Self.stop, interruption: nil, runID: "r1")
        #expect(status == .partial)
        #expect(reason == "stopped (the window closes); 2 of 3 hosts done, none left half-way, 1 failed")
    }

    @Test(arguments: [
        (RolloutLedger.Interruption.stop, "stopped by the operator; in-flight steps were allowed to finish"),
        (.abort, "aborted by the operator; in-flight steps were cut short"),
        (.journal(reason: "disk I/O error"),
         "the journal could not record the next step (disk I/O error); nothing new started: drover resume r1 continues the run"),
    ])
    func anInterruptionSaysWhatInterrupted(_ interruption: RolloutLedger.Interruption, _ expected: String) {
        let (status, reason) = ledger(["a"], [passed("a")]).conclusion(halt: nil, stopped: nil, interruption: interruption, runID: "r1")
        #expect(status == .interrupted)
        #expect(reason == expected)
    }

    @Test func lostLeasesMakeAnOtherwiseFinishedRunInterruptedAndNameTheHosts() {
        var ledger = ledger(["a", "b", "c"], [passed("a")])
        ledger.loseLease("b", reason: "broken by drover unlock --force")
        ledger.loseLease("c", reason: "broken by drover unlock --force")
        let (status, reason) = ledger.conclusion(halt: nil, stopped: nil, interruption: nil, runID: "r1")
        #expect(status == .interrupted)
        #expect(
            reason == "the run lost its lease on b, c (broken by drover unlock --force): nothing more was started "
                + "there; drover resume r1 continues them once their leases are free")
    }

    @Test func aHaltKeepsItsOwnStatusWhenLeasesWereLostAndSaysSo() {
        var ledger = ledger(["a", "b"], [passed("a"), passed("b")])
        ledger.loseLease("b", reason: "lapsed")
        ledger.rolledBack("a", stage: 0, failure: nil)
        let (status, reason) = ledger.conclusion(halt: Self.halt, stopped: nil, interruption: nil, runID: "r1")
        #expect(status == .rolledBack)
        #expect(reason.hasSuffix("; the run lost its lease on b (lapsed): nothing more was started there"))
    }

    @Test func finalStatusTable() {
        // A lost lease only decides when nothing else does.
        #expect(DecisionRules.finalStatus(halted: false, interrupted: false, failedHosts: 1, rollbackFailures: 0, unrolledChanges: 0, leasesLost: 1) == .interrupted)
        #expect(DecisionRules.finalStatus(halted: true, interrupted: false, failedHosts: 1, rollbackFailures: 0, unrolledChanges: 0, leasesLost: 1) == .rolledBack)
        #expect(DecisionRules.finalStatus(halted: false, stopped: true, interrupted: false, failedHosts: 0, rollbackFailures: 0, unrolledChanges: 0, leasesLost: 1) == .partial)
        #expect(DecisionRules.finalStatus(halted: false, interrupted: false, failedHosts: 0, rollbackFailures: 1, unrolledChanges: 0, leasesLost: 1) == .failed)
    }
}
