import ArgumentParser
import DroverJournal
import Foundation

/// `--journal PATH`, shared by `run`, `resume` and every journal command.
struct JournalOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The journal database.", discussion: "Default: $DROVER_HOME/journal.sqlite ($DROVER_HOME: ~/.local/state/drover).",
            valueName: "path"))
    var journal: String?

    var path: String { journal ?? JournalLocation.defaultPath() }

    /// Opens the journal; a journal that cannot be opened is a clear error (exit 1) before any host is touched.
    func open() throws -> any Journal {
        do {
            return try SQLiteJournal(path: path)
        } catch {
            Terminal.error("drover: \(error)")
            throw ExitCode(1)
        }
    }

    /// Who is running this: `$SUDO_USER` (the person behind sudo), else `$USER`.
    static var operatorName: String {
        let environment = ProcessInfo.processInfo.environment
        for name in ["SUDO_USER", "USER", "LOGNAME"] {
            if let value = environment[name], !value.isEmpty { return value }
        }
        // No login variables (cron, systemd, a container): the account the controller runs as.
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "unknown"
    }


    /// The machine this controller runs on, as leases record it.
    static var thisMachine: String { ProcessInfo.processInfo.hostName }

    /// True when a process with that id exists on this machine (one we may not signal exists too).
    static func processExists(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// Whether `lease`'s holder still works, judged at the journal's time `now`.
    static func liveness(_ lease: Lease, now: Date) -> HolderLiveness {
        HolderLiveness.judge(lease, now: now, thisMachine: thisMachine, processExists: processExists)
    }
}

/// Turns a journal failure into a message and exit status 1 (64 for a run id the journal does not have).
func journalCall<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as JournalError {
        Terminal.error("drover: \(error)")
        throw ExitCode(error.code == .unknownRun ? 64 : 1)
    }
}
