public import Foundation

/// Where the journal lives when `--journal` does not say: `$DROVER_HOME/journal.sqlite`, `DROVER_HOME` defaulting
/// to `~/.local/state/drover` (the XDG state directory).
public enum JournalLocation {
    /// The default journal path for `environment` (the process's environment by default).
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        home(environment: environment) + "/journal.sqlite"
    }

    /// `$DROVER_HOME`, else `~/.local/state/drover`.
    public static func home(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let home = environment["DROVER_HOME"], !home.isEmpty { return home }
        let user = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return user + "/.local/state/drover"
    }
}
