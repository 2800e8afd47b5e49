import DroverModel

@testable import DroverLoading

/// Golden inventories beside these tests, found from this file's path (the package declares no resources).
enum Fixtures {
    static let directory: String = {
        let path = #filePath
        return String(path[..<path.lastIndex(of: "/")!]) + "/Fixtures"
    }()

    static func path(_ name: String) -> String {
        directory + "/" + name
    }

    /// The fixture's text.
    static func text(_ name: String) throws -> String {
        let bytes = try InventoryLoader.readFileForTests(path(name))
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Loads inventory text with a fixed user and home, so results do not depend on who runs the tests.
func loadInventory(
    _ text: String, path: String = "inventory.ini", user: String = "deploy", home: String? = "/home/deploy"
) throws -> Inventory {
    try InventoryLoader(homeDirectory: home).load(text: text, path: path, defaultUser: user)
}

/// The errors loading `text` reports, as printed; empty when it loads.
func loadErrors(_ text: String, path: String = "inventory.ini") -> [String] {
    do {
        _ = try loadInventory(text, path: path)
        return []
    } catch let errors as LoadErrors {
        return errors.errors.map(\.description)
    } catch {
        return ["unexpected error: \(error)"]
    }
}

extension InventoryLoader {
    static func readFileForTests(_ path: String) throws -> [UInt8] {
        try readFile(path)
    }
}
