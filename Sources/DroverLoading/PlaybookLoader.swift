import DroverModel

/// Loads a playbook file (SPEC section 3) into a `Playbook`, with a source map for later checks, reporting every
/// problem as `file:line:col: message`.
///
/// The loader checks everything the file alone can tell: keys (with "did you mean"), types, ranges, `serial`
/// entries, durations, the change id's shape, one action per step, the `when` grammar, `{{ }}` syntax, unique stage
/// names and host pattern syntax. What needs an inventory or the disk is `PlaybookValidator`'s job.
public struct PlaybookLoader: Sendable {
    /// The largest playbook read: as for a policy, 1 MiB, some two hundred times a long runbook. Yams composes the
    /// whole document before any limit on its contents applies, at up to 150 bytes of memory per byte of YAML.
    public static let maximumFileSize = 1 << 20

    public init() {}

    /// Reads and checks the playbook at `path` (kept as given in `Playbook.path` and in messages).
    /// - Throws: `LoadErrors` listing every problem.
    public func load(path: String) throws -> LoadedPlaybook {
        let contents: [UInt8]
        do throws(LoadError) {
            contents = try InventoryLoader.readFile(path, limit: Self.maximumFileSize, kind: "a playbook")
        } catch {
            throw LoadErrors([error])
        }
        return try load(contents: contents, path: path)
    }

    /// The playbook file's bytes as `load(path:)` reads them (a regular file, at most `maximumFileSize`), for
    /// hashing what a run used.
    /// - Throws: `LoadError` saying why it cannot be read.
    public static func contents(path: String) throws(LoadError) -> [UInt8] {
        try InventoryLoader.readFile(path, limit: maximumFileSize, kind: "a playbook")
    }

    /// Reads playbook text already in memory; `path` names it in errors and locates relative paths.
    /// - Throws: `LoadErrors` listing every problem.
    public func load(text: String, path: String) throws -> LoadedPlaybook {
        try load(contents: Array(text.utf8), path: path)
    }

    /// Reads playbook bytes already in memory.
    /// - Throws: `LoadErrors` listing every problem.
    public func load(contents: [UInt8], path: String) throws -> LoadedPlaybook {
        guard contents.count <= Self.maximumFileSize else {
            throw LoadErrors([
                LoadError(.unreadable, "is larger than \(Self.maximumFileSize >> 20) MiB, too large for a playbook", file: path)
            ])
        }
        let shielded = TemplateShield.shield(contents)
        var root: YAMLNode?
        do throws(LoadError) {
            root = try YAMLParser.parse(shielded.bytes, file: path)
        } catch {
            throw LoadErrors([error])
        }
        guard var root else {
            throw LoadErrors([LoadError(.missingKey, "the playbook is empty; it needs a name and stages", file: path)])
        }
        if shielded.shielded { TemplateShield.restore(&root) }
        var reader = PlaybookReader(file: path, source: contents)
        let loaded = reader.read(root)
        if let loaded, reader.errors.isEmpty { return loaded }
        if reader.errors.isEmpty {
            throw LoadErrors([LoadError(.invalidValue, "the playbook could not be read", file: path)])
        }
        throw LoadErrors(reader.errors.sorted())
    }
}
