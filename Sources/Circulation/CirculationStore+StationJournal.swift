import GRDB

/// The station's tables (`station_journal`, `station_patrons`, `station_tag_fixes`: migration
/// v4). A journal step commits together with what it stands for: the item's new loan state
/// (journalled for a running gate) and, offline, the outbox row. So a checkout the patron was
/// told about is on flash with its journal row, or neither is.
extension CirculationStore {
    static func journalRow(_ r: Row) -> StationJournalRow {
        StationJournalRow(
            id: r["id"], session: r["session"], kind: r["kind"], patron: r["patron"], item: r["item"], title: r["title"],
            tag: r["tag"], phase: r["phase"], offline: r["offline"], outboxKey: r["outbox_key"], note: r["note"],
            createdUnix: r["created_unix"], updatedUnix: r["updated_unix"])
    }

    /// Phases that are not finished (the station core's non-terminal `JournalPhase`s).
    public static let openJournalPhases = ["planned", "ils-sent", "accepted", "tag-writing", "cancelling"]

    /// A new journal row (phase `planned`); returns its id.
    public func beginJournal(
        session: String, kind: String, patron: String?, item: String, title: String?, tag: String?, atUnix: Int64
    ) throws(CirculationError) -> Int64 {
        try write("starting a station journal entry") { db in
            try db.execute(
                sql: """
                    INSERT INTO station_journal (session, kind, patron, item, title, tag, phase, created_unix, updated_unix)
                    VALUES (?, ?, ?, ?, ?, ?, 'planned', ?, ?)
                    """, arguments: [session, kind, patron, item, title, tag, atUnix, atUnix])
            return db.lastInsertedRowID
        }
    }

    /// Moves entry `id` to `phase`, in one transaction with the item's new record (journalled
    /// for the gate) and an offline loan's outbox row. Returns the outbox row's id, if any.
    @discardableResult
    public func advanceJournal(
        id: Int64, to phase: String, note: String? = nil, kind: String? = nil, item: ItemUpdate? = nil, outbox: NewOutboxRow? = nil,
        atUnix: Int64
    ) throws(CirculationError) -> Int64? {
        try write("recording a station journal step") { db in
            var outboxID: Int64?
            if let outbox { outboxID = try Self.insertOutbox(db, outbox) }
            if let item, outbox == nil {
                _ = try ItemWriter(db, source: .station, now: atUnix * 1000, journal: true).write([item])
            }
            try db.execute(
                sql: """
                    UPDATE station_journal SET phase = ?, note = COALESCE(?, note), kind = COALESCE(?, kind),
                        offline = offline OR ?, outbox_key = COALESCE(?, outbox_key), updated_unix = ? WHERE id = ?
                    """, arguments: [phase, note, kind, outbox != nil, outbox?.key, atUnix, id])
            return outboxID
        }
    }

    /// Withdraws an offline loan that could not be finished (its tag was never unsecured):
    /// a still-pending outbox row is closed unsent; one already sent gets a checkin behind it.
    /// The item's record goes back and the journal row closes as `cancelled`, all at once.
    public func cancelOfflineLoan(
        journalID id: Int64, outboxKey: String, checkin: NewOutboxRow, item: ItemUpdate, note: String, atUnix: Int64
    ) throws(CirculationError) {
        try write("withdrawing an offline loan") { db in
            try db.execute(
                sql: """
                    UPDATE sip2_outbox SET state = 'done', resolution = 'withdrawn at the station: tag not unsecured',
                        finished_unix = ? WHERE key = ? AND state = 'pending'
                    """, arguments: [atUnix, outboxKey])
            if db.changesCount == 0 {
                _ = try Self.insertOutbox(db, checkin)
            }
            _ = try ItemWriter(db, source: .station, now: atUnix * 1000, journal: true).write([item])
            try db.execute(
                sql: "UPDATE station_journal SET phase = 'cancelled', note = ?, updated_unix = ? WHERE id = ?",
                arguments: [note, atUnix, id])
        }
    }

    /// Entries whose work is not finished, oldest first (what a restarted station reconciles).
    public func openJournalEntries() throws(CirculationError) -> [StationJournalRow] {
        try read("reading the station journal") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM station_journal
                    WHERE phase IN ('planned', 'ils-sent', 'accepted', 'tag-writing', 'cancelling') ORDER BY id
                    """
            ).map(Self.journalRow)
        }
    }

    public func journalEntry(id: Int64) throws(CirculationError) -> StationJournalRow? {
        try read("reading the station journal") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM station_journal WHERE id = ?", arguments: [id]).map(Self.journalRow)
        }
    }

    /// The newest entries, newest first.
    public func recentJournal(limit: Int) throws(CirculationError) -> [StationJournalRow] {
        try read("reading the station journal") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM station_journal ORDER BY id DESC LIMIT ?", arguments: [limit]).map(Self.journalRow)
        }
    }

    /// Entries per phase (status and the end-of-run summary).
    public func journalCounts() throws(CirculationError) -> [String: Int] {
        try read("counting the station journal") { db in
            var out: [String: Int] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT kind || ':' || phase AS k, count(*) AS n FROM station_journal GROUP BY 1") {
                out[r["k"]] = r["n"]
            }
            return out
        }
    }

    /// The patron was seen online, valid and unblocked (what offline lending requires).
    public func notePatronInGoodStanding(_ patron: String, atUnix: Int64) throws(CirculationError) {
        try write("recording a patron in good standing") { db in
            try db.execute(
                sql: """
                    INSERT INTO station_patrons (patron, last_good_unix) VALUES (?, ?)
                    ON CONFLICT(patron) DO UPDATE SET last_good_unix = max(last_good_unix, excluded.last_good_unix)
                    """, arguments: [patron, atUnix])
        }
    }

    /// The patron lost good standing (blocked, unknown): no offline loans until seen good again.
    public func forgetPatronStanding(_ patron: String) throws(CirculationError) {
        try write("clearing a patron's standing") { db in
            try db.execute(sql: "DELETE FROM station_patrons WHERE patron = ?", arguments: [patron])
        }
    }

    public func patronLastGood(_ patron: String) throws(CirculationError) -> Int64? {
        try read("reading a patron's standing") { db in
            try Int64.fetchOne(db, sql: "SELECT last_good_unix FROM station_patrons WHERE patron = ?", arguments: [patron])
        }
    }

    /// A tag put right at a station (its security state disagreed with the ILS).
    public func recordTagFix(_ fix: TagFixRow) throws(CirculationError) {
        try write("recording a tag fix") { db in
            try db.execute(
                sql: "INSERT INTO station_tag_fixes (at_unix, item, tag, from_afi, to_afi, reason) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [fix.atUnix, fix.item, fix.tag, fix.fromAFI, fix.toAFI, fix.reason])
        }
    }

    public func tagFixes(limit: Int) throws(CirculationError) -> [TagFixRow] {
        try read("reading tag fixes") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM station_tag_fixes ORDER BY id DESC LIMIT ?", arguments: [limit]).map {
                TagFixRow(
                    atUnix: $0["at_unix"], item: $0["item"], tag: $0["tag"], fromAFI: $0["from_afi"], toAFI: $0["to_afi"],
                    reason: $0["reason"])
            }
        }
    }
}
