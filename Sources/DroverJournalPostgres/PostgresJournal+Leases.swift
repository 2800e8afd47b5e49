import DroverJournal
import Foundation
import PostgresNIO

extension PostgresJournal {
    public func acquireLeases(_ request: LeaseRequest) async throws -> [LeaseConflict] {
        let logger = self.logger
        return try await link.transaction("lease machines for run \(request.holder.run)", code: .writeFailed) {
            connection in
            let machines = request.targets.map(\.machine)
            let existing = try await Self.leases(machines: machines, connection: connection, logger: logger, lock: true)
            let moment = try await self.moment(connection)
            var conflicts: [LeaseConflict] = []
            for target in request.targets {
                if case .conflict(let held) = LeaseRules.acquire(existing[target.machine], for: request, now: moment) {
                    conflicts.append(LeaseConflict(wanted: target, held: held))
                }
            }
            guard conflicts.isEmpty else { return conflicts }
            let expires = LeaseRules.expiry(now: moment, ttl: request.ttl)
            let names = try request.targets.map { String(decoding: try JSONEncoder().encode($0.names), as: UTF8.self) }
            let holder = request.holder
            try await connection.query(
                """
                INSERT INTO drover.leases (machine, names, run_id, operator, controller, pid, acquired_at, expires_at,
                    broken_by, broken_at)
                SELECT t.machine, t.names, \(holder.run), \(holder.operator), \(holder.controller), \(Int(holder.pid)),
                    \(moment), \(expires), NULL, NULL
                FROM unnest(\(machines)::text[], \(names)::text[]) AS t (machine, names)
                ON CONFLICT (machine) DO UPDATE SET names = EXCLUDED.names, run_id = EXCLUDED.run_id,
                    operator = EXCLUDED.operator, controller = EXCLUDED.controller, pid = EXCLUDED.pid,
                    acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at, broken_by = NULL,
                    broken_at = NULL
                """, logger: logger)
            return []
        }
    }

    public func renewLeases(_ holder: LeaseHolder, machines: [String], ttl: Duration) async throws -> LeaseRenewal {
        let logger = self.logger
        return try await link.transaction("renew the leases of run \(holder.run)", code: .writeFailed) { connection in
            let existing = try await Self.leases(machines: machines, connection: connection, logger: logger, lock: true)
            let moment = try await self.moment(connection)
            let expires = LeaseRules.expiry(now: moment, ttl: ttl)
            var renewal = LeaseRenewal(held: [], lost: [])
            for machine in machines {
                let current = existing[machine]
                let names = current.flatMap { $0.holder.isSameHolder(as: holder) ? $0.names : nil } ?? []
                if let loss = LeaseRules.loss(of: machine, names: names, current: current, holder: holder, now: moment)
                {
                    renewal.lost.append(loss)
                } else if var lease = current {
                    lease.expiresAt = expires
                    renewal.held.append(lease)
                }
            }
            let renewed = renewal.held.map(\.machine)
            if !renewed.isEmpty {
                try await connection.query(
                    "UPDATE drover.leases SET expires_at = \(expires) WHERE machine = ANY(\(renewed)::text[])",
                    logger: logger)
            }
            return renewal
        }
    }

    public func releaseLeases(_ holder: LeaseHolder) async throws {
        let logger = self.logger
        try await link.call("release the leases of run \(holder.run)", code: .writeFailed) { connection in
            try await connection.query(
                """
                DELETE FROM drover.leases
                WHERE run_id = \(holder.run) AND controller = \(holder.controller) AND pid = \(Int(holder.pid))
                """, logger: logger)
        }
    }

    public func breakLeases(_ leases: [Lease], by operator: String) async throws -> [Lease] {
        let logger = self.logger
        let result = try await link.transaction("break leases", code: .writeFailed) { connection in
            let existing = try await Self.leases(
                machines: leases.map(\.machine), connection: connection, logger: logger, lock: true)
            let moment = try await self.moment(connection)
            var broken: [Lease] = []
            for wanted in leases {
                guard let current = existing[wanted.machine], current.broken == nil,
                    current.holder.isSameHolder(as: wanted.holder), !broken.contains(where: { $0.machine == current.machine })
                else { continue }
                broken.append(current)
            }
            if !broken.isEmpty {
                try await connection.query(
                    """
                    UPDATE drover.leases SET broken_by = \(`operator`), broken_at = \(moment)
                    WHERE machine = ANY(\(broken.map(\.machine))::text[])
                    """, logger: logger)
            }
            var heads: [String: KnownHead] = [:]
            for (run, note) in LeaseNotes.broken(broken, by: `operator`) {
                let exists = try await connection.query(
                    "SELECT 1 FROM drover.runs WHERE id = \(run)", logger: logger
                ).collect().count == 1
                guard exists else { continue }
                let entry = JournalEntry.note(note)
                let written = try await self.appendChecked(
                    [(entry, try entry.canonicalPayload())], run: run, at: nil, fence: nil, connection: connection,
                    logger: logger)
                heads[run] = written.known
            }
            return (broken, heads)
        }
        self.heads.withLock { known in
            for (run, head) in result.1 { known[run] = head }
        }
        return result.0
    }

    public func leases() async throws -> [Lease] {
        let logger = self.logger
        return try await link.call("read its leases", code: .unavailable) { connection in
            try await connection.query("SELECT * FROM drover.leases ORDER BY machine", logger: logger).collect()
                .map(Self.lease)
        }
    }

    /// The advisory lock every lease change takes for its transaction: of two controllers asking for the same free
    /// machine at the same moment, the second waits and then sees the first's lease (a row lock cannot do that for a
    /// row that does not exist yet). Lease changes are rare (a run's start, a renewal every TTL/3, an unlock).
    static let leaseLockKey: Int64 = 0x4452_4F56_4C53  // "DROVLS"

    /// The leases on record for `machines`, by machine key; `lock` first takes the lease lock for the transaction.
    static func leases(
        machines: [String], connection: PostgresConnection, logger: Logger, lock: Bool = false
    ) async throws -> [String: Lease] {
        if lock { try await connection.query("SELECT pg_advisory_xact_lock(\(leaseLockKey))", logger: logger) }
        let rows = try await connection.query(
            "SELECT * FROM drover.leases WHERE machine = ANY(\(machines)::text[])", logger: logger
        ).collect()
        return Dictionary(try rows.map { row in let lease = try Self.lease(row); return (lease.machine, lease) }) {
            a, _ in a
        }
    }

    static func lease(_ row: PostgresRow) throws -> Lease {
        let row = row.makeRandomAccess()
        let names = try row["names"].decode(String.self)
        let brokenBy = try row["broken_by"].decode(String?.self)
        let brokenAt = try row["broken_at"].decode(Date?.self)
        var broken: Lease.Break?
        if let brokenBy, let brokenAt { broken = Lease.Break(by: brokenBy, at: brokenAt) }
        return Lease(
            machine: try row["machine"].decode(String.self),
            names: (try? JSONDecoder().decode([String].self, from: Data(names.utf8))) ?? [],
            holder: LeaseHolder(
                run: try row["run_id"].decode(String.self), operator: try row["operator"].decode(String.self),
                controller: try row["controller"].decode(String.self), pid: try row["pid"].decode(Int32.self)),
            acquiredAt: try row["acquired_at"].decode(Date.self), expiresAt: try row["expires_at"].decode(Date.self),
            broken: broken)
    }
}
