import DroverModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Loads an Ansible inventory file into an `Inventory`: parse (INI, YAML or JSON, chosen by `InventoryFormat`), add
/// `group_vars/` and `host_vars/` beside it (`VarsDirectoryLoader`), then resolve (groups, precedence, connection
/// settings), reporting every error as `file:line:col: message`.
public struct InventoryLoader: Sendable {
    /// The largest inventory file read.
    public static let maximumFileSize = 64 << 20
    /// The longest line of an inventory or vars file (a generated file with one 20 MB line was accepted, slowly).
    public static let maximumLineLength = 1 << 20

    /// The directory `~` expands to in paths; nil leaves `~` as written.
    public var homeDirectory: String?

    /// The OpenSSH client configuration consulted for every host (parsed once); nil for none.
    ///
    /// Inventory variables and `ansible_ssh_*_args` options win over it; it wins over defaults.
    public var sshConfig: SSHConfig?

    /// A loader expanding `~` with `homeDirectory` (pass `InventoryLoader.environmentHome()` for `$HOME`).
    public init(homeDirectory: String?, sshConfig: SSHConfig? = nil) {
        self.homeDirectory = homeDirectory
        self.sshConfig = sshConfig
    }

    /// A loader that also consults the ssh_config file at `sshConfigPath`, read now, once.
    /// - Parameters:
    ///   - sshConfigPath: the file; nil, or a path where no file exists, means no configuration.
    /// - Throws: `LoadErrors` when the file exists but cannot be read or has errors.
    public init(homeDirectory: String?, sshConfigPath: String?) throws(LoadErrors) {
        self.homeDirectory = homeDirectory
        self.sshConfig = try sshConfigPath.flatMap { path throws(LoadErrors) in
            try SSHConfig.loadIfPresent(path: path, homeDirectory: homeDirectory)
        }
    }

    /// `~/.ssh/config` under `homeDirectory`; nil without a home directory.
    public static func defaultSSHConfigPath(homeDirectory: String?) -> String? {
        homeDirectory.map { ($0.hasSuffix("/") ? $0 : $0 + "/") + ".ssh/config" }
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
        let contents: [UInt8]
        do throws(LoadError) {
            contents = try Self.readFile(path)
        } catch {
            throw LoadErrors([error])
        }
        return try load(contents: contents, path: path, defaultUser: defaultUser, readingVarsDirectories: true)
    }

    /// Parses and resolves inventory text already in memory; `path` names it in errors, chooses the format and
    /// locates relative paths. No `group_vars/` or `host_vars/` are read.
    /// - Throws: `LoadErrors` listing every problem.
    public func load(contents: [UInt8], path: String, defaultUser: String) throws -> Inventory {
        try load(contents: contents, path: path, defaultUser: defaultUser, readingVarsDirectories: false)
    }

    private func load(
        contents: [UInt8], path: String, defaultUser: String, readingVarsDirectories: Bool
    ) throws -> Inventory {
        if let error = Self.overlongLine(contents, file: path) { throw LoadErrors([error]) }
        var errors = ErrorCollector()
        var raw: RawInventory
        switch InventoryFormat(path: path, contents: contents) {
        case .ini: raw = INIInventoryParser.parse(contents, file: path, errors: &errors)
        case .yaml: raw = YAMLInventoryParser.parse(contents, file: path, errors: &errors)
        case .json: raw = YAMLInventoryParser.parse(contents, file: path, json: true, errors: &errors)
        }
        if readingVarsDirectories {
            VarsDirectoryLoader.load(into: &raw, directory: Self.directory(of: path), errors: &errors)
        }
        let resolver = InventoryResolver(
            connections: ConnectionResolver(
                defaultUser: defaultUser, homeDirectory: homeDirectory, baseDirectory: Self.directory(of: path),
                sshConfig: sshConfig))
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
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// An error at the first line longer than `maximumLineLength` (at the byte past the limit), if there is one.
    static func overlongLine(_ bytes: [UInt8], file: String) -> LoadError? {
        bytes.withUnsafeBufferPointer { buffer -> LoadError? in
            var line = 1
            var lineStart = 0
            for index in 0..<buffer.count where buffer[index] == 0x0A {
                if index - lineStart > maximumLineLength { break }
                line += 1
                lineStart = index + 1
            }
            let end = buffer[lineStart...].firstIndex(of: 0x0A) ?? buffer.count
            guard end - lineStart > maximumLineLength else { return nil }
            return LoadError(
                .limitExceeded,
                "the line is longer than \(maximumLineLength >> 20) MiB (\(end - lineStart) bytes); an inventory line may be at most \(maximumLineLength >> 20) MiB",
                at: SourceLocation(file: file, line: line, column: maximumLineLength + 1))
        }
    }

    /// True when something exists at `path` (a file, a directory, anything `stat` finds).
    static func fileExists(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0
    }

    /// The file's bytes.
    ///
    /// Only a regular file is read. The file is opened without blocking (`O_NONBLOCK`: opening a FIFO that has no
    /// writer would otherwise wait forever) and the opened descriptor is checked, so nothing can be swapped in
    /// between a check and the read; a FIFO, a device or a socket is refused with a sentence.
    /// - Parameters:
    ///   - limit: the largest size read.
    ///   - kind: what the file is, for messages ("an inventory").
    /// - Throws: `LoadError` (`unreadable`) saying why not: missing, a directory or other non-regular file,
    ///   permissions, too large.
    static func readFile(
        _ path: String, limit: Int = maximumFileSize, kind: String = "an inventory"
    ) throws(LoadError) -> [UInt8] {
        // O_NONBLOCK changes nothing for reads of a regular file, the only kind read past the check below.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard descriptor >= 0 else { throw unreadable(path, errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw unreadable(path, errno) }
        let type = status.st_mode & S_IFMT
        if type == S_IFDIR {
            throw LoadError(.unreadable, "is a directory; name the file itself", file: path)
        }
        guard type == S_IFREG else {
            throw LoadError(
                .unreadable, "is \(Self.describe(fileType: type)), not a regular file; \(kind) must be a regular file",
                file: path)
        }
        guard Int(status.st_size) <= limit else { throw tooLarge(path, limit: limit, kind: kind) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(status.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw unreadable(path, errno)
            }
            if count == 0 { break }
            bytes += chunk[..<count]
            // The file may grow while it is read.
            guard bytes.count <= limit else { throw tooLarge(path, limit: limit, kind: kind) }
        }
        return bytes
    }

    /// `a named pipe (FIFO)`, `a character device`… for a file type from `st_mode`.
    static func describe(fileType type: mode_t) -> String {
        switch type {
        case S_IFIFO: return "a named pipe (FIFO)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFDIR: return "a directory"
        case S_IFLNK: return "a symbolic link"
        default: return "a special file"
        }
    }

    private static func tooLarge(_ path: String, limit: Int, kind: String) -> LoadError {
        let size = limit >= 1 << 20 ? "\(limit >> 20) MiB" : "\(limit >> 10) KiB"
        return LoadError(.unreadable, "is larger than \(size), too large for \(kind)", file: path)
    }

    private static func unreadable(_ path: String, _ code: Int32) -> LoadError {
        LoadError(.unreadable, "cannot read the file: \(String(cString: strerror(code)))", file: path)
    }
}
