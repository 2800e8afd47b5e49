import DroverEngine
import DroverModel
import DroverSSH
import Foundation

/// Runs a fan-out and prints a line (or a JSON object) per host as each finishes, then a summary.
enum FleetReport {
    static func run(
        _ command: String, timeout: Duration, hosts: [Host], fleet: FleetOptions, showOutput: Bool
    ) async -> [HostOutcome] {
        let clock = ContinuousClock()
        let start = clock.now
        let format = fleet.output
        let width = min(40, hosts.map(\.name.count).max() ?? 4)
        let fanOut = FanOut(transport: fleet.transport(), forks: fleet.forks)
        let outcomes = await fanOut.run(command, timeout: timeout, on: hosts) { outcome in
            switch format {
            case .json: print(VisibleText.json(json(outcome)))
            case .human: print(human(outcome, width: width, showOutput: showOutput))
            }
        }
        if format == .human { print(summary(outcomes, elapsed: start.duration(to: clock.now))) }
        return outcomes
    }

    static func human(_ outcome: HostOutcome, width: Int, showOutput: Bool) -> String {
        let name = outcome.host.name.padding(toLength: max(width, outcome.host.name.count), withPad: " ", startingAt: 0)
        let took = DurationText.format(outcome.duration)
        switch outcome.result {
        case .failure(let error):
            return "\(name)  \(outcome.status.uppercased())  \(took)  \(VisibleText.escape(error.message, layout: .singleLine))"
        case .success(let result):
            var line = "\(name)  \(outcome.status.uppercased())  "
            if let signal = result.exitSignal { line += "killed by SIG\(signal)" } else { line += "exit \(result.exitStatus ?? -1)" }
            line += "  \(took)"
            guard showOutput else { return line }
            line += indented(result.stdoutTail, marker: "|", total: result.stdoutBytes)
            line += indented(result.stderrTail, marker: "!", total: result.stderrBytes)
            return line
        }
    }

    /// The output's lines under the host's line, each after `marker`, with every control character a host could
    /// send made visible (`VisibleText`).
    private static func indented(_ bytes: [UInt8], marker: String, total: Int) -> String {
        guard !bytes.isEmpty else { return "" }
        var text = VisibleText.escape(bytes)
        if text.hasSuffix("\n") { text.removeLast() }
        var out = ""
        if total > bytes.count { out += "\n    \(marker) … (\(total - bytes.count) earlier bytes not shown)" }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) { out += "\n    \(marker) \(line)" }
        return out
    }

    static func summary(_ outcomes: [HostOutcome], elapsed: Duration) -> String {
        var counts: [String: Int] = [:]
        for outcome in outcomes { counts[outcome.status, default: 0] += 1 }
        let order = ["ok", "failed", "timed_out", "unreachable", "refused"]
        let parts = order.compactMap { key in counts[key].map { "\($0) \(key.replacingOccurrences(of: "_", with: " "))" } }
        return "\(outcomes.count) host\(outcomes.count == 1 ? "" : "s"): \(parts.joined(separator: ", ")) in \(DurationText.format(elapsed))"
    }

    /// One JSON object per host; field names are stable (scripts parse them).
    static func json(_ outcome: HostOutcome) -> String {
        var object: [String: Any] = [
            "host": outcome.host.name,
            "address": outcome.host.connection.address,
            "status": outcome.status,
            "duration_ms": RunEventJSON.milliseconds(outcome.duration),
        ]
        switch outcome.result {
        case .success(let result):
            object["exit"] = result.exitStatus.map { Int($0) } ?? NSNull()
            object["signal"] = result.exitSignal ?? NSNull()
            object["stdout"] = result.stdout
            object["stderr"] = result.stderr
            object["stdout_bytes"] = result.stdoutBytes
            object["stderr_bytes"] = result.stderrBytes
        case .failure(let error):
            var fields: [String: Any] = ["code": error.code.rawValue, "message": error.message]
            // The transport's own name for the failure (`LIBSSH2_ERROR_SOCKET_RECV`), for scripts and bug reports.
            if let cause = error.cause { fields["cause"] = cause }
            object["error"] = fields
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
