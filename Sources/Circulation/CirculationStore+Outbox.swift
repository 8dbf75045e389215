import GRDB

/// The SIP2 outbox's tables (`sip2_outbox`, `sip2_sync_state`: migration v2). `SIP2Sync`
/// works them through these typed calls; every statement on them is here.
///
/// Every mutating call commits before it returns; the store must be opened with `.full`
/// durability for "committed" to mean "on flash" (`CirculationOutbox` checks).
extension CirculationStore {
    static func outboxRow(_ r: Row) -> OutboxRow {
        OutboxRow(
            id: r["id"], key: r["key"], kind: OutboxRow.Kind(rawValue: r["kind"]) ?? .checkout,
            patron: r["patron"], item: r["item"], transactionUnix: r["transaction_unix"], transactionDate: r["transaction_date"],
            nbDueDate: r["nb_due_date"], state: OutboxRow.State(rawValue: r["state"]) ?? .pending, attempts: r["attempts"],
            failures: r["failures"], nextAttemptUnix: r["next_attempt_unix"], lastError: r["last_error"], resolution: r["resolution"])
    }

    /// Adds a row and, in the same transaction, the item's new record (journalled, so a running
    /// gate follows it). A repeated key changes nothing. Returns the key's row id.
    @discardableResult
    public func enqueueOutbox(_ e: NewOutboxRow) throws(CirculationError) -> Int64 {
        try write("enqueueing a SIP2 outbox entry") { db in try Self.insertOutbox(db, e) }
    }

