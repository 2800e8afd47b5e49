#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads `group_vars/` and `host_vars/` beside an inventory file into a `RawInventory`, as Ansible's
/// `host_group_vars` plugin does.
///
/// For each group (and each host) the inventory names, the first of `<dir>/<name>`, `<name>.yml`, `<name>.yaml`,
/// `<name>.json` that exists is read; if it is a directory, every file in it (recursively, in sorted order, hidden
/// files, `~` backups and files with other extensions skipped) is read, later files overriding earlier ones.
/// Each file must hold a mapping of variable names to values (or be empty). Files for names the inventory does not
/// know are ignored, as in Ansible, except that `.yml`/`.yaml`/`.json` files among them are still parsed so a broken
/// one is reported rather than silently waiting for the day its group appears.
struct VarsDirectoryLoader {
    /// The extensions Ansible reads vars files with (`C.YAML_FILENAME_EXTENSIONS`), after the bare name.
    static let extensions = [".yml", ".yaml", ".json"]
    /// The most vars files one load reads.
    static let maximumFiles = 10_000
    /// The deepest directory nesting followed (symbolic links can make loops).
    static let maximumDepth = 16

    private var filesRead = 0
    private var stopped = false

    /// Adds the variables of `group_vars/` and `host_vars/` in `directory` (the inventory's; empty for the
    /// current one) to `raw`, and their errors to `errors`.
    static func load(into raw: inout RawInventory, directory: String, errors: inout ErrorCollector) {
        var loader = VarsDirectoryLoader()
        loader.load(Self.join(directory, "group_vars"), names: raw.groupOrder, errors: &errors) { variable, name in
            raw.setGroupFileVariable(name, variable)
        }
        loader.load(Self.join(directory, "host_vars"), names: raw.hostOrder, errors: &errors) { variable, name in
            raw.setHostFileVariable(name, variable)
        }
    }

    private mutating func load(
        _ directory: String, names: [String], errors: inout ErrorCollector,
        set: (RawInventory.Variable, String) -> Void
    ) {
        guard Self.kind(of: directory) == .directory, let entries = Self.list(directory) else { return }
        let present = Set(entries)
        var used: Set<String> = []
        for name in names {
            guard !stopped else { return }
            guard let entry = ([""] + Self.extensions).lazy.map({ name + $0 }).first(where: present.contains) else {
                continue
            }
            used.insert(entry)
            for file in files(at: Self.join(directory, entry), depth: 0, errors: &errors) {
                for variable in read(file, errors: &errors) { set(variable, name) }
            }
        }
        // Files no name claims are checked, not used.
        for entry in entries where !used.contains(entry) && Self.isVarsFileName(entry, allowBare: false) {
            for file in files(at: Self.join(directory, entry), depth: 0, errors: &errors) {
                _ = read(file, errors: &errors)
            }
        }
    }

    /// The vars files at `path`: the file itself, or the files in the directory, recursively, in sorted order.
    private mutating func files(at path: String, depth: Int, errors: inout ErrorCollector) -> [String] {
        switch Self.kind(of: path) {
        case .file: return [path]
        case .missing: return []
        case .special(let type):
            errors.add(Self.notRegular(path, type))
            return []
        case .directory:
            guard depth < Self.maximumDepth, let entries = Self.list(path) else {
                if depth >= Self.maximumDepth {
                    errors.add(
                        LoadError(
                            .limitExceeded, "vars directories nest more than \(Self.maximumDepth) deep; not read",
                            file: path))
                }
                return []
            }
            var found: [String] = []
            for entry in entries where !entry.hasPrefix(".") && !entry.hasSuffix("~") {
                let child = Self.join(path, entry)
                switch Self.kind(of: child) {
                case .directory where Self.pathExtension(entry).isEmpty:
                    found += files(at: child, depth: depth + 1, errors: &errors)
                case .file where Self.isVarsFileName(entry, allowBare: true):
                    found.append(child)
                case .special(let type) where Self.isVarsFileName(entry, allowBare: true):
                    errors.add(Self.notRegular(child, type))
                default: break
                }
            }
            return found
        }
    }

    /// The variables of one vars file; none (with errors) when it cannot be read or is not a mapping.
    private mutating func read(_ path: String, errors: inout ErrorCollector) -> [RawInventory.Variable] {
        guard !stopped else { return [] }
        filesRead += 1
        guard filesRead <= Self.maximumFiles else {
            errors.add(
                LoadError(.limitExceeded, "more than \(Self.maximumFiles) vars files; stopping here", file: path))
            stopped = true
            return []
        }
        let root: YAMLNode?
        do throws(LoadError) {
            let bytes = try InventoryLoader.readFile(path, kind: "a vars file")
            if let error = InventoryLoader.overlongLine(bytes, file: path) { throw error }
            root =
                try path.hasSuffix(".json")
                ? YAMLParser.parseJSON(bytes, file: path) : YAMLParser.parse(bytes, file: path)
        } catch {
            errors.add(error)
            return []
        }
        guard let root else { return [] }
        guard case .mapping(let pairs) = root.content else {
            errors.add(
                .invalidValue, "a vars file must be a mapping of variable names to values, found \(root.shown)",
                at: root.location)
            return []
        }
        return pairs.compactMap { YAMLInventoryParser.variable($0, errors: &errors) }
    }

    // MARK: - Names

    /// True for a name Ansible reads vars from: not hidden, not a `~` backup, and with one of `extensions` (or,
    /// when `allowBare`, none).
    private static func isVarsFileName(_ name: String, allowBare: Bool) -> Bool {
        guard !name.hasPrefix("."), !name.hasSuffix("~") else { return false }
        let ext = pathExtension(name)
        return ext.isEmpty ? allowBare : extensions.contains(ext)
    }

    /// Python's `os.path.splitext` extension: from the last `.`, unless the name only starts with dots.
    private static func pathExtension(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), name[..<dot].contains(where: { $0 != "." }) else { return "" }
        return String(name[dot...])
    }

    private static func join(_ directory: String, _ name: String) -> String {
        directory.isEmpty ? name : directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    // MARK: - File system

    private enum Kind: Equatable {
        case file, directory, missing
        /// A FIFO, a device or a socket: never read (a FIFO without a writer would block the load).
        case special(mode_t)
    }

    /// What is at `path`, following symbolic links; `.missing` when nothing (or a broken link) is.
    private static func kind(of path: String) -> Kind {
        var status = stat()
        guard stat(path, &status) == 0 else { return .missing }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        case let type: return .special(type)
        }
    }

    /// A vars file that is a FIFO, a device or a socket: refused, as every input file that is not a regular file is.
    private static func notRegular(_ path: String, _ type: mode_t) -> LoadError {
        LoadError(
            .unreadable,
            "is \(InventoryLoader.describe(fileType: type)), not a regular file; a vars file must be a regular file",
            file: path)
    }

    /// The names in a directory, sorted by Unicode scalars as Python sorts them; nil when it cannot be listed.
    private static func list(_ path: String) -> [String]? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
    }
}
