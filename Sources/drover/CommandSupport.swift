import ArgumentParser
import DroverLoading
import DroverModel
import Foundation

/// Loading shared by commands: bad files become exit 64 with every `file:line:col: message`.
enum CommandSupport {
    /// The inventory's hosts that match `limit` (Ansible patterns, `@file` allowed).
    static func hosts(inventory: String, limit: String) throws -> [Host] {
        do {
            let loaded = try InventoryLoader().load(path: inventory, defaultUser: InventoryLoader.currentUser())
            return try loaded.hosts(matching: HostPatternLoader.load(limit))
        } catch let errors as LoadErrors {
            Terminal.error(errors.description)
        } catch let error as LoadError {
            Terminal.error(error.description)
        } catch let error as HostPatternError {
            Terminal.error("--limit: \(error.message)")
        }
        throw ExitCode(64)
    }
}
