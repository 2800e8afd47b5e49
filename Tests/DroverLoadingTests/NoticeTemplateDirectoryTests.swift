import DroverModel
import Foundation
import Testing

@testable import DroverLoading

/// Notice template files are read only from one directory (the policy's, or the one it names), and a command
/// target's extra environment variables are names, never values.
@Suite struct NoticeTemplateDirectoryTests {
    let root: String
    let policyDirectory: String

    /// `root/policies/policy.yml` (written per test), `root/policies/notices/started.mustache`,
    /// `root/secret.txt`, and `root/policies/notices/link.mustache`, a symbolic link to the secret.
    init() throws {
        let manager = FileManager.default
        root = NSTemporaryDirectory() + "drover-templates-" + UUID().uuidString
        policyDirectory = root + "/policies"
        try manager.createDirectory(atPath: policyDirectory + "/notices", withIntermediateDirectories: true)
        try "Starting {{change_id}}".write(
            toFile: policyDirectory + "/notices/started.mustache", atomically: true, encoding: .utf8)
        try "root:$6$not-for-webhooks".write(toFile: root + "/secret.txt", atomically: true, encoding: .utf8)
        try manager.createSymbolicLink(
            atPath: policyDirectory + "/notices/link.mustache", withDestinationPath: "../../secret.txt")
    }

    /// The policy with `notify` lines under `notify:` (indented two spaces), loaded: templates, or error lines.
    func load(_ notify: String) -> Result<[NotifyEvent: String], Failure> {
        let path = policyDirectory + "/policy.yml"
        do {
            try ("environments: { production: {} }\nnotify:\n  targets: [{ command: /bin/true }]\n" + notify)
                .write(toFile: path, atomically: true, encoding: .utf8)
            return .success(try PolicyLoader().load(path: path).notify?.templates ?? [:])
        } catch let errors as LoadErrors {
            return .failure(Failure(lines: errors.errors.map(\.description)))
        } catch {
            return .failure(Failure(lines: ["\(error)"]))
        }
    }

    struct Failure: Error, Equatable {
        var lines: [String]
    }

    @Test func aTemplateBesideThePolicyIsRead() {
        #expect(load("  templates: { started: { file: notices/started.mustache } }\n") == .success([.started: "Starting {{change_id}}"]))
    }

    @Test(arguments: [
        ("/etc/shadow", "/etc/shadow"),
        ("../secret.txt", "../secret.txt"),
        ("SECRET", "SECRET"),
        ("notices/link.mustache", "notices/link.mustache"),
        ("notices/../../secret.txt", "notices/../../secret.txt"),
    ])
    func aTemplateOutsideThePolicysDirectoryIsRefusedAtItsPlace(file: String, shown: String) throws {
        let file = file == "SECRET" ? root + "/secret.txt" : file
        let shown = shown == "SECRET" ? root + "/secret.txt" : shown
        let result = load("  templates:\n    started: { file: \"\(file)\" }\n")
        let realDirectory = try PolicyReader.realPath(policyDirectory).get()
        guard case .failure(let failure) = result else {
            Issue.record("loaded \(result)")
            return
        }
        #expect(failure.lines.count == 1)
        let line = try #require(failure.lines.first)
        #expect(line.hasPrefix(policyDirectory + "/policy.yml:5:22: the started template of notify: "), "\(line)")
        #expect(line.contains("is outside \(realDirectory), the one directory notice templates are read from"), "\(line)")
        #expect(line.contains(String(shown.prefix(20))), "\(line)")
        #expect(!line.contains("not-for-webhooks"))
    }

    @Test func aDirectoryThePolicyNamesAllowsItsFiles() {
        let result = load("  template_directory: ..\n  templates: { started: { file: secret.txt } }\n")
        #expect(result == .success([.started: "root:$6$not-for-webhooks"]))
        // The named directory is the only one: the policy's own is no longer allowed.
        let outside = load("  template_directory: \(root)/elsewhere\n  templates: { started: { file: notices/started.mustache } }\n")
        guard case .failure(let failure) = outside else {
            Issue.record("loaded \(outside)")
            return
        }
        #expect(failure.lines.count == 1, "\(failure.lines)")
        // (The directory is quoted shortened, as every quoted value is.)
        #expect(failure.lines.first?.contains("the template directory '") == true)
        #expect(failure.lines.first?.hasSuffix("' cannot be read: No such file or directory") == true)
    }

    @Test func commandTargetsNameTheVariablesTheyAreGiven() throws {
        let policy = try PolicyLoader().load(
            text: "environments: { production: {} }\nnotify:\n  targets:\n"
                + "    - { command: /bin/page, environment: [PAGER_TOKEN, SITE, PAGER_TOKEN] }\n", path: "p.yml")
        #expect(policy.notify?.targets.first?.delivery == .command("/bin/page", environment: ["PAGER_TOKEN", "SITE"]))
    }

    @Test(arguments: [
        ("    - { command: /bin/page, environment: [\"s3cr3t value\"] }\n",
         "p.yml:4:43: each entry of environment of notify target 1 must name an environment variable (letters, digits and _, such as PAGER_TOKEN), not hold its value"),
        ("    - { command: /bin/page, environment: PAGER_TOKEN }\n",
         "p.yml:4:42: environment of notify target 1 must be a list, found 'PAGER_TOKEN'"),
        ("    - { webhook: \"https://hooks.example/x\", environment: [A] }\n",
         "p.yml:4:45: environment in notify target 1 goes with 'command' only (a webhook's headers name their variables)"),
    ])
    func badEnvironmentListsAreRefused(target: String, expected: String) {
        do {
            _ = try PolicyLoader().load(
                text: "environments: { production: {} }\nnotify:\n  targets:\n" + target, path: "p.yml")
            Issue.record("loaded")
        } catch {
            #expect(error.errors.map(\.description) == [expected])
        }
    }
}
