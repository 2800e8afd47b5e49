import DroverEngine
import DroverModel
import Testing

/// Which hosts roll back after a halt, and in what order: a pure function of the ledger and the halt.
@Suite struct RollbackPlanTests {
    /// A stage as the table writes it: its name, whether it has rollback steps, and per batch each host's result
    /// (`ok`, `fail` rolled back, `fail-left` changed and left, `fail-clean` failed before changing, `rbfail`
    /// rollback failed, `lost`, `check` ran without changing).
    struct StageRow: Sendable, CustomStringConvertible {
        var name: String
        var rollback: Bool
        var batches: [[String]]
        var description: String { name }
    }

    struct Case: Sendable, CustomStringConvertible {
        var label: String
        var stages: [StageRow]
        var haltStage: Int
        /// `stage/batch: hosts` per group in order; `!` marks a group that cannot be undone.
        var groups: [String]
        var kept: [String]
        var description: String { label }
    }

    private static func result(_ spec: String) -> HostResult {
        let parts = spec.split(separator: ":").map(String.init)
        let host = parts[0]
        switch parts[1] {
        case "ok": return HostResult(host: host, ending: .passed, changed: true, steps: 1)
        case "check": return HostResult(host: host, ending: .passed, changed: false, steps: 1)
        case "fail": return HostResult(host: host, ending: .failed(step: "s", reason: "x"), changed: true, steps: 1, rollback: .succeeded)
        case "fail-left": return HostResult(host: host, ending: .failed(step: "s", reason: "x"), changed: true, steps: 1)
        case "fail-clean": return HostResult(host: host, ending: .failed(step: "s", reason: "x"), changed: false, steps: 1)
        case "rbfail": return HostResult(host: host, ending: .failed(step: "s", reason: "x"), changed: true, steps: 1, rollback: .failed)
        case "lost": return HostResult(host: host, ending: .leaseLost(reason: "x"), changed: true, steps: 1)
        default: fatalError("unknown result \(spec)")
        }
    }

    static let cases: [Case] = [
        Case(
            label: "batches in reverse, the failed host's own rollback settled",
            stages: [StageRow(name: "Roll out", rollback: true, batches: [["a:ok", "b:ok"], ["c:ok", "d:fail"]])],
            haltStage: 0, groups: ["0/1: c", "0/0: a b"], kept: []),
        Case(
            label: "stages in reverse; a host settled in a later stage is still undone by an earlier one",
            stages: [
                StageRow(name: "Config", rollback: true, batches: [["a:ok", "b:ok"]]),
                StageRow(name: "Roll out", rollback: true, batches: [["a:ok"], ["b:fail"]]),
            ],
            haltStage: 1, groups: ["1/0: a", "0/0: a b"], kept: []),
        Case(
            label: "an earlier stage without rollback steps keeps its changes",
            stages: [
                StageRow(name: "Backup", rollback: false, batches: [["a:ok"], ["b:ok"]]),
                StageRow(name: "Roll out", rollback: true, batches: [["a:ok", "b:fail"]]),
            ],
            haltStage: 1, groups: ["1/0: a"], kept: ["Backup"]),
        Case(
            label: "the halting stage without rollback steps cannot undo its changes",
            stages: [StageRow(name: "Roll out", rollback: false, batches: [["a:ok", "b:fail-left"]])],
            haltStage: 0, groups: ["0/0: a !"], kept: []),
        Case(
            label: "left-alone, rollback-failed and lost hosts are never touched; unchanged hosts are not rolled back",
            stages: [
                StageRow(name: "Config", rollback: true, batches: [["a:ok", "b:ok", "c:ok", "d:ok", "e:check"]]),
                StageRow(name: "Roll out", rollback: true, batches: [["a:fail-left", "b:rbfail", "c:lost", "d:fail-clean"]]),
            ],
            haltStage: 1, groups: ["0/0: d"], kept: []),
        Case(
            label: "nothing changed, nothing to do",
            stages: [StageRow(name: "Checks", rollback: true, batches: [["a:check", "b:fail-clean"]])],
            haltStage: 0, groups: [], kept: []),
    ]

    @Test(arguments: cases)
    func plan(_ test: Case) {
        let hosts = Set(test.stages.flatMap { $0.batches.flatMap { $0.map { String($0.split(separator: ":")[0]) } } })
        var ledger = RolloutLedger(targets: hosts.sorted())
        for (index, stage) in test.stages.enumerated() {
            let results = stage.batches.map { $0.map(Self.result) }
            ledger.beginStage(index, name: stage.name, hosts: results.flatMap { $0.map(\.host) }, hasRollbackSteps: stage.rollback)
            for batch in results {
                ledger.beginBatch(hosts: batch.map(\.host))
                ledger.record(batch)
            }
        }
        let halt = Decision(action: .halt, rule: .maxFailPercentage, stage: test.haltStage, batch: 0, reason: "halt")
        let plan = RollbackPlan(ledger: ledger, halt: halt)
        let groups = plan.groups.map { "\($0.stage)/\($0.batch): \($0.hosts.joined(separator: " "))" + ($0.undoable ? "" : " !") }
        #expect(groups == test.groups)
        #expect(plan.kept == test.kept)
    }
}
