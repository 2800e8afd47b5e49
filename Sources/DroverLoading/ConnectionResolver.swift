// Slightly over the house's ~400 lines: every Ansible connection variable and its ssh_config counterpart in one
// place, so their precedence is read in one sitting.
import DroverModel

/// Turns one host's merged variables into `ConnectionSettings`.
///
/// Reads `ansible_host`, `ansible_port`, `ansible_user`, `ansible_ssh_private_key_file` (and their deprecated
/// `ansible_ssh_*` spellings, which lose to the primary ones), `ansible_ssh_args`, `ansible_ssh_common_args` and
/// `ansible_ssh_extra_args` (see `SSHArguments`), `ansible_host_key_checking`, `drover_password_env`,
/// `drover_password_file`, `drover_passphrase_env`, and an `ansible_password` of the form
/// `{{ lookup('env', 'VAR') }}` or `{{ lookup('file', 'PATH') }}`. An explicit `ansible_*` variable wins over the
/// same option in the SSH arguments. Paths expand `~` and are taken relative to the inventory's directory.
///
/// With an `sshConfig`, it is consulted as ssh consults it after Ansible's `-o`/`-p`/`-l` options: for the host
/// `ansible_host` (else the inventory name), filling only what the variables and SSH arguments left unset
/// (`IdentityFile`s are added after theirs). Jump hosts get their `HostName`, `User` and `Port` from it too.
struct ConnectionResolver {
    typealias Variables = [String: RawInventory.Variable]

    /// The variables that hold a password in Ansible.
    static let passwordVariables = ["ansible_password", "ansible_ssh_pass", "ansible_ssh_password"]
    /// The variables that hold a `become` (sudo) password in Ansible; read by the engine, checked here.
    static let becomePasswordVariables = ["ansible_become_password", "ansible_become_pass"]

    var defaultUser: String
    var homeDirectory: String?
    /// The inventory's directory, for relative paths; empty means the current directory.
    var baseDirectory: String
    /// The OpenSSH client configuration to consult, if any.
    var sshConfig: SSHConfig? = nil

    /// The longest chain of jump hosts that ssh_config may lead to through their own `ProxyJump`s.
    static let maximumJumpDepth = 16

