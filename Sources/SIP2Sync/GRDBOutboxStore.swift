import GRDB
import SIP2

/// The outbox in its own SQLite file (e.g. /var/lib/rfidgate/sip2-outbox.sqlite).
///
/// Durability: WAL with `synchronous=FULL`. In WAL mode NORMAL only syncs at checkpoints, so the
/// last commits before a power cut can vanish; FULL syncs the WAL on every commit. A loan is
/// written here *before* the patron is told it is done, so "committed" must mean "on flash". The
/// cost is one fsync per loan (milliseconds, at human pace) and one per replayed transaction.
///
/// TODO(circulation): move the `sip2_outbox` table into the Circulation store behind `OutboxStore`.
public final class GRDBOutboxStore: OutboxStore {
    let db: DatabaseQueue

    public init(path: String) throws(OutboxError) {
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            db = try DatabaseQueue(path: path, configuration: config)
            try GRDBOutboxStore.migrator.migrate(db)
        } catch {
            throw OutboxError("cannot open the SIP2 outbox \(path): \(error) (check that the directory exists and is writable by the rfidgate user)")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE sip2_outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    key TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL CHECK (kind IN ('checkout', 'checkin')),
                    patron TEXT,
                    item TEXT NOT NULL,
                    transaction_unix INTEGER NOT NULL,
                    transaction_date TEXT NOT NULL,
                    nb_due_date TEXT,
                    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    resolution TEXT,
                    finished_unix INTEGER
                );
                CREATE INDEX sip2_outbox_pending ON sip2_outbox(state, id);
                CREATE TABLE sip2_sync_state (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    last_success_unix INTEGER, last_error TEXT, last_error_unix INTEGER, offline_since_unix INTEGER,
                    acs_online INTEGER, acs_offline_ok INTEGER, acs_checkout_ok INTEGER, acs_checkin_ok INTEGER, acs_at_unix INTEGER
                );
                INSERT INTO sip2_sync_state (id) VALUES (1);
                """)
        }
        return m
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
    public func enqueue(_ e: NewOutboxEntry) throws(OutboxError) -> Int64 {
        try write("enqueue") { db in
            try db.execute(sql: """
                INSERT INTO sip2_outbox (key, kind, patron, item, transaction_unix, transaction_date, nb_due_date)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING
                """, arguments: [e.key, e.kind.rawValue, e.patron, e.item, e.transactionUnix, e.transactionDate.description, e.nbDueDate?.description])
            return try Int64.fetchOne(db, sql: "SELECT id FROM sip2_outbox WHERE key = ?", arguments: [e.key]) ?? -1
        }
    }

    public func pending(limit: Int) throws(OutboxError) -> [OutboxEntry] {
        try read("reading the queue") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sip2_outbox WHERE state = 'pending' ORDER BY id LIMIT ?", arguments: [limit]).map(Self.entry)
        }
    }

    public func entry(id: Int64) throws(OutboxError) -> OutboxEntry? {
        try read("reading entry \(id)") { db in try Row.fetchOne(db, sql: "SELECT * FROM sip2_outbox WHERE id = ?", arguments: [id]).map(Self.entry) }
    }

    public func deadLetters(limit: Int) throws(OutboxError) -> [OutboxEntry] {
        try read("reading dead letters") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sip2_outbox WHERE state = 'dead' ORDER BY id LIMIT ?", arguments: [limit]).map(Self.entry)
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
