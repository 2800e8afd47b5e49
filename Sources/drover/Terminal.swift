import DroverModel
import Foundation

/// Talking to the person at the terminal, when there is one.
enum Terminal {
    /// Asks for a key's passphrase on /dev/tty without echo; nil when there is no terminal.
    @Sendable static func askPassphrase(for keyPath: String) -> String? {
        promptLock.withLock {
            guard let pointer = getpass("Passphrase for \(keyPath): ") else { return nil }
            let value = String(cString: pointer)
            return value.isEmpty ? nil : value
        }
    }

    private static let promptLock = NSLock()

    /// Asks a yes/no question on the terminal; only `y` or `yes` agree.
    static func confirm(_ question: String) -> Bool {
        FileHandle.standardError.write(Data((question + " [y/N] ").utf8))
        guard let answer = Swift.readLine() else { return false }
        return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
    }

    /// The terminal's width in columns (80 when it cannot be told).
    static var columns: Int {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// Prints to standard error, with control characters made visible (an error may quote a host).
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((VisibleText.escape(message) + "\n").utf8))
    }
}

/// `1 host`, `3 hosts`.
func counted(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : (noun.hasSuffix("ch") ? "es" : "s"))"
}