    /// The settings, or the errors that prevent them.
    func resolve(hostName: String, vars: Variables) -> Result<ConnectionSettings, ErrorList> {
        var errors: [LoadError] = []
        func variable(_ names: String...) -> RawInventory.Variable? {
            names.lazy.compactMap { vars[$0] }.first
        }
        func fail(_ code: LoadError.Code, _ message: String, _ variable: RawInventory.Variable) {
            errors.append(LoadError(code, message, at: variable.location))
        }

        var address: String?
        if let host = variable("ansible_host", "ansible_ssh_host") {
            if let text = Self.text(host.value), !text.isEmpty, !text.contains(where: \.isWhitespace) {
                address = text
            } else {
                fail(
                    .invalidValue, "\(host.name) must be a host name or address, found \(Self.shown(host.value))", host)
            }
        }
        var port: Int?
        if let variable = variable("ansible_port", "ansible_ssh_port") {
            if let number = Self.port(variable.value) {
                port = number
            } else {
                fail(
                    .invalidValue,
                    "\(variable.name) must be a number from 1 to 65535, found \(Self.shown(variable.value))", variable)
            }
        }
        var user: String?
        if let variable = variable("ansible_user", "ansible_ssh_user") {
            if let text = Self.text(variable.value), !text.isEmpty {
                user = text
            } else {
                fail(
                    .invalidValue, "\(variable.name) must be a user name, found \(Self.shown(variable.value))", variable
                )
            }
        }
        var identityFiles: [String] = []
        if let variable = variable("ansible_ssh_private_key_file", "ansible_private_key_file") {
            if let text = Self.text(variable.value) {
                if !text.isEmpty { identityFiles.append(expandPath(text)) }
            } else {
                fail(
                    .invalidValue, "\(variable.name) must be a file path, found \(Self.shown(variable.value))", variable
                )
            }
        }

        var arguments = SSHArguments()
        var argumentsLocation: RawInventory.Variable?
        for name in ["ansible_ssh_args", "ansible_ssh_common_args", "ansible_ssh_extra_args"] {
            guard let variable = vars[name] else { continue }
            guard let text = variable.value.stringValue else {
                fail(.invalidValue, "\(name) must be a string of ssh arguments", variable)
                continue
            }
            argumentsLocation = argumentsLocation ?? variable
            for problem in arguments.read(text) {
                fail(problem.code, "in \(name): \(problem.message)", variable)
            }
        }
        if let variable = variable("ansible_host_key_checking", "ansible_ssh_host_key_checking") {
            switch Self.boolean(variable.value) {
            case true?: break
            case false?:
                fail(
                    .insecureOption,
                    "\(variable.name) is false, which would disable host key checking; Drover always "
                        + "checks (use -o StrictHostKeyChecking=accept-new to record keys of new hosts)",
                    variable)
            case nil:
                fail(
                    .invalidValue, "\(variable.name) must be true or false, found \(Self.shown(variable.value))",
                    variable)
            }
        }
        let hostArgument = address ?? hostName
        let config = sshConfig?.options(forHost: hostArgument, hostName: arguments.hostName)

        var policy = arguments.hostKeyPolicy ?? .strict
        var policyLocation = arguments.hostKeyPolicy == nil ? nil : argumentsLocation?.location
        if arguments.hostKeyPolicy == nil, let checking = config?.hostKeyChecking {
            switch checking.value {
            case .policy(let configured):
                policy = configured
                policyLocation = checking.location
            case .disabled(let value):
                let problem = SSHArguments.hostKeyCheckingDisabled(value)
                errors.append(LoadError(problem.code, problem.message, at: checking.location))
            }
        }
        var knownHostsFiles = (arguments.knownHostsFiles ?? []).map(expandPath)
        var knownHostsLocation = arguments.knownHostsFiles == nil ? nil : argumentsLocation?.location
        var configPaths: [(path: String, location: SourceLocation)] = []
        if arguments.knownHostsFiles == nil, let files = config?.knownHostsFiles {
            if files.value.count == 1 && files.value[0].lowercased() == "none" {
                let problem = SSHArguments.noKnownHostsFile
                errors.append(LoadError(problem.code, problem.message, at: files.location))
            } else {
                knownHostsLocation = files.location
                configPaths += files.value.map { ($0, files.location) }
            }
        }
        if let configIdentities = config?.identityFiles {
            configPaths += configIdentities.map { ($0.value, $0.location) }
        }
        for file in arguments.identityFiles.map(expandPath) where !identityFiles.contains(file) {
            identityFiles.append(file)
        }

        let finalAddress =
            address ?? arguments.hostName
            ?? config?.hostName.map { SSHConfigParser.expandTokens($0.value, ["h": hostArgument]) } ?? hostName
        let finalPort = port ?? arguments.port ?? config?.port?.value ?? 22
        let finalUser = user ?? arguments.user ?? config?.user?.value ?? defaultUser
        if let config {
            // Tokens in ssh_config paths, once the host, port and users are known.
            let tokens: [Character: String] = [
                "d": homeDirectory ?? "~", "h": finalAddress, "n": hostArgument, "p": String(finalPort),
                "r": finalUser, "u": defaultUser,
            ]
            let knownHostsCount = arguments.knownHostsFiles == nil ? (config.knownHostsFiles?.value.count ?? 0) : 0
            for (index, entry) in configPaths.enumerated() {
                let path = expandHome(SSHConfigParser.expandTokens(entry.path, tokens))
                if index < knownHostsCount {
                    knownHostsFiles.append(path)
                } else if !identityFiles.contains(path) {
                    identityFiles.append(path)
                }
            }
        }
        if policy == .acceptNew, knownHostsFiles.contains("/dev/null"),
            let location = knownHostsLocation ?? policyLocation
        {
            errors.append(
                LoadError(
                    .insecureOption,
                    "UserKnownHostsFile=/dev/null with StrictHostKeyChecking=accept-new would accept any host key, "
                        + "every time; name a real known_hosts file",
                    at: location))
        }

        var proxyJump: [ConnectionSettings.Jump] = []
        if let hops = arguments.proxyJump {
            proxyJump = resolveJumps(hops, depth: 0, at: argumentsLocation?.location, errors: &errors)
        } else if let proxy = config?.proxy {
            switch proxy.value {
            case .proxyJump(let hops): proxyJump = resolveJumps(hops, depth: 0, at: proxy.location, errors: &errors)
            case .proxyCommand(isNone: false):
                let problem = SSHArguments.proxyCommandUnsupported
                errors.append(LoadError(problem.code, problem.message, at: proxy.location))
            default: break
            }
        }

        var password: ConnectionSettings.PasswordSource?
        let passwordEnvironment = vars["drover_password_env"]
        let passwordFile = vars["drover_password_file"]
        if let passwordEnvironment, let passwordFile {
            let later = passwordFile.location > passwordEnvironment.location ? passwordFile : passwordEnvironment
            fail(.invalidValue, "set only one of drover_password_env and drover_password_file", later)
        } else if let passwordEnvironment {
            if let name = environmentName(passwordEnvironment, errors: &errors) { password = .environment(name) }
        } else if let passwordFile {
            if let text = Self.text(passwordFile.value), !text.isEmpty {
                password = .file(expandPath(text))
            } else {
                fail(.invalidValue, "drover_password_file must be a file path", passwordFile)
            }
        } else if let literal = variable("ansible_password", "ansible_ssh_pass", "ansible_ssh_password"),
            let text = literal.value.stringValue
        {
            // A literal was reported once for the whole inventory (see InventoryResolver); only references count.
            password = passwordReference(text)
        }
        var passphraseEnvironment: String?
        if let variable = vars["drover_passphrase_env"] {
            passphraseEnvironment = environmentName(variable, errors: &errors)
        }
        // The sudo password for `become`: never a literal (refused for the whole inventory), only where it is.
        var becomePassword: ConnectionSettings.PasswordSource?
        if let variable = vars["drover_become_password_env"] {
            if let name = environmentName(variable, errors: &errors) { becomePassword = .environment(name) }
        } else if let literal = variable("ansible_become_password", "ansible_become_pass"),
            let text = literal.value.stringValue
        {
            becomePassword = passwordReference(text)
        }

        guard errors.isEmpty else { return .failure(ErrorList(errors: errors)) }
        var settings =
            ConnectionSettings(
                address: finalAddress,
                port: finalPort,
                user: finalUser,
                identityFiles: identityFiles,
                knownHostsFiles: knownHostsFiles,
                hostKeyPolicy: policy,
                password: password,
                passphraseEnvironment: passphraseEnvironment,
                proxyJump: proxyJump)
        settings.becomePassword = becomePassword
        return .success(settings)
    }

