public import DroverAnalysis
import DroverEngine
public import DroverJournal
public import DroverModel
public import Foundation
public import Logging

/// A run from its start to its end, for `drover run`, `drover resume` and what comes later (`schedule`, `decide`,
/// `extend`): the journal record, the policy and the wait for a window, the leases, the engine with every event
/// written ahead, stops, lost leases, notes and notices. Given its services (a journal, a transport factory, a
/// notice factory, a clock, a console), it does what the executable only asks for: the executable parses
/// arguments and wires these parts, nothing more.
///
/// Run and resume prepare differently (a new record and the policy; the recorded inputs checked and the run's
/// leases taken over from a dead controller) and then go through one path (`execute`).
public struct RunCoordinator: Sendable {
    /// What the coordinator works with.
    public struct Services: Sendable {
        public var journal: any Journal
        /// A transport for one run's sessions (the SSH layer; tests pass a scripted one).
        public var transport: @Sendable () -> any HostTransport
        public var notices: NoticeFactory
        public var clock: any RunClock
        public var console: any RunConsole
        public var identity: ControllerIdentity
        /// Whether a process with that id exists on this machine (a lease's holder that is gone).
        public var processExists: @Sendable (Int32) -> Bool
        public var loader: RunLoader
        /// How long a lease lasts without renewal (renewed every third of it while the run lives).
        public var leaseTime: Duration
        /// Diagnostics (lease renewals, gate verdicts, the run's phases); nothing the operator must read.
        public var logger: Logger
        /// Where analysis gates measure (SPEC section 10): Prometheus and the hosts over HTTP.
        public var metrics: MetricSources = MetricSources()
        /// How long a run waits for a journal it cannot reach (`--journal-timeout`) before it stops INTERRUPTED.
        public var journalTimeout: Duration = RunCoordinator.defaultJournalTimeout

        public init(
            journal: any Journal, transport: @escaping @Sendable () -> any HostTransport,
            notices: @escaping NoticeFactory = RunCoordinator.standardNotices, clock: any RunClock = SystemRunClock(),
            console: any RunConsole, identity: ControllerIdentity,
            processExists: @escaping @Sendable (Int32) -> Bool = { kill($0, 0) == 0 || errno == EPERM },
            loader: RunLoader = RunLoader(), leaseTime: Duration = LeaseKeeper.defaultTTL,
            logger: Logger = Logger(label: "drover.runtime")
        ) {
            self.journal = journal
            self.transport = transport
            self.notices = notices
            self.clock = clock
            self.console = console
            self.identity = identity
            self.processExists = processExists
            self.loader = loader
            self.leaseTime = leaseTime
            self.logger = logger
        }
    }

    /// The sources an analysis gate measures with; tests may stand in their own.
    public struct MetricSources: Sendable {
        public var prometheus: PrometheusSource
        public var http: any MetricSource

        public init(prometheus: PrometheusSource = PrometheusSource(), http: any MetricSource = HTTPProbe()) {
            self.prometheus = prometheus
            self.http = http
        }
    }

    public var services: Services

    public init(_ services: Services) {
        self.services = services
    }

    /// How long a run waits for an unreachable journal unless told otherwise (SPEC §9).
    public static let defaultJournalTimeout: Duration = .seconds(60)

    /// `20261123-021500-7f3a`: sortable, readable, unique enough for one controller.
    public static func newRunID(now: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return formatter.string(from: now) + "-" + String(repeating: "0", count: 4 - suffix.count) + suffix
    }

    /// This controller as the holder of `run`'s leases.
    func holder(_ run: String) -> LeaseHolder {
        LeaseHolder(
            run: run, operator: services.identity.operator, controller: services.identity.machine,
            pid: services.identity.pid)
    }

    /// The run's holder and its targets' machines, for leasing and for the journal's fencing check.
    func fence(_ run: String, targets: [DroverModel.Host]) -> LeaseFence {
        LeaseFence(
            holder: holder(run),
            machines: Dictionary(targets.map { ($0.name, $0.connection.machineKey) }, uniquingKeysWith: { a, _ in a }))
    }

    /// Whether `lease`'s holder still works, judged at the journal's time `now`.
    func liveness(_ lease: Lease, now: Date) -> HolderLiveness {
        HolderLiveness.judge(
            lease, now: now, thisMachine: services.identity.machine, processExists: services.processExists)
    }

    /// A recorder for `run`, fenced on its leases, waiting out a journal outage up to the journal timeout on the run's
    /// clock; the outage is said when it begins and ends, a failed write once (the engine itself stops starting work
    /// when an announcement cannot be written).
    func recorder(_ run: String, fence: LeaseFence) -> RunRecorder {
        let console = services.console
        let clock = services.clock
        let patience = RunRecorder.Patience(
            timeout: services.journalTimeout, now: { clock.now }, sleep: { try await clock.sleep(for: $0) })
        return RunRecorder(
            journal: services.journal, run: run, fence: fence, patience: patience,
            onOutage: { outage in
                switch outage {
                case .began(let error, let timeout):
                    console.say(
                        .error(
                            "the journal is unreachable (\(error)); nothing new starts: steps under way finish and "
                                + "their results are held; waiting up to \(DurationText.format(timeout)) for it "
                                + "(--journal-timeout)"))
                case .ended(let after):
                    // On stderr with the outage's line, in every output format: the operator saw the first.
                    console.say(
                        .error(
                            "the journal is back after \(DurationText.format(after)): the held events are written, in "
                                + "order, and the run goes on"))
                }
            }
        ) { error in
            console.say(.error("the journal failed (\(error)); stopping: nothing new starts"))
        }
    }

    /// Runs a journal call, turning its failure into a `RuntimeError` (1; 64 for a run the journal does not have).
    func journal<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as JournalError {
            throw RuntimeError(exitCode: error.code == .unknownRun ? 64 : 1, "\(error)")
        }
    }
}
