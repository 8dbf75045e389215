import Circulation
import GRDB
import SIP2

/// The outbox as rows of the circulation store (`sip2_outbox`, `sip2_sync_state`: the store's
/// migration v2), beside the items, hot list and event log it belongs with: one file to back up,
/// one WAL, one place a technician looks.
///
/// Durability: the store must be opened with `.full` (WAL + synchronous=FULL). In WAL mode NORMAL
/// only syncs at checkpoints, so the last commits before a power cut can vanish; FULL syncs the
/// WAL on every commit. A loan is written here *before* the patron is told it is done, so
/// "committed" must mean "on flash". The cost is one fsync per loan (milliseconds, at human pace)
/// and one per replayed transaction.
public final class CirculationOutbox: OutboxStore {
    public let store: CirculationStore
    let db: DatabasePool

    /// Uses an open store. Refuses one opened with `.normal` durability (an import's connection).
    public init(store: CirculationStore) throws(OutboxError) {
        guard store.durability == .full else {
            throw OutboxError("the SIP2 outbox needs the circulation store opened with full durability (every loan fsynced before the patron is told)")
        }
        self.store = store
        self.db = store.pool
    }

    /// Opens (creating and migrating if needed) the circulation store at `path`.
    public convenience init(path: String) throws(OutboxError) {
        let store: CirculationStore
        do { store = try CirculationStore(path: path, durability: .full) } catch {
            throw OutboxError("cannot open the SIP2 outbox in \(path): \(error)")
        }
        try self.init(store: store)
    }

    func write<T>(_ what: String, _ body: (Database) throws -> T) throws(OutboxError) -> T {
        do { return try db.write(body) } catch { throw OutboxError("SIP2 outbox: \(what) failed: \(error)") }
    }

    func read<T>(_ what: String, _ body: (Database) throws -> T) throws(OutboxError) -> T {
        do { return try db.read(body) } catch { throw OutboxError("SIP2 outbox: \(what) failed: \(error)") }
    }

    static func entry(_ r: Row) -> OutboxEntry {
        OutboxEntry(
            id: r["id"], key: r["key"], kind: OutboxEntry.Kind(rawValue: r["kind"]) ?? .checkout,
            patron: r["patron"], item: r["item"],
            transactionDate: SIP2Date(sip: r["transaction_date"] as String) ?? SIP2Date(unixSeconds: r["transaction_unix"]),
            transactionUnix: r["transaction_unix"],
            nbDueDate: (r["nb_due_date"] as String?).flatMap { SIP2Date(sip: $0) },
            state: OutboxEntry.State(rawValue: r["state"]) ?? .pending, attempts: r["attempts"],
            lastError: r["last_error"], resolution: r["resolution"])
    }

    @discardableResult
    /// Also sets the item's loan state in the same transaction (on loan until the nb due date,
    /// or available after a return), journalled so a running gate follows it: a patron who
    /// borrowed while the ILS was away must not be stopped at the exit, and a returned item must
    /// alarm again. A repeated key changes nothing.
    public func enqueue(_ e: NewOutboxEntry) throws(OutboxError) -> Int64 {
        try write("enqueue") { db in
            try db.execute(sql: """
                INSERT INTO sip2_outbox (key, kind, patron, item, transaction_unix, transaction_date, nb_due_date)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING
                """, arguments: [e.key, e.kind.rawValue, e.patron, e.item, e.transactionUnix, e.transactionDate.description, e.nbDueDate?.description])
            if db.changesCount > 0 {
                let update = switch e.kind {
                case .checkout: ItemUpdate(pii: e.item, loanState: .onLoan, dueDate: e.nbDueDate.map(Self.isoDay))
                case .checkin: ItemUpdate(pii: e.item, loanState: .available)
                }
                try CirculationStore.upsert([update], in: db, source: .station, at: e.transactionUnix * 1000)
            }
            return try Int64.fetchOne(db, sql: "SELECT id FROM sip2_outbox WHERE key = ?", arguments: [e.key]) ?? -1
        }
    }

    /// "YYYY-MM-DD", the store's due-date form.
    static func isoDay(_ d: SIP2Date) -> String {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(d.year)-\(two(d.month))-\(two(d.day))"
    }

