import DroverModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Loads an Ansible inventory file into an `Inventory`: parse (INI), then resolve (groups, precedence,
/// connection settings), reporting every error as `file:line:col: message`.
///
/// Only the INI format is read so far; a `.yml`/`.yaml`/`.json` file is refused with a clear error.
public struct InventoryLoader: Sendable {
    /// The largest inventory file read.
    public static let maximumFileSize = 64 << 20

    /// The directory `~` expands to in paths; nil leaves `~` as written.
    public var homeDirectory: String?

    /// A loader expanding `~` with `homeDirectory` (pass `InventoryLoader.environmentHome()` for `$HOME`).
    public init(homeDirectory: String?) {
        self.homeDirectory = homeDirectory
    }

    /// A loader expanding `~` with `$HOME`.
    public init() {
        self.init(homeDirectory: Self.environmentHome())
    }

    /// Reads and resolves the inventory at `path`.
    /// - Parameters:
    ///   - path: the inventory file; relative paths inside it are taken relative to its directory.
    ///   - defaultUser: the SSH user for hosts without `ansible_user` (see `currentUser()`).
    /// - Throws: `LoadErrors` listing every problem, each as `file:line:col: message`.
    public func load(path: String, defaultUser: String) throws -> Inventory {
        let lowercased = path.lowercased()
        if lowercased.hasSuffix(".yml") || lowercased.hasSuffix(".yaml") || lowercased.hasSuffix(".json") {
            throw LoadErrors([
                LoadError(
                    .unsupportedFormat, "only INI inventories are supported so far (YAML is planned)", file: path)
            ])
        }
        let contents: [UInt8]
        do throws(LoadError) {
            contents = try Self.readFile(path)
        } catch {
            throw LoadErrors([error])
        }
        return try load(contents: contents, path: path, defaultUser: defaultUser)
    }

    /// Parses and resolves inventory text already in memory; `path` names it in errors and locates relative paths.
    /// - Throws: `LoadErrors` listing every problem.
    public func load(contents: [UInt8], path: String, defaultUser: String) throws -> Inventory {
        var errors = ErrorCollector()
        let raw = INIInventoryParser.parse(contents, file: path, errors: &errors)
        let resolver = InventoryResolver(
            connections: ConnectionResolver(
                defaultUser: defaultUser, homeDirectory: homeDirectory, baseDirectory: Self.directory(of: path)))
        let inventory = resolver.resolve(raw, errors: &errors)
        if let inventory, errors.isEmpty { return inventory }
        throw LoadErrors(errors.sorted())
    }

    /// Parses and resolves inventory text already in memory.
    /// - Throws: `LoadErrors` listing every problem.
    public func load(text: String, path: String, defaultUser: String) throws -> Inventory {
        try load(contents: Array(text.utf8), path: path, defaultUser: defaultUser)
    }

    /// The user to log in as when the inventory names none: `$USER`, else `root`.
    public static func currentUser(environment: [String: String]? = nil) -> String {
        let user = environment.map { $0["USER"] } ?? getenv("USER").map { String(cString: $0) }
        guard let user, !user.isEmpty else { return "root" }
        return user
    }

    /// `$HOME`, if set.
    public static func environmentHome() -> String? {
        guard let home = getenv("HOME").map({ String(cString: $0) }), !home.isEmpty else { return nil }
        return home
    }

    /// The directory part of `path` (`envs/prod` for `envs/prod/hosts.ini`); empty for a bare file name.
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The file's bytes.
    /// - Parameters:
    ///   - kind: what the file holds, for messages ("inventory", "policy").
    ///   - limit: the most bytes read before the file is refused as too large.
    /// - Throws: `LoadError` (`unreadable`) saying why not: missing, a directory, permissions, too large.
    static func readFile(
        _ path: String, describing kind: String = "inventory", limit: Int = maximumFileSize
    ) throws(LoadError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw unreadable(path, errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw unreadable(path, errno) }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            throw LoadError(.unreadable, "is a directory; name the \(kind) file itself", file: path)
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw unreadable(path, errno)
            }
            if count == 0 { break }
            bytes += chunk[..<count]
            guard bytes.count <= limit else {
                throw LoadError(
                    .unreadable, "is larger than \(limit >> 20) MiB, too large for \("aeiou".contains(kind.prefix(1)) ? "an" : "a") \(kind) file", file: path)
            }
        }
        return bytes
    }

    private static func unreadable(_ path: String, _ code: Int32) -> LoadError {
        LoadError(.unreadable, "cannot read the file: \(String(cString: strerror(code)))", file: path)
    }
}
