import DroverModel

/// Where each part of a loaded playbook was written, kept beside the model (which stays free of file positions)
/// so `PlaybookValidator` can report `file:line:col`.
///
/// Invariant: the arrays run parallel to the model's — `stages[i]` is `playbook.stages[i]`, and each stage's step
/// lists parallel the stage's `beforeBatch`, `steps`, `afterBatch` and `rollback`.
public struct PlaybookSourceMap: Sendable {
    /// One template and where it was written.
    public struct TemplateSite: Sendable {
        public var template: Template
        /// The scalar holding the template.
        public var location: SourceLocation
        /// Where each lookup (by name) is first written; the scalar's place when it cannot be known exactly
        /// (quoted or multi-line scalars).
        public var lookupLocations: [String: SourceLocation]

        /// The place of the lookup of `name`, else of the scalar.
        public func location(of name: String) -> SourceLocation {
            lookupLocations[name] ?? location
        }
    }

    /// The places of one step.
    public struct StepSites: Sendable {
        /// The step's mapping.
        public var step: SourceLocation
        /// The value of the action key (`run:`'s command, `script:`'s path, `upload:`'s mapping…).
        public var action: SourceLocation
        /// A `script` path's or an `upload` `src`'s value.
        public var localFile: SourceLocation?
        public var delegateTo: SourceLocation?
        public var when: SourceLocation?
        /// Every template of the step (action and `delegate_to`), in file order.
        public var templates: [TemplateSite]
    }

    /// The places of one stage.
    public struct StageSites: Sendable {
        /// The stage's mapping.
        public var stage: SourceLocation
        public var name: TemplateSite
        public var hosts: SourceLocation
        public var minHealthy: SourceLocation?
        public var beforeBatch: [StepSites]
        public var steps: [StepSites]
        public var afterBatch: [StepSites]
        public var rollback: [StepSites]
        /// The templates of the stage's `analysis:` metrics (Prometheus `url`/`query`, `http` `url`), in file order.
        public var analysis: [TemplateSite] = []
        /// The `when` of the stage's `pause:`, if written.
        public var pause: SourceLocation? = nil
    }

    /// The playbook's root mapping.
    public var root: SourceLocation
    /// Where each playbook variable's key was written.
    public var vars: [String: SourceLocation]
    public var stages: [StageSites]
}
