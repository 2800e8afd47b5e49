import DroverJournal
import DroverModel

extension RunCoordinator {
    /// Links a run that starts now to the planned run of its change (`Scheduler.link`), and says so. A journal that
    /// fails here is said in a line: the run goes on (it is recorded in its own chain either way).
    func linkSchedule(_ runID: String, playbookPath: String, inventoryPath: String, change: ChangeInfo) async {
        let scheduler = Scheduler(
            journal: services.journal, clock: services.clock, identity: services.identity, loader: services.loader)
        do {
            if let id = try await scheduler.link(
                run: runID, playbookPath: playbookPath, inventoryPath: inventoryPath, change: change)
            {
                services.console.say(.note("this run is the planned \(id) (drover schedule --list)"))
            }
        } catch {
            services.console.say(.error("could not link this run to its planned change (\(error)); the run goes on"))
        }
    }
}