    public func pending(limit: Int) throws(OutboxError) -> [OutboxEntry] {
        try read("reading the queue") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sip2_outbox WHERE state = 'pending' ORDER BY id LIMIT ?", arguments: [limit]).map(CirculationOutbox.entry)
        }
    }

    public func entry(id: Int64) throws(OutboxError) -> OutboxEntry? {
        try read("reading entry \(id)") { db in try Row.fetchOne(db, sql: "SELECT * FROM sip2_outbox WHERE id = ?", arguments: [id]).map(CirculationOutbox.entry) }
    }

    public func deadLetters(limit: Int) throws(OutboxError) -> [OutboxEntry] {
        try read("reading dead letters") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sip2_outbox WHERE state = 'dead' ORDER BY id LIMIT ?", arguments: [limit]).map(CirculationOutbox.entry)
        }
    }

    public func pendingCheckouts(patron: String) throws(OutboxError) -> Int {
        try read("counting a patron's queued loans") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sip2_outbox WHERE state = 'pending' AND kind = 'checkout' AND patron = ?", arguments: [patron]) ?? 0
        }
    }

    public func markAttempt(id: Int64) throws(OutboxError) {
        try write("recording an attempt") { db in try db.execute(sql: "UPDATE sip2_outbox SET attempts = attempts + 1 WHERE id = ?", arguments: [id]) }
    }

    public func markDone(id: Int64, resolution: String, atUnix: Int64) throws(OutboxError) {
        try write("recording a success") { db in
            try db.execute(sql: "UPDATE sip2_outbox SET state = 'done', resolution = ?, finished_unix = ?, last_error = NULL WHERE id = ?", arguments: [resolution, atUnix, id])
            try db.execute(sql: "UPDATE sip2_sync_state SET last_success_unix = ?, offline_since_unix = NULL WHERE id = 1", arguments: [atUnix])
        }
    }

    public func markDead(id: Int64, reason: String, atUnix: Int64) throws(OutboxError) {
        try write("moving to dead letters") { db in
            try db.execute(sql: "UPDATE sip2_outbox SET state = 'dead', last_error = ?, finished_unix = ? WHERE id = ?", arguments: [reason, atUnix, id])
        }
    }

    public func revive(id: Int64) throws(OutboxError) -> Bool {
        try write("retrying a dead letter") { db in
            try db.execute(sql: "UPDATE sip2_outbox SET state = 'pending', finished_unix = NULL WHERE id = ? AND state = 'dead'", arguments: [id])
            return db.changesCount > 0
        }
    }

    public func noteError(_ message: String, atUnix: Int64) throws(OutboxError) {
        try write("recording an error") { db in
            try db.execute(sql: """
                UPDATE sip2_sync_state SET last_error = ?, last_error_unix = ?,
                    offline_since_unix = COALESCE(offline_since_unix, ?) WHERE id = 1
                """, arguments: [message, atUnix, atUnix])
        }
    }

    public func noteACSStatus(_ s: StoredACSStatus) throws(OutboxError) {
        try write("recording the ACS status") { db in
            try db.execute(sql: """
                UPDATE sip2_sync_state SET acs_online = ?, acs_offline_ok = ?, acs_checkout_ok = ?, acs_checkin_ok = ?, acs_at_unix = ?,
                    offline_since_unix = CASE WHEN ? THEN NULL ELSE COALESCE(offline_since_unix, ?) END WHERE id = 1
                """, arguments: [s.online, s.offlineOK, s.checkoutOK, s.checkinOK, s.atUnix, s.online, s.atUnix])
        }
    }

    public func status() throws(OutboxError) -> OutboxStatus {
        try read("reading the status") { db in
            let counts = try Row.fetchOne(db, sql: """
                SELECT SUM(state = 'pending') AS backlog, SUM(state = 'dead') AS dead, SUM(state = 'done') AS done,
                       MIN(CASE WHEN state = 'pending' THEN transaction_unix END) AS oldest FROM sip2_outbox
                """)!
            let s = try Row.fetchOne(db, sql: "SELECT * FROM sip2_sync_state WHERE id = 1")!
            var acs: StoredACSStatus?
            if let at: Int64 = s["acs_at_unix"] {
                acs = StoredACSStatus(online: s["acs_online"], offlineOK: s["acs_offline_ok"], checkoutOK: s["acs_checkout_ok"], checkinOK: s["acs_checkin_ok"], atUnix: at)
            }
            return OutboxStatus(
                backlog: counts["backlog"] ?? 0, oldestPendingUnix: counts["oldest"], deadLetters: counts["dead"] ?? 0,
                done: counts["done"] ?? 0, lastSuccessUnix: s["last_success_unix"], lastError: s["last_error"],
                lastErrorUnix: s["last_error_unix"], offlineSinceUnix: s["offline_since_unix"], lastACSStatus: acs)
        }
    }
}
