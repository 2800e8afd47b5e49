import ArgumentParser
import DroverEngine
import DroverLoading
import DroverModel
import Foundation

/// `drover window [--env ENV] [--at TIME] [--policy FILE] [-i INVENTORY]`: may work happen now (or at TIME)?
struct WindowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "window",
        abstract: "Say whether a maintenance window is open now (or at --at), why, and when that changes.",
        discussion: """
            Exit status: 0 when work is allowed at that instant, 4 when it is not, 64 for invalid input.
            The environment is --env, else the inventory's drover_environment. No policy file, or an
            environment the policy does not name, means no time restrictions (exit 0).
            """
    )

    @Option(help: "The environment (default: the inventory's drover_environment).")
    var env: String?

    @Option(help: "The instant to judge, ISO 8601 (default: now).", transform: InstantText.parse)
    var at: Date?

    @Option(name: .shortAndLong, help: "Ansible inventory: its drover_environment, and the policy.yml beside it.")
    var inventory: String?

    @OptionGroup var policyOptions: PolicyOptions

    @Option(help: "human or json (one object).")
    var output: OutputFormat = .human

    func validate() throws {
        if env == nil, inventory == nil { throw ValidationError("name the environment with --env or an inventory with -i") }
    }

    func run() throws {
        let environment = try env ?? CommandSupport.inventory(inventory!, sshConfig: "none").environment
        let (policy, source) = try policyOptions.load(inventoryPath: inventory)
        let instant = at ?? Date()
        let verdict = PolicyGate.verdict(policy: policy, environment: environment, at: instant)
        let zone = ZoneRules(identifier: policy?.timeZone ?? "UTC") ?? .utc
        switch output {
        case .human:
            print("\(environment ?? "(no environment)") at \(zone.describe(instant)) \(zone.identifier): \(verdict.sentence(in: zone))")
            if policy == nil { print(source) }
        case .json:
            print(Self.json(verdict, environment: environment, source: source))
        }
        if !verdict.allowed { throw ExitCode(4) }
    }

    static func json(_ verdict: WindowVerdict, environment: String?, source: String) -> String {
        func instant(_ date: Date?) -> Any { date.map(InstantText.format) ?? NSNull() }
        var closing: Any = NSNull()
        if let value = verdict.closing {
            closing = OpenSpan(start: verdict.instant, end: verdict.instant, window: nil, closing: value).closingText
        }
        let object: [String: Any] = [
            "environment": environment ?? NSNull(), "at": InstantText.format(verdict.instant),
            "allowed": verdict.allowed, "rule": verdict.ruleCode, "reason": verdict.reasonText,
            "closes_at": instant(verdict.closesAt), "closing": closing,
            "next_opening": instant(verdict.nextOpening), "next_window": verdict.nextWindow ?? NSNull(),
            "next_closes_at": instant(verdict.nextClosesAt), "policy": source,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
