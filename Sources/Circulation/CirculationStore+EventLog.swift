import GRDB

extension CirculationStore {
    /// The quarter hour `unixMillis` falls in (Unix seconds of its start).
    public static func visitorBucket(unixMillis: Int64) -> Int64 { VisitorBucket.start(unixMillis: unixMillis) }

    /// Appends alarms (with titles looked up from the cache) and adds visitor counts, in one
    /// transaction: the daemon's event writer calls this before it reports the alarms.
    /// Returns each alarm's title as recorded.
    @discardableResult
    public func record(alarms: [AlarmRecord], visitors: [VisitorBucket] = []) throws(CirculationError) -> [String?] {
        guard !alarms.isEmpty || !visitors.isEmpty else { return [] }
        return try write("writing the event log") { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO alarms(at, item, tag_uid, title, owner_isil, part, parts, reader, antenna, afi, reason)
                    VALUES (?, ?, ?, coalesce(?, (SELECT title FROM items WHERE pii = ?)), ?, ?, ?, ?, ?, ?, ?)
                    """)
            var titles: [String?] = []
            for a in alarms {
                try insert.execute(arguments: [
                    a.at, a.item, a.tagUID, a.title, a.item, a.ownerISIL, a.part, a.parts, a.reader, a.antenna, a.afi, a.reason,
                ])
                titles.append(try String.fetchOne(db, sql: "SELECT title FROM alarms WHERE id = ?", arguments: [db.lastInsertedRowID]))
            }
            let add = try db.cachedStatement(
                sql: """
                    INSERT INTO visitors(bucket, in_count, out_count) VALUES (?, ?, ?)
                    ON CONFLICT(bucket) DO UPDATE SET in_count = in_count + excluded.in_count, out_count = out_count + excluded.out_count
                    """)
            for v in visitors where v.inCount != 0 || v.outCount != 0 {
                try add.execute(arguments: [v.start, v.inCount, v.outCount])
            }
            return titles
        }
    }

    /// Alarms at or after `sinceMillis`, oldest first.
    public func alarms(since sinceMillis: Int64, limit: Int = 100_000) throws(CirculationError) -> [AlarmRecord] {
        try read("reading alarms") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM alarms WHERE at >= ? ORDER BY at, id LIMIT ?", arguments: [sinceMillis, limit]).map {
                AlarmRecord(
                    at: $0["at"], item: $0["item"], tagUID: $0["tag_uid"], title: $0["title"], ownerISIL: $0["owner_isil"],
                    part: $0["part"] ?? 0, parts: $0["parts"] ?? 0, reader: $0["reader"], antenna: $0["antenna"], afi: $0["afi"],
                    reason: $0["reason"])
            }
        }
    }

    /// Quarter hours starting at or after `sinceMillis`'s quarter, oldest first.
    public func visitors(since sinceMillis: Int64) throws(CirculationError) -> [VisitorBucket] {
        try read("reading visitor counts") { db in
            try Row.fetchAll(
                db, sql: "SELECT bucket, in_count, out_count FROM visitors WHERE bucket >= ? ORDER BY bucket",
                arguments: [Self.visitorBucket(unixMillis: sinceMillis)]
            ).map {
                VisitorBucket(start: $0["bucket"], inCount: $0["in_count"], outCount: $0["out_count"])
            }
        }
    }

    /// The newest alarms at or after `sinceMillis`, newest first, with where staff find the
    /// item (its call number and shelf location, when the import had them): the gate's screen.
    public func recentAlarms(since sinceMillis: Int64, limit: Int) throws(CirculationError) -> [PlacedAlarm] {
        try read("reading recent alarms") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT a.*, i.call_number AS call_number, i.shelf_location AS shelf_location
                    FROM alarms a LEFT JOIN items i ON i.pii = a.item
                    WHERE a.at >= ? ORDER BY a.at DESC, a.id DESC LIMIT ?
                    """, arguments: [sinceMillis, limit]
            ).map {
                PlacedAlarm(
                    alarm: AlarmRecord(
                        at: $0["at"], item: $0["item"], tagUID: $0["tag_uid"], title: $0["title"], ownerISIL: $0["owner_isil"],
                        part: $0["part"] ?? 0, parts: $0["parts"] ?? 0, reader: $0["reader"], antenna: $0["antenna"], afi: $0["afi"],
                        reason: $0["reason"]), callNumber: $0["call_number"], shelfLocation: $0["shelf_location"])
            }
        }
    }

    /// How many alarms at or after `sinceMillis`.
    public func alarmCount(since sinceMillis: Int64) throws(CirculationError) -> Int {
        try read("counting alarms") { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM alarms WHERE at >= ?", arguments: [sinceMillis]) ?? 0
        }
    }
}
