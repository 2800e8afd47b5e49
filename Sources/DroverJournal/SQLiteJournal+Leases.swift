import DroverModel
import Foundation
import GRDB

extension SQLiteJournal {
    public func acquireLeases(_ request: LeaseRequest) async throws -> [LeaseConflict] {
        try await write("lease machines for run \(request.holder.run)") { db in
            let moment = self.clock()
            var conflicts: [LeaseConflict] = []
            for target in request.targets {
                if case .conflict(let held) = LeaseRules.acquire(
                    try Self.lease(machine: target.machine, db: db), for: request, now: moment)
                {
                    conflicts.append(LeaseConflict(wanted: target, held: held))
                }
            }
            guard conflicts.isEmpty else { return conflicts }
            let expires = LeaseRules.expiry(now: moment, ttl: request.ttl)
            for target in request.targets {
                try Self.store(
                    Lease(
                        machine: target.machine, names: target.names, holder: request.holder, acquiredAt: moment,
                        expiresAt: expires),
                    db: db)
            }
            return []
        }
    }

    public func renewLeases(_ holder: LeaseHolder, machines: [String], ttl: Duration) async throws -> LeaseRenewal {
        try await write("renew the leases of run \(holder.run)") { db in
            let moment = self.clock()
            let expires = LeaseRules.expiry(now: moment, ttl: ttl)
            var renewal = LeaseRenewal(held: [], lost: [])
            for machine in machines {
                let current = try Self.lease(machine: machine, db: db)
                let names = current.flatMap { $0.holder.isSameHolder(as: holder) ? $0.names : nil } ?? []
                if let loss = LeaseRules.loss(of: machine, names: names, current: current, holder: holder, now: moment)
                {
                    renewal.lost.append(loss)
                } else if var lease = current {
                    lease.expiresAt = expires
                    try db.execute(
                        sql: "UPDATE leases SET expires_at = ? WHERE machine = ?",
                        arguments: [EventChain.timestamp(expires), machine])
                    renewal.held.append(lease)
                }
            }
            return renewal
        }
    }

    public func releaseLeases(_ holder: LeaseHolder) async throws {
        try await write("release the leases of run \(holder.run)") { db in
            try db.execute(
                sql: "DELETE FROM leases WHERE run_id = ? AND controller = ? AND pid = ?",
                arguments: [holder.run, holder.controller, holder.pid])
        }
    }

    public func breakLeases(_ leases: [Lease], by operator: String) async throws -> [Lease] {
        try await write("break leases") { db in
            let moment = self.clock()
            var broken: [Lease] = []
            for wanted in leases {
                guard let current = try Self.lease(machine: wanted.machine, db: db), current.broken == nil,
                    current.holder.isSameHolder(as: wanted.holder)
                else { continue }
                try db.execute(
                    sql: "UPDATE leases SET broken_by = ?, broken_at = ? WHERE machine = ?",
                    arguments: [`operator`, EventChain.timestamp(moment), wanted.machine])
                broken.append(current)
            }
            for (run, note) in LeaseNotes.broken(broken, by: `operator`) {
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM runs WHERE id = ?", arguments: [run]) == true else {
                    continue
                }
                let entry = JournalEntry.note(note)
                _ = try self.append([(entry, try entry.canonicalPayload())], run: run, at: nil, fence: nil, db: db)
            }
            return broken
        }
    }

    public func leases() async throws -> [Lease] {
        try await read("read its leases") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM leases ORDER BY machine").map(Self.lease)
        }
    }

    static func lease(machine: String, db: Database) throws -> Lease? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM leases WHERE machine = ?"), arguments: [machine])
            .map(lease)
    }

    static func store(_ lease: Lease, db: Database) throws {
        let names = String(decoding: try JSONEncoder().encode(lease.names), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO leases (machine, names, run_id, operator, controller, pid, acquired_at,
                    expires_at, broken_by, broken_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)
                """,
            arguments: [
                lease.machine, names, lease.holder.run, lease.holder.operator, lease.holder.controller,
                lease.holder.pid, EventChain.timestamp(lease.acquiredAt), EventChain.timestamp(lease.expiresAt),
            ])
    }

    static func lease(_ row: Row) throws -> Lease {
        let names: String = try row.decode(forColumn: "names")
        let brokenBy: String? = try row.decode(forColumn: "broken_by")
        let brokenAt = (try row.decode(String?.self, forColumn: "broken_at")).flatMap(EventChain.date)
        return Lease(
            machine: try row.decode(forColumn: "machine"),
            names: (try? JSONDecoder().decode([String].self, from: Data(names.utf8))) ?? [],
            holder: LeaseHolder(
                run: try row.decode(forColumn: "run_id"), operator: try row.decode(forColumn: "operator"),
                controller: try row.decode(forColumn: "controller"), pid: try row.decode(forColumn: "pid")),
            acquiredAt: EventChain.date(try row.decode(forColumn: "acquired_at")) ?? .distantPast,
            expiresAt: EventChain.date(try row.decode(forColumn: "expires_at")) ?? .distantPast,
            broken: zip(brokenBy, brokenAt).map { Lease.Break(by: $0, at: $1) })
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
