import ArgumentParser
import DroverLoading
import DroverModel
import Foundation

/// `drover validate FILE... [-i INVENTORY]`: every problem in every file, before anything connects.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check playbooks, policy and inventory files; print every problem as file:line:col: message.",
        discussion: """
            Playbooks are checked against the inventory given with -i (host patterns, delegate_to, template
            variables); without -i only what the file alone can tell is checked. Exit 0 when every file is valid,
            64 otherwise.
            """
    )

    @Argument(help: "Playbook, policy or inventory files (told apart by their contents).")
    var files: [String]

    @Option(name: .shortAndLong, help: "The inventory playbooks run against.")
    var inventory: String?

    @Option(
        name: .customLong("ssh-config"), help: ArgumentHelp("OpenSSH client config ('none' for none).", valueName: "path"))
    var sshConfig: String?

    func run() throws {
        var failed = false
        var loadedInventory: Inventory?
        if let inventory {
            do {
                loadedInventory = try CommandSupport.inventory(inventory, sshConfig: sshConfig)
                print("\(inventory): ok (inventory, \(counted(loadedInventory!.hosts.count, "host")))")
            } catch {
                failed = true
            }
        }
        for file in files {
            let kind = InputKind.of(path: file)
            do {
                let summary = try check(file, kind: kind, inventory: loadedInventory)
                print("\(file): ok (\(summary))")
            } catch let errors as LoadErrors {
                Terminal.error(errors.description)
                failed = true
            } catch let error as LoadError {
                Terminal.error(error.description)
                failed = true
            }
        }
        if failed { throw ExitCode(64) }
    }

    /// Loads and checks one file; returns a few words on what it holds.
    private func check(_ file: String, kind: InputKind, inventory: Inventory?) throws -> String {
        switch kind {
        case .playbook:
            let loaded = try PlaybookLoader().load(path: file)
            var note = "playbook, \(counted(loaded.playbook.stages.count, "stage"))"
            if let inventory {
                try PlaybookValidator(inventory: inventory).check(loaded)
            } else {
                note += "; hosts and variables not checked: pass -i INVENTORY"
            }
            return note
        case .policy:
            let policy = try PolicyLoader().load(path: file)
            return "policy, environments: \(policy.environments.keys.sorted().joined(separator: ", "))"
        case .inventory:
            let loaded = try InventoryLoader().load(path: file, defaultUser: InventoryLoader.currentUser())
            return "inventory, \(counted(loaded.hosts.count, "host"))" + (loaded.environment.map { ", environment \($0)" } ?? "")
        }
    }
}
