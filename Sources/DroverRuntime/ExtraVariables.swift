public import DroverJournal
public import DroverModel
import Foundation

/// `-e NAME=VALUE` as a run records them and as a resume must give them back: exactly the same values, so a fleet
/// never ends half on one release and half on another.
///
/// A variable whose name looks like a secret (`SecretMask.isSecret`: pass, secret, token, key) is never written to
/// the journal: only a salted SHA-256 of its value is, and a resume must be given the value again, which is checked
/// against it.
public struct ExtraVariables: Sendable, Hashable {
    public struct Assignment: Sendable, Hashable {
        public var name: String
        public var value: String
    }

    /// In the order given; a later assignment of the same name wins, as Ansible's `-e` does.
    public var assignments: [Assignment]

    public init(_ assignments: [Assignment] = []) {
        self.assignments = assignments
    }

    /// Parses `NAME=VALUE` arguments.
    /// - Throws: `RuntimeError` (64) naming the first argument that is not `NAME=VALUE`.
    public static func parse(_ arguments: [String]) throws(RuntimeError) -> ExtraVariables {
        var assignments: [Assignment] = []
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "="), Template.isName(argument[..<equals]) else {
                throw .invalidInput("--extra-var \(argument): expected NAME=VALUE")
            }
            assignments.append(
                Assignment(name: String(argument[..<equals]), value: String(argument[argument.index(after: equals)...])))
        }
        return ExtraVariables(assignments)
    }

    /// The values by name, for the playbook's `vars` (the last assignment of a name wins).
    public var values: [String: InventoryValue] {
        var values: [String: InventoryValue] = [:]
        for assignment in assignments { values[assignment.name] = .string(assignment.value) }
        return values
    }

    /// What the journal keeps: values, except a digest in place of each secret's value.
    public func recorded(salt: String = ExtraVariables.newSalt()) -> [RunInputs.ExtraVar] {
        assignments.map { assignment in
            SecretMask.isSecret(assignment.name)
                ? RunInputs.ExtraVar(
                    name: assignment.name, value: nil,
                    digest: Self.digest(assignment.value, name: assignment.name, salt: salt))
                : RunInputs.ExtraVar(name: assignment.name, value: assignment.value)
        }
    }

    /// The variables a resume runs with: the recorded ones, with each secret's value taken from `given` (and
    /// checked). `given` may repeat a recorded plain value but not change it, and may not add a variable.
    /// - Parameters:
    ///   - recorded: the run's `RunInputs.extraVars`.
    ///   - given: `-e` on the resume's command line.
    ///   - run: the run id, for the sentences.
    /// - Throws: `RuntimeError` (64) saying what differs and what to do.
    public static func forResume(recorded: [RunInputs.ExtraVar], given: ExtraVariables, run: String) throws(RuntimeError)
        -> ExtraVariables
    {
        let givenValues = given.assignments.reduce(into: [String: String]()) { $0[$1.name] = $1.value }
        var problems: [String] = []
        var result: [Assignment] = []
        for variable in recorded {
            let offered = givenValues[variable.name]
            if let value = variable.value {
                if let offered, offered != value {
                    problems.append(
                        "run \(run) was started with -e \(variable.name)=\(value); a resume runs with the same values "
                            + "(leave -e \(variable.name) out, or start a new run for \(variable.name)=\(offered))")
                }
                result.append(Assignment(name: variable.name, value: value))
            } else if let offered {
                guard let digest = variable.digest, Self.matches(offered, name: variable.name, digest: digest) else {
                    problems.append(
                        "the value given for -e \(variable.name) is not the one run \(run) was started with")
                    continue
                }
                result.append(Assignment(name: variable.name, value: offered))
            } else {
                problems.append(
                    "run \(run) was started with -e \(variable.name), a secret the journal does not keep: give it "
                        + "again (-e \(variable.name)=…)")
            }
        }
        let known = Set(recorded.map(\.name))
        for assignment in given.assignments where !known.contains(assignment.name) {
            problems.append(
                "run \(run) was started without -e \(assignment.name); a resume runs with the inputs the run "
                    + "recorded (leave it out, or start a new run)")
        }
        guard problems.isEmpty else { throw .invalidInput(problems.joined(separator: "\n")) }
        return ExtraVariables(result)
    }

    /// `sha256:SALT:HEX` of a secret's value.
    static func digest(_ value: String, name: String, salt: String) -> String {
        "sha256:\(salt):" + EventChain.sha256(Data("\(salt):\(name):\(value)".utf8))
    }

    static func matches(_ value: String, name: String, digest: String) -> Bool {
        let parts = digest.split(separator: ":", maxSplits: 2)
        guard parts.count == 3, parts[0] == "sha256" else { return false }
        return Self.digest(value, name: name, salt: String(parts[1])) == digest
    }

    /// 16 random hex digits.
    public static func newSalt() -> String {
        (0..<8).map { _ in
            let byte = UInt8.random(in: 0...255)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }
}

extension RunTargets {
    /// SHA-256 (hex) over the targets as resolved: names, groups, connection settings and variables, in order. A
    /// resume whose inventory (or ssh_config) now resolves to anything else is refused.
    public static func digest(_ hosts: [DroverModel.Host]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(hosts)) ?? Data()
        return EventChain.sha256(data)
    }
}
