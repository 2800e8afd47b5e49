import DroverEngine
import DroverModel
import DroverSSH
import DroverTestSupport
import Foundation
import Testing

extension OverRealSSH {
    /// Peers that misbehave before the login completes (`Scripts/testbed hostile`): each is reported with its own
    /// sentence within the connect timeout, and the good hosts beside it are unaffected.
    @Suite("hostile peers", .timeLimit(.minutes(3)))
    struct HostilePeerTests {
        init() throws {
            try Testbed.ensureUp()
            try Testbed.ensureHostilePeersUp()
        }

        /// What each peer must be reported as: its error code and words of its sentence.
        static let expected: [(HostilePeer, HostError.Code, [String])] = [
            (.banner, .unreachable, ["no SSH identification line", "is another service listening on that port?"]),
            (.garbage, .unreachable, ["SSH identification line", "is another service listening on that port?"]),
            (.slowloris, .unreachable, ["began an SSH identification line but did not finish it within 2s"]),
            (.stallKex, .unreachable, ["started the SSH key exchange but did not finish it within 2s"]),
            (.silent, .unreachable, ["the server sent nothing within 2s"]),
            (.longBanner, .unreachable, ["longer than the 255 bytes SSH allows"]),
        ]

        /// The connect timeout of every test here.
        static let connectTimeout: Duration = .seconds(2)
        /// Only catches a hang (a peer that kept a login going forever): a 2 s timeout is far inside it.
        static let hangBound: Duration = .seconds(30)

        static func check(_ error: HostError?, _ peer: HostilePeer) {
            let (_, code, words) = expected.first { $0.0 == peer }!
            #expect(error?.code == code, "\(peer): \(String(describing: error))")
            for word in words {
                #expect(error?.message.contains(word) == true, "\(peer): \(error?.message ?? "no error")")
            }
            #expect(error?.message.contains(peer.address) == true, "the sentence names the peer")
            #expect(error?.message.contains("libssh2") == false, "no jargon: \(error?.message ?? "")")
        }

        @Test(arguments: HostilePeer.allCases)
        func pingReportsThePeerWithItsSentenceAndTheGoodHostsSucceed(_ peer: HostilePeer) async throws {
            let hosts = [Testbed.host(2), peer.host, Testbed.host(3)]
            let clock = ContinuousClock()
            let start = clock.now
            let outcomes = await FanOut(transport: makeTransport(connectTimeout: Self.connectTimeout), forks: 3)
                .run("true", timeout: .seconds(10), on: hosts)
            #expect(start.duration(to: clock.now) < Self.hangBound)
            #expect(outcomes[0].succeeded && outcomes[2].succeeded, "the good hosts are unaffected")
            #expect(outcomes[1].status == "unreachable")
            Self.check(outcomes[1].result.failure, peer)
        }

        @Test func everyPeerAtOnceWithGoodHostsOnOneTransport() async throws {
            // One reactor thread drives every session: a peer that keeps libssh2 busy must not starve the others.
            let good = (4...7).map { Testbed.host($0) }
            let hosts = good + HostilePeer.allCases.map(\.host)
            let clock = ContinuousClock()
            let start = clock.now
            let outcomes = await FanOut(transport: makeTransport(connectTimeout: Self.connectTimeout), forks: 20)
                .run("echo ok", timeout: .seconds(10), on: hosts)
            #expect(start.duration(to: clock.now) < Self.hangBound)
            for outcome in outcomes.prefix(good.count) {
                #expect(try outcome.result.get().stdout == "ok\n", "\(outcome.host.name)")
            }
            for (outcome, peer) in zip(outcomes.suffix(HostilePeer.allCases.count), HostilePeer.allCases) {
                Self.check(outcome.result.failure, peer)
            }
        }

        @Test func aRunOverTheSharedShellFailsOnlyThePeersAndFinishes() async throws {
            // `drover run`'s way: one connection pool, the shared shell; each peer is a host of the stage.
            let good = [8, 9].map { index in
                var host = Testbed.host(index)
                host.groups = ["all", "app"]
                return host
            }
            let peers = HostilePeer.allCases.map { peer in
                var host = peer.host
                host.groups = ["all", "app"]
                return host
            }
            let hosts = good + peers
            let stage = Stage(
                name: Template(literal: "roll out"), hosts: "app", maxFailPercentage: 100,
                steps: [Step(name: "work", action: .run(Template("cat /srv/host/name")!))])
            let engine = RolloutEngine(
                playbook: Playbook(name: "hostile", stages: [stage]),
                inventory: Inventory(hosts: hosts, groups: [InventoryGroup(name: "app", hosts: hosts.map(\.name))]),
                targets: hosts, configuration: .init(runID: "hostile"),
                transport: makeRunTransport(connectTimeout: Self.connectTimeout), events: { _ in .durable })
            let clock = ContinuousClock()
            let start = clock.now
            let summary = await engine.run()
            #expect(start.duration(to: clock.now) < Self.hangBound)
            let states = Dictionary(uniqueKeysWithValues: summary.hosts.map { ($0.name, $0) })
            for host in good { #expect(states[host.name]?.state == .ok, "\(host.name)") }
            for (host, peer) in zip(peers, HostilePeer.allCases) {
                #expect(states[host.name]?.state == .failed, "\(host.name)")
                let (_, _, words) = Self.expected.first { $0.0 == peer }!
                for word in words {
                    #expect(states[host.name]?.reason?.contains(word) == true, "\(states[host.name]?.reason ?? "")")
                }
            }
        }
    }
}
