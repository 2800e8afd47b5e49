public import DroverModel

/// The hosts a run touches: every host one of the playbook's stages names, among the hosts `--limit` selects, in
/// inventory order. These are the hosts the run leases, counts and reports; a host the limit selects but no stage
/// names is not the run's business (a run over `app` leaves the `db` hosts free for another run).
public enum RunTargets {
    /// - Throws: `RuntimeError` (64) when one machine is targeted under two names (two sessions would change it
    ///   at once, racing each other), naming both.
    public static func resolve(playbook: Playbook, inventory: Inventory, selected: [DroverModel.Host]) throws(RuntimeError) -> [DroverModel.Host] {
        var named: Set<String> = []
        for stage in playbook.stages {
            // A pattern the validator accepted but the inventory cannot resolve names nothing.
            for host in (try? inventory.hosts(matching: stage.hosts)) ?? [] { named.insert(host.name) }
        }
        let targets = selected.filter { named.contains($0.name) }
        try refuseSharedMachines(targets)
        return targets
    }

    /// Refuses two inventory names for one machine (`ConnectionSettings.machineKey`) in one run.
    static func refuseSharedMachines(_ hosts: [DroverModel.Host]) throws(RuntimeError) {
        var byMachine: [String: [String]] = [:]
        var order: [String] = []
        for host in hosts {
            let key = host.connection.machineKey
            if byMachine[key] == nil { order.append(key) }
            byMachine[key, default: []].append(host.name)
        }
        let shared = order.compactMap { key in byMachine[key].flatMap { $0.count > 1 ? (key, $0) : nil } }
        guard !shared.isEmpty else { return }
        let text = shared.map { key, names in "\(names.joined(separator: " and ")) are the same machine (\(key))" }
        throw .invalidInput(
            "the run would reach one machine under two names: \(text.joined(separator: "; ")); two sessions would "
                + "change it at the same time. Leave one name out with --limit (e.g. --limit '!\(shared[0].1[1])').")
    }
}
