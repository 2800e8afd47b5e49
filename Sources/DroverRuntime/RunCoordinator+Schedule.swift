import DroverJournal
import DroverModel

extension RunCoordinator {
    /// Links a run that starts now to the planned run of its change (`Scheduler.link`), and says so. A journal that
    /// fails here is said in a line: the run goes on (it is recorded in its own chain either way).
    /// - Parameter incidents: filled with the planned run's status page maintenances, so the run updates them.
    func linkSchedule(
        _ runID: String, playbookPath: String, inventoryPath: String, change: ChangeInfo, incidents: PlannedIncidents
    ) async {
        let scheduler = Scheduler(
            journal: services.journal, clock: services.clock, identity: services.identity, loader: services.loader)
        do {
            if let entry = try await scheduler.link(
                run: runID, playbookPath: playbookPath, inventoryPath: inventoryPath, change: change)
            {
                incidents.merge(entry.incidents)
                // Also in the run's own chain, so a resume of it updates the same maintenances.
                for (index, id) in entry.incidents.sorted(by: { $0.key < $1.key }) {
                    _ = try? await services.journal.append(
                        .note(
                            JournalNote(
                                kind: .statusPageIncident, text: "status page maintenance \(id) (planned)",
                                reference: "\(index)/\(id)")),
                        run: runID)
                }
                services.console.say(.note("this run is the planned \(entry.plan.id) (drover schedule --list)"))
            }
        } catch {
            services.console.say(.error("could not link this run to its planned change (\(error)); the run goes on"))
        }
    }
}
