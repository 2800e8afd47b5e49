/// What a session was doing when something failed: the words that place a failure in its sentence.
enum SSHActivity: CaseIterable, Sendable {
    case handshake
    case login
    case startingCommand
    case command
    case upload
    case keepalive

    /// "during the command", as the sentence puts it.
    var words: String {
        switch self {
        case .handshake: "during the SSH handshake"
        case .login: "during login"
        case .startingCommand: "while starting the command"
        case .command: "during the command"
        case .upload: "during the upload"
        case .keepalive: "while the session waited for its next command"
        }
    }
}
