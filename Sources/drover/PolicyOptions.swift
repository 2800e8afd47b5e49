import ArgumentParser
import DroverEngine
import DroverLoading
import DroverModel
import Foundation

/// `--policy FILE`: the maintenance policy, by default `policy.yml` beside the inventory.
struct PolicyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Maintenance policy file.", discussion: "Default: policy.yml beside the inventory.", valueName: "file"))
    var policy: String?

    /// The policy, or nil when the default file does not exist (no time restrictions), with where it came from.
    /// A `--policy` file that is missing or bad, or a bad default file, exits 64 naming file, line and column.
    func load(inventoryPath: String?) throws -> (policy: Policy?, source: String) {
        let path = policy ?? ((inventoryPath.map(InventoryLoader.directory(of:)) ?? ".") + "/policy.yml")
        if policy == nil, !FileManager.default.fileExists(atPath: path) {
            return (nil, "no policy file (\(path)): no time restrictions")
        }
        let loaded = try CommandSupport.loading { try PolicyLoader().load(path: path) }
        return (loaded, path)
    }
}

/// Instants on the command line (`--at`, `--now`).
enum InstantText {
    /// ISO 8601 with a zone (`2026-11-22T03:00:00Z`, `2026-11-22T06:00:00+03:00`), optionally with fractions.
    static func parse(_ text: String) throws -> Date {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        throw ValidationError("'\(text)' is not an ISO 8601 time with a zone (example: 2026-11-22T03:00:00Z)")
    }

    /// `2026-11-22T03:00:00Z`.
    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