    /// The outbox row and the item's new record, inside the caller's transaction (the station
    /// commits them together with its journal step).
    static func insertOutbox(_ db: Database, _ e: NewOutboxRow) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO sip2_outbox (key, kind, patron, item, transaction_unix, transaction_date, nb_due_date)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING
                """, arguments: [e.key, e.kind.rawValue, e.patron, e.item, e.transactionUnix, e.transactionDate, e.nbDueDate])
        if db.changesCount > 0 {
            _ = try ItemWriter(db, source: .station, now: e.transactionUnix * 1000, journal: true).write([e.itemUpdate])
        }
        return try Int64.fetchOne(db, sql: "SELECT id FROM sip2_outbox WHERE key = ?", arguments: [e.key]) ?? -1
    }

    /// Rows in `state`, oldest (lowest id) first.
    public func outboxRows(_ state: OutboxRow.State, limit: Int) throws(CirculationError) -> [OutboxRow] {
        try read("reading the SIP2 outbox") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sip2_outbox WHERE state = ? ORDER BY id LIMIT ?", arguments: [state.rawValue, limit])
                .map(Self.outboxRow)
        }
    }

    /// Pending rows due at `now`, oldest first, keeping order per item: a row waits while an
    /// older row of the same item is pending (a checkout reaches the ILS before its checkin),
    /// also while that one backs off; unrelated items go ahead.
    public func dueOutboxRows(now: Int64, limit: Int) throws(CirculationError) -> [OutboxRow] {
        try read("reading the SIP2 outbox") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM sip2_outbox o
                    WHERE o.state = 'pending' AND (o.next_attempt_unix IS NULL OR o.next_attempt_unix <= ?)
                      AND NOT EXISTS (SELECT 1 FROM sip2_outbox p WHERE p.item = o.item AND p.state = 'pending' AND p.id < o.id)
                    ORDER BY o.id LIMIT ?
                    """, arguments: [now, limit]
            ).map(Self.outboxRow)
        }
    }

    /// A lost answer while `id` was in flight: one more failure, no new try before
    /// `nextAttemptUnix`; at `maxFailures` the row becomes a dead letter. Returns whether it did.
    public func noteOutboxFailure(
        id: Int64, error: String, nextAttemptUnix: Int64, maxFailures: Int, atUnix: Int64
    ) throws(CirculationError) -> Bool {
        try write("recording a SIP2 outbox failure") { db in
            try db.execute(
                sql: """
                    UPDATE sip2_outbox SET failures = failures + 1, last_error = ?, next_attempt_unix = ? WHERE id = ? AND state = 'pending'
                    """, arguments: [error, nextAttemptUnix, id])
            try db.execute(
                sql: """
                    UPDATE sip2_outbox SET state = 'dead', finished_unix = ?,
                        last_error = 'no answer from the ILS in ' || failures || ' tries (last: ' || last_error || ')'
                    WHERE id = ? AND state = 'pending' AND failures >= ?
                    """, arguments: [atUnix, id, maxFailures])
            return db.changesCount > 0
        }
    }

    public func outboxRow(id: Int64) throws(CirculationError) -> OutboxRow? {
        try read("reading SIP2 outbox entry \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM sip2_outbox WHERE id = ?", arguments: [id]).map(Self.outboxRow)
        }
    }

    public func pendingOutboxCheckouts(patron: String) throws(CirculationError) -> Int {
        try read("counting a patron's queued loans") { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM sip2_outbox WHERE state = 'pending' AND kind = 'checkout' AND patron = ?",
                arguments: [patron]) ?? 0
        }
    }

    public func markOutboxAttempt(id: Int64) throws(CirculationError) {
        try write("recording a SIP2 outbox attempt") { db in
            try db.execute(sql: "UPDATE sip2_outbox SET attempts = attempts + 1 WHERE id = ?", arguments: [id])
        }
    }

    /// Done, and the sync's last success (the ILS is reachable again).
    public func markOutboxDone(id: Int64, resolution: String, atUnix: Int64) throws(CirculationError) {
        try write("recording a SIP2 outbox success") { db in
            try db.execute(
                sql: "UPDATE sip2_outbox SET state = 'done', resolution = ?, finished_unix = ?, last_error = NULL WHERE id = ?",
                arguments: [resolution, atUnix, id])
            try db.execute(
                sql: "UPDATE sip2_sync_state SET last_success_unix = ?, offline_since_unix = NULL WHERE id = 1", arguments: [atUnix])
        }
    }

    public func markOutboxDead(id: Int64, reason: String, atUnix: Int64) throws(CirculationError) {
        try write("moving a SIP2 outbox entry to dead letters") { db in
            try db.execute(
                sql: "UPDATE sip2_outbox SET state = 'dead', last_error = ?, finished_unix = ? WHERE id = ?",
                arguments: [reason, atUnix, id])
        }
    }

    /// A dead row back to pending, failures reset; false when `id` is not a dead letter.
    /// `attempts` stays: a send that may have reached the ILS is still asked about (17) first.
    public func reviveOutbox(id: Int64) throws(CirculationError) -> Bool {
        try write("retrying a SIP2 dead letter") { db in
            try db.execute(
                sql: """
                    UPDATE sip2_outbox SET state = 'pending', finished_unix = NULL, failures = 0, next_attempt_unix = NULL
                    WHERE id = ? AND state = 'dead'
                    """, arguments: [id])
            return db.changesCount > 0
        }
    }

    /// A pending row that is pausing after failures: failures reset, due at once. False when
    /// `id` is not pending or not pausing.
    public func resetOutboxBackoff(id: Int64) throws(CirculationError) -> Bool {
        try write("retrying a SIP2 outbox entry now") { db in
            try db.execute(
                sql: """
                    UPDATE sip2_outbox SET failures = 0, next_attempt_unix = NULL
                    WHERE id = ? AND state = 'pending' AND (failures > 0 OR next_attempt_unix IS NOT NULL)
                    """, arguments: [id])
            return db.changesCount > 0
        }
    }

    public func noteSyncError(_ message: String, atUnix: Int64) throws(CirculationError) {
        try write("recording a SIP2 sync error") { db in
            try db.execute(
                sql: """
                    UPDATE sip2_sync_state SET last_error = ?, last_error_unix = ?,
                        offline_since_unix = COALESCE(offline_since_unix, ?) WHERE id = 1
                    """, arguments: [message, atUnix, atUnix])
        }
    }

    public func noteACSStatus(_ s: ACSStatusRow) throws(CirculationError) {
        try write("recording the ACS status") { db in
            try db.execute(
                sql: """
                    UPDATE sip2_sync_state SET acs_online = ?, acs_offline_ok = ?, acs_checkout_ok = ?, acs_checkin_ok = ?, acs_at_unix = ?,
                        offline_since_unix = CASE WHEN ? THEN NULL ELSE COALESCE(offline_since_unix, ?) END WHERE id = 1
                    """, arguments: [s.online, s.offlineOK, s.checkoutOK, s.checkinOK, s.atUnix, s.online, s.atUnix])
        }
    }

    public func outboxSummary() throws(CirculationError) -> OutboxSummary {
        try read("reading the SIP2 sync status") { db in
            let counts = try Row.fetchOne(
                db,
                sql: """
                    SELECT SUM(state = 'pending') AS backlog, SUM(state = 'dead') AS dead, SUM(state = 'done') AS done,
                           MIN(CASE WHEN state = 'pending' THEN transaction_unix END) AS oldest FROM sip2_outbox
                    """)!
            let s = try Row.fetchOne(db, sql: "SELECT * FROM sip2_sync_state WHERE id = 1")!
            var acs: ACSStatusRow?
            if let at: Int64 = s["acs_at_unix"] {
                acs = ACSStatusRow(
                    online: s["acs_online"], offlineOK: s["acs_offline_ok"], checkoutOK: s["acs_checkout_ok"],
                    checkinOK: s["acs_checkin_ok"], atUnix: at)
            }
            return OutboxSummary(
                backlog: counts["backlog"] ?? 0, oldestPendingUnix: counts["oldest"], deadLetters: counts["dead"] ?? 0,
                done: counts["done"] ?? 0, lastSuccessUnix: s["last_success_unix"], lastError: s["last_error"],
                lastErrorUnix: s["last_error_unix"], offlineSinceUnix: s["offline_since_unix"], lastACSStatus: acs)
        }
    }
}