    /// The hops with what ssh_config says about each: `HostName`, then `User` and `Port` where the hop names none.
    /// The first hop's own `ProxyJump` in ssh_config puts its jump hosts before it, as ssh does when it runs
    /// `ssh -W` to that hop (later hops are reached with `-J`, which overrides theirs).
    /// - Parameter location: where the hops were written, for the error when chains nest too deep.
    private func resolveJumps(
        _ hops: [SSHArguments.Hop], depth: Int, at location: SourceLocation?, errors: inout [LoadError]
    ) -> [ConnectionSettings.Jump] {
        guard let sshConfig else { return hops.map(\.jump) }
        guard depth < Self.maximumJumpDepth else {
            if let location {
                errors.append(
                    LoadError(
                        .limitExceeded,
                        "ProxyJump leads through more than \(Self.maximumJumpDepth) jump hosts' own ProxyJump "
                            + "(does a jump host's ProxyJump lead back to itself?)",
                        at: location))
            }
            return []
        }
        var jumps: [ConnectionSettings.Jump] = []
        for (index, hop) in hops.enumerated() {
            let options = sshConfig.options(forHost: hop.host)
            if index == 0, let proxy = options.proxy {
                switch proxy.value {
                case .proxyJump(let inner):
                    jumps = resolveJumps(inner, depth: depth + 1, at: proxy.location, errors: &errors)
                case .proxyCommand(isNone: false):
                    let problem = SSHArguments.proxyCommandUnsupported
                    errors.append(LoadError(problem.code, problem.message, at: proxy.location))
                default: break
                }
            }
            jumps.append(
                ConnectionSettings.Jump(
                    address: options.hostName.map { SSHConfigParser.expandTokens($0.value, ["h": hop.host]) }
                        ?? hop.host,
                    port: hop.port ?? options.port?.value ?? 22,
                    user: hop.user ?? options.user?.value))
        }
        return jumps
    }

    /// `~` and `~/…` expanded with the home directory; other paths as written (ssh_config paths are not relative to
    /// the inventory).
    func expandHome(_ path: String) -> String {
        guard let homeDirectory, path == "~" || path.hasPrefix("~/") else { return path }
        let home =
            homeDirectory.hasSuffix("/") && homeDirectory.count > 1 ? String(homeDirectory.dropLast()) : homeDirectory
        return home + path.dropFirst()
    }

