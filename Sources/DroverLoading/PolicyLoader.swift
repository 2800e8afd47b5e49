import DroverModel

/// Loads a maintenance policy file (`policy.yml`, SPEC section 5) into a `Policy`, reporting every problem in it as
/// `file:line:col: message`.
///
/// Checked: unknown keys at every level (with a "did you mean"), time zones against the system's tz database, times,
/// weekdays, `nth`, date and day ranges, `month_end_days`, `overrun_factor`, `on_overrun`, webhook URLs (never quoted
/// past their host), header values that look like secrets, and event names. See this module's README for defaults.
public struct PolicyLoader: Sendable {
    /// The largest policy file read.
    public static let maximumFileSize = 1 << 20

    /// Where zone names are looked up.
    var timeZones: TimeZoneDatabase

    /// A loader checking zones against the system's `/usr/share/zoneinfo`.
    public init() {
        self.timeZones = .system
    }

    init(timeZones: TimeZoneDatabase) {
        self.timeZones = timeZones
    }

    /// Reads and checks the policy at `path`.
    /// - Throws: `LoadErrors` listing every problem, each as `file:line:col: message`.
    public func load(path: String) throws(LoadErrors) -> Policy {
        let contents: [UInt8]
        do throws(LoadError) {
            contents = try InventoryLoader.readFile(path, limit: Self.maximumFileSize, kind: "a policy")
        } catch {
            throw LoadErrors([error])
        }
        return try load(contents: contents, path: path)
    }

    /// Checks policy text already in memory; `path` names it in errors.
    /// - Throws: `LoadErrors` listing every problem.
    public func load(contents: [UInt8], path: String) throws(LoadErrors) -> Policy {
        let root: YAMLNode?
        do throws(LoadError) {
            root = try YAMLParser.parse(contents, file: path)
        } catch {
            throw LoadErrors([error])
        }
        var reader = PolicyReader(timeZones: timeZones)
        reader.baseDirectory = InventoryLoader.directory(of: path)
        guard let root else {
            throw LoadErrors([
                LoadError(.missingKey, "the policy file is empty; it needs 'environments'", file: path)
            ])
        }
        let policy = reader.policy(root)
        if let policy, reader.errors.isEmpty { return policy }
        let errors = reader.errors.sorted()
        throw LoadErrors(
            errors.isEmpty ? [LoadError(.invalidValue, "the policy could not be read", file: path)] : errors)
    }

    /// Checks policy text already in memory.
    /// - Throws: `LoadErrors` listing every problem.
    public func load(text: String, path: String) throws(LoadErrors) -> Policy {
        try load(contents: Array(text.utf8), path: path)
    }
}
