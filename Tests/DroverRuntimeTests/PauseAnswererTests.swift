import DroverRuntime
import Testing

/// Who may answer `continue` past a halt in production (the rest of `drover decide` is tested over the testbed in
/// `DecideCommandTests`).
struct PauseAnswererTests {
    @Test(arguments: [
        (by: "alice" as String?, approvers: ["alice", "bob"], allowed: true),
        (by: "mallory", approvers: ["alice", "bob"], allowed: false),
        (by: nil, approvers: ["alice"], allowed: false),  // the login name alone never counts
        (by: "alice", approvers: [], allowed: false),  // a policy naming nobody allows nobody
    ])
    func onlyAnApproverNamedWithByMayOverride(by: String?, approvers: [String], allowed: Bool) {
        #expect(PauseAnswerer.mayOverride(by: by, approvers: approvers) == allowed)
    }
}