    /// Several errors as one `Error`, for `Result`.
    struct ErrorList: Error {
        var errors: [LoadError]
    }

    /// `{{ lookup('env', 'VAR') }}` or `{{ lookup('file', 'PATH') }}` (also `ansible.builtin.env`/`file`) as a
    /// password source; nil for anything else, which is then a literal password.
    func passwordReference(_ text: String) -> ConnectionSettings.PasswordSource? {
        var inner = Substring(text).trimmingSpaces
        guard inner.hasPrefix("{{"), inner.hasSuffix("}}") else { return nil }
        inner = inner.dropFirst(2).dropLast(2).trimmingSpaces
        guard inner.hasPrefix("lookup("), inner.hasSuffix(")") else { return nil }
        let arguments = inner.dropFirst("lookup(".count).dropLast().split(
            separator: ",", omittingEmptySubsequences: false)
        guard arguments.count == 2 else { return nil }
        let unquoted = arguments.map { argument -> String? in
            let trimmed = argument.trimmingSpaces
            guard trimmed.count >= 2, let quote = trimmed.first, quote == "'" || quote == "\"", trimmed.last == quote
            else { return nil }
            return String(trimmed.dropFirst().dropLast())
        }
        guard let kind = unquoted[0], let value = unquoted[1], !value.isEmpty else { return nil }
        switch kind {
        case "env", "ansible.builtin.env":
            return Self.isEnvironmentName(value) ? .environment(value) : nil
        case "file", "ansible.builtin.file":
            return .file(expandPath(value))
        default:
            return nil
        }
    }

    /// True when `text` is a password written into the inventory rather than a reference to one.
    func isLiteralPassword(_ value: InventoryValue) -> Bool {
        switch value {
        case .null: return false
        case .string(let text): return !text.isEmpty && passwordReference(text) == nil
        default: return true
        }
    }

    /// `~` and `~/…` expanded with the home directory; other relative paths joined to the inventory's directory.
    func expandPath(_ path: String) -> String {
        if homeDirectory != nil, path == "~" || path.hasPrefix("~/") { return expandHome(path) }
        if path.hasPrefix("/") || path.hasPrefix("~") || baseDirectory.isEmpty { return path }
        return baseDirectory.hasSuffix("/") ? baseDirectory + path : baseDirectory + "/" + path
    }

    private func environmentName(_ variable: RawInventory.Variable, errors: inout [LoadError]) -> String? {
        if let text = variable.value.stringValue, Self.isEnvironmentName(text) { return text }
        // The value may be the secret itself, so it is not repeated.
        errors.append(
            LoadError(
                .invalidValue,
                "\(variable.name) must name an environment variable (letters, digits and '_'), not hold a secret",
                at: variable.location))
        return nil
    }

    static func isEnvironmentName(_ text: String) -> Bool {
        INIInventoryParser.isIdentifier(text)
    }

    /// A string, or an integer written as text (`ansible_user=1000`).
    private static func text(_ value: InventoryValue) -> String? {
        switch value {
        case .string(let text): return text.trimmingSpacesString
        case .int(let number): return String(number)
        default: return nil
        }
    }

    private static func port(_ value: InventoryValue) -> Int? {
        let number: Int?
        switch value {
        case .int(let value): number = value
        case .string(let text):
            let trimmed = text.trimmingSpacesString
            number = trimmed.count <= 5 && trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) ? Int(trimmed) : nil
        default: number = nil
        }
        guard let number, (1...65535).contains(number) else { return nil }
        return number
    }

    /// Ansible's `boolean()`: yes/no, true/false, on/off, 1/0, y/n, t/f in any case.
    private static func boolean(_ value: InventoryValue) -> Bool? {
        switch value {
        case .bool(let flag): return flag
        case .int(1): return true
        case .int(0): return false
        case .string(let text):
            switch text.trimmingSpacesString.lowercased() {
            case "y", "yes", "on", "1", "true", "t": return true
            case "n", "no", "off", "0", "false", "f": return false
            default: return nil
            }
        default: return nil
        }
    }

    private static func shown(_ value: InventoryValue) -> String {
        if let text = value.stringValue { return MessageText.quoted(text) }
        return MessageText.quoted(value.description)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var slice = self
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return slice
    }
}

extension String {
    fileprivate var trimmingSpacesString: String { String(Substring(self).trimmingSpaces) }
}
