/// Checks `condition` every `interval` until it holds or `bound` has passed on the monotonic clock, and says whether
/// it held. For waiting on what another process, thread or server does (a scrape, a reaped child, a line on
/// stderr): the bound only catches a hang, it never makes a race pass.
public func eventually(
    within bound: Duration, every interval: Duration = .milliseconds(100),
    isolation: isolated (any Actor)? = #isolation, _ condition: () async throws -> Bool
) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + bound
    while true {
        if try await condition() { return true }
        if clock.now >= deadline { return false }
        try await Task.sleep(for: interval)
    }
}
