import DroverEngine
import DroverModel
import DroverTestSupport
import Testing

@Suite struct FanOutTests {
    private func hosts(_ count: Int) -> [DroverModel.Host] {
        (1...count).map { Host(name: "h\($0)", connection: ConnectionSettings(address: "10.0.0.\($0)", user: "u")) }
    }

    @Test func returnsOutcomesInHostOrderWhateverTheCompletionOrder() async {
        let transport = ScriptedTransport { _ in .answers { CommandResult(exitStatus: 0, stdoutTail: Array($0.utf8)) } }
        let outcomes = await FanOut(transport: transport, forks: 4).run("uptime", timeout: .seconds(1), on: hosts(9))
        #expect(outcomes.map(\.host.name) == (1...9).map { "h\($0)" })
        #expect(outcomes.allSatisfy { $0.succeeded })
        #expect(transport.commands.count == 9)
    }

    @Test(arguments: [1, 3, 50])
    func neverHasMoreThanForksHostsInFlight(forks: Int) async {
        let transport = ScriptedTransport { _ in .answers { _ in CommandResult(exitStatus: 0) } }
        _ = await FanOut(transport: transport, forks: forks).run("true", timeout: .seconds(1), on: hosts(20))
        #expect(transport.peakConcurrency <= forks)
        #expect(transport.peakConcurrency >= 1)
    }

    @Test func oneHostsFailureDoesNotStopTheOthers() async {
        let transport = ScriptedTransport { host in
            switch host.name {
            case "h2": return .refuses(HostError(.unreachable, "h2 is unreachable: connection refused"))
            case "h3": return .refuses(HostError(.hostKeyChanged, "changed"))
            case "h4": return .answers { _ in CommandResult(exitStatus: 7) }
            case "h5": return .answers { _ in CommandResult(exitStatus: nil, exitSignal: "KILL") }
            default: return .answers { _ in CommandResult(exitStatus: 0) }
            }
        }
        let outcomes = await FanOut(transport: transport, forks: 2).run("true", timeout: .seconds(1), on: hosts(6))
        #expect(outcomes.map(\.status) == ["ok", "unreachable", "refused", "failed", "failed", "ok"])
        // Nothing ran on the hosts that refused.
        #expect(Set(transport.commands.map(\.host)) == ["h1", "h4", "h5", "h6"])
    }

    @Test(arguments: [
        (HostError.Code.unreachable, "unreachable"), (.connectionLost, "unreachable"), (.hostKeyUnknown, "refused"),
        (.hostKeyRevoked, "refused"), (.authRefused, "refused"), (.credentials, "refused"), (.timedOut, "timed_out"),
        (.noExitStatus, "failed"), (.transfer, "failed"),
    ])
    func classifiesEveryErrorForTheSummary(code: HostError.Code, status: String) {
        let outcome = HostOutcome(host: hosts(1)[0], result: .failure(HostError(code, "x")), duration: .zero)
        #expect(outcome.status == status)
    }
}
