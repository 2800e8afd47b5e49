public import DroverModel

extension Array where Element == any BatchGate {
    /// The built-in gates in their order: `min_healthy`, overrun and window fit before each batch, the failure
    /// limits after it. A new gate goes where its point and precedence put it: an analysis gate (judged after the
    /// steps) anywhere, since no built-in gate judges that point; a new before-batch check after these three if the
    /// run's own rules should speak first.
    /// - Parameters:
    ///   - overrunFactor: estimate × this = overrun (the policy's `overrun_factor`).
    ///   - onOverrun: what an overrun does (the policy's `on_overrun`).
    ///   - analysisSoak: the least the run's analyses take (`BatchTime.analysisSoak`); overrun never judges the run
    ///     by a shorter estimate.
    ///   - window: the window-fit gate for the policy's verdict (`PolicyGate.Outcome.batchGate`); nil: no window
    ///     closes.
    public static func standard(
        overrunFactor: Double = 1.5, onOverrun: OverrunAction = .haltAndRollback, analysisSoak: Duration = .zero,
        window: WindowFitGate? = nil
    ) -> [any BatchGate] {
        var gates: [any BatchGate] = [
            MinHealthyGate(), OverrunGate(factor: overrunFactor, action: onOverrun, analysisSoak: analysisSoak),
        ]
        if let window { gates.append(window) }
        gates.append(FailureLimitsGate())
        return gates
    }
}
