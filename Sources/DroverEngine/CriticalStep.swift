/// A critical step that failed, and where: it halts the run at once.
public struct CriticalStep: Sendable, Hashable {
    public var step: String
    public var host: String

    public init(step: String, host: String) {
        self.step = step
        self.host = host
    }
}
