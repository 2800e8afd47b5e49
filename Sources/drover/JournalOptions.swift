import ArgumentParser
import DroverJournal
import DroverJournalPostgres
import Foundation

/// `--journal PATH|URL`, shared by `run`, `resume` and every journal command: a SQLite file, or a PostgreSQL server
/// (`postgresql://USER@HOST[:PORT]/DB[?sslmode=…]`, SPEC §9), the password from `PGPASSWORD` or `~/.pgpass`.
struct JournalOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The journal: a SQLite file, or postgresql://USER@HOST[:PORT]/DB[?sslmode=…] (the team journal).",
            discussion:
                "Default: $DROVER_JOURNAL, else $DROVER_HOME/journal.sqlite ($DROVER_HOME: ~/.local/state/drover). "
                + "The PostgreSQL password comes from PGPASSWORD or ~/.pgpass, never from the URL.",
            valueName: "path|url"))
    var journal: String?

    /// `--journal`, else `$DROVER_JOURNAL`, else the default file.
    var location: String {
        if let journal { return journal }
        if let named = ProcessInfo.processInfo.environment["DROVER_JOURNAL"], !named.isEmpty { return named }
        return JournalLocation.defaultPath()
    }

    /// The journal as messages name it: the file's path, or the server's URL (which never holds a password).
    var path: String {
        (try? PostgresLocation.parse(location)).map(\.description) ?? location
    }

    /// Opens the journal; a journal that cannot be opened is a clear error (exit 1) before any host is touched.
    /// - Parameter callTimeout: how long one call to a journal server may go unanswered (the run's
    ///   `--journal-timeout` bounds the whole outage it survives; this bounds each attempt).
    func open(callTimeout: Duration = .seconds(30)) async throws -> any Journal {
        try await Self.open(location, callTimeout: callTimeout)
    }

    /// Opens the journal at `location` (a path or a `postgresql://` URL); exit 1 with a sentence when it cannot.
    static func open(_ location: String, callTimeout: Duration = .seconds(30)) async throws -> any Journal {
        do {
            guard PostgresLocation.isURL(location) else { return try SQLiteJournal(path: location) }
            let server = try PostgresLocation.parse(location)
            let password = PasswordFile.password(for: server) { Terminal.error("drover: warning: \($0)") }
            return try await PostgresJournal.open(server, password: password, callTimeout: callTimeout)
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
