import GRDB
import ISO28560

/// `rfidgatectl cache import FILE.csv`: a library system's export of item ids and loan states.
///
/// - Streaming: a fixed read buffer and one batch of rows in memory, whatever the file size.
/// - Columns by header name (any order, case-insensitive; separator `,` `;` or tab detected
///   from the header): item id (`item_id`, `barcode`, `pii`, `item`), loan state (`loan_state`,
///   `status`, `state`, `circulation_status`), optional `due_date`, `title`, `owner_isil`
///   (`owner`, `isil`). Other columns are ignored (and named in the summary).
/// - Resumable: each batch commits its rows together with the byte offset after them, so a
///   crash, kill -9 or Ctrl-C leaves whole batches and an exact resume point. Running the same
///   import again (same file size and first 64 KiB) continues there; `restart` starts over.
/// - `replace`: the file is the whole collection; items an earlier import brought in that the
///   file no longer lists are deleted, once, after the last row (never on a partial import).
/// - Rejected rows are stored with their line and reason and summarised.
public struct CSVImport {
    public struct Options: Sendable {
        public var replace = false
        public var restart = false
        public var batchRows = 20_000
        public init() {}
    }

    public struct Progress: Sendable {
        public var bytes: Int64
        public var totalBytes: Int64
        public var accepted: Int
        public var rejected: Int
    }

    public struct Summary: Sendable {
        public var importID: Int64
        public var resumedAtLine: Int?
        public var accepted = 0
        public var rejected = 0
        /// Reason → (rows, first lines) over the whole import, resumed parts included.
        public var reasons: [(reason: String, count: Int, lines: [Int])] = []
        public var ignoredColumns: [String] = []
        /// Items deleted by `replace`.
        public var deleted = 0
        public var interrupted = false
        public var abandonedOther = false
    }

    enum Column { case id, state, due, title, owner, callNumber, shelfLocation }

    static func column(_ name: String) -> Column? {
        var n = name.lowercased().trimmingSpaces
        n = String(n.map { $0 == " " || $0 == "-" ? "_" : $0 })
        switch n {
        case "item_id", "itemid", "barcode", "item_barcode", "pii", "item", "primary_item_identifier", "id": return .id
        case "loan_state", "status", "state", "circulation_status", "loan_status", "circ_status": return .state
        case "due_date", "due", "date_due", "duedate": return .due
        case "title": return .title
        case "owner_isil", "owner", "isil", "owner_institution", "library": return .owner
        case "call_number", "callnumber", "call_no", "callno", "索书号", "索取号": return .callNumber
        case "shelf_location", "location", "shelf", "collection", "馆藏地", "馆藏地点": return .shelfLocation
        default: return nil
        }
    }

    public let store: CirculationStore
    public let path: String
    public let options: Options

    public init(store: CirculationStore, path: String, options: Options = Options()) {
        self.store = store
        self.path = path
        self.options = options
    }

    /// Runs (or resumes) the import. `shouldStop` is polled between batches: when it says
    /// true, the current batch is committed and the summary says `interrupted`.
    public func run(
        now: () -> Int64 = unixMillisNow, progress: (Progress) -> Void = { _ in }, shouldStop: () -> Bool = { false }
    ) throws(CirculationError) -> Summary {
        guard let total = CSVReader.fileSize(path) else { throw CirculationError("cannot read \(path): no such file", kind: .notFound) }
        let fingerprint = try CSVReader.fingerprint(path)
        let replace = options.replace
        // Find an unfinished import of the same file, or start a new one.
        let (importID, startedAt, resume, abandoned) = try store.write("starting the import") {
            db -> (Int64, Int64, (Int64, Int, Int, Int, String?)?, Bool) in
            var abandoned = false
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM imports WHERE status = 'running' ORDER BY id DESC LIMIT 1") {
                let same = (row["fingerprint"] as String) == fingerprint && (row["replace"] as Int != 0) == replace
                if same && !options.restart {
                    return (
                        row["id"], row["started_at"], (row["byte_offset"], row["line"], row["accepted"], row["rejected"], row["header"]),
                        false
                    )
                }
                try db.execute(sql: "UPDATE imports SET status = 'abandoned', finished_at = ? WHERE status = 'running'", arguments: [now()])
                abandoned = true
            }
            let t = now()
            try db.execute(
                sql: "INSERT INTO imports(path, fingerprint, replace, started_at, status) VALUES (?, ?, ?, ?, 'running')",
                arguments: [path, fingerprint, replace ? 1 : 0, t])
            return (db.lastInsertedRowID, t, nil, abandoned)
        }

        var summary = Summary(importID: importID)
        summary.abandonedOther = abandoned
        let reader: CSVReader
        var map: [Int: Column] = [:]
        var columnsNeeded = 0
        if let resume, resume.0 > 0, let header = resume.4 {
            reader = try CSVReader(path: path, offset: resume.0, line: resume.1)
            summary.resumedAtLine = resume.1
            summary.accepted = resume.2
            summary.rejected = resume.3
            (map, columnsNeeded, summary.ignoredColumns, reader.separator) = try Self.parseHeader(header, path: path)
        } else {
            reader = try CSVReader(path: path)
            let first = try Self.headerLine(path)
            (map, columnsNeeded, summary.ignoredColumns, reader.separator) = try Self.parseHeader(first, path: path)
            _ = reader.next()  // the header record
            let (offset, line) = (reader.offset, reader.line)
            _ = try store.write("recording the import header") { db in
                try db.execute(
                    sql: "UPDATE imports SET header = ?, byte_offset = ?, line = ? WHERE id = ?",
                    arguments: [first, offset, line, importID])
            }
        }

        var batch: [ItemUpdate] = []
        var rejects: [(line: Int, reason: String, row: String)] = []
        batch.reserveCapacity(options.batchRows)
        var firstRows = 0, firstRejected = 0
        func commit() throws(CirculationError) {
            let (offset, line) = (reader.offset, reader.line)
            let accepted = summary.accepted + batch.count, rejected = summary.rejected + rejects.count
            let t = now()
            try store.write("importing rows up to line \(line)") { db in
                _ = try ItemWriter(db, source: .import, now: t, journal: false).write(batch)
                let r = try db.cachedStatement(sql: "INSERT INTO import_rejects(import_id, line, reason, row) VALUES (?, ?, ?, ?)")
                for x in rejects { try r.execute(arguments: [importID, x.line, x.reason, x.row]) }
                try db.execute(
                    sql: "UPDATE imports SET byte_offset = ?, line = ?, accepted = ?, rejected = ? WHERE id = ?",
                    arguments: [offset, line, accepted, rejected, importID])
            }
            summary.accepted = accepted
            summary.rejected = rejected
            batch.removeAll(keepingCapacity: true)
            rejects.removeAll(keepingCapacity: true)
            progress(Progress(bytes: offset, totalBytes: total, accepted: accepted, rejected: rejected))
        }

        while let (fields, line) = reader.next() {
            let parsed = Self.parseRow(fields, map: map, needed: columnsNeeded)
            switch parsed {
            case .success(let u): batch.append(u)
            case .failure(let reason): rejects.append((line, reason.message, String(fields.joined(separator: ",").prefix(200))))
            }
            if summary.resumedAtLine == nil && firstRows < 1000 {
                firstRows += 1
                if case .failure = parsed { firstRejected += 1 }
                if firstRows == 1000 && firstRejected > 500 {
                    _ = try? store.write("abandoning the import") { db in
                        try db.execute(sql: "DELETE FROM import_rejects WHERE import_id = ?", arguments: [importID])
                        try db.execute(
                            sql: "UPDATE imports SET status = 'abandoned', finished_at = ? WHERE id = ?", arguments: [now(), importID])
                    }
                    throw CirculationError(
                        "\(path): \(firstRejected) of the first 1000 rows are invalid (first: line \(rejects.first?.line ?? 0): \(rejects.first?.reason ?? "")); is this the right file and separator? Import stopped",
                        kind: .invalid)
                }
            }
            if batch.count + rejects.count >= options.batchRows {
                try commit()
                if shouldStop() {
                    summary.interrupted = true
                    break
                }
            }
        }
        if reader.readError {
            throw CirculationError(
                "\(path): read error after byte \(reader.offset); the committed rows stay, run the import again to resume", kind: .io)
        }
        if summary.interrupted {
            summary.reasons = try reasons(importID)
            return summary
        }
        try commit()

        // Finish: the replace sweep (only now that every row is in), the generation bump that
        // makes a running daemon reload its index, and the status, in one transaction.
        summary.deleted = try store.write("finishing the import") { db in
            var deleted = 0
            if replace {
                try db.execute(
                    sql: """
                        CREATE TEMP TABLE IF NOT EXISTS gone AS SELECT pii, key FROM items WHERE 0;
                        DELETE FROM gone;
                        """)
                try db.execute(
                    sql: "INSERT INTO gone SELECT pii, key FROM items WHERE source = 'import' AND updated_at < ?", arguments: [startedAt])
                deleted = try Int.fetchOne(db, sql: "SELECT count(*) FROM gone") ?? 0
                try db.execute(
                    sql: """
                        DELETE FROM items WHERE pii IN (SELECT pii FROM gone);
                        DELETE FROM gate_keys WHERE key IN (SELECT key FROM gone) AND key NOT IN (SELECT key FROM hot_list);
                        UPDATE gate_keys SET state = 4 WHERE key IN (SELECT key FROM gone) AND key IN (SELECT key FROM hot_list);
                        DROP TABLE gone;
                        """)
            }
            try CirculationStore.bumpGeneration(db)
            // Size hint for the next index load (one pass over the compact table, here where
            // the import has just written it and its pages are in the cache).
            try CirculationStore.recordGateKeyCount(db)
            try db.execute(sql: "UPDATE imports SET status = 'done', finished_at = ? WHERE id = ?", arguments: [now(), importID])
            return deleted
        }
        summary.reasons = try reasons(importID)
        return summary
    }

    private func reasons(_ importID: Int64) throws(CirculationError) -> [(reason: String, count: Int, lines: [Int])] {
        try store.read("summarising rejected rows") { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT reason, count(*) AS n, (SELECT group_concat(line) FROM (SELECT line FROM import_rejects r2
                      WHERE r2.import_id = r.import_id AND r2.reason = r.reason ORDER BY line LIMIT 5)) AS lines
                    FROM import_rejects r WHERE import_id = ? GROUP BY reason ORDER BY n DESC
                    """, arguments: [importID])
            return rows.map { row in
                let lines = (row["lines"] as String?)?.split(separator: ",").compactMap { Int($0) } ?? []
                return (row["reason"], row["n"], lines)
            }
        }
    }

    /// The raw first line (the header), for storing with the import so a resume can re-read it.
    static func headerLine(_ path: String) throws(CirculationError) -> String {
        let r = try CSVReader(path: path)
        // Detect the separator from the raw first record read with ','.
        guard let first = r.next() else {
            throw CirculationError("\(path) is empty: expected a header line such as item_id,loan_state,due_date,title", kind: .invalid)
        }
        return first.fields.joined(separator: ",")
    }

    static func parseHeader(_ header: String, path: String) throws(CirculationError) -> ([Int: Column], Int, [String], UInt8) {
        var sep = UInt8(ascii: ",")
        if !header.contains(",") {
            if header.contains(";") { sep = UInt8(ascii: ";") } else if header.contains("\t") { sep = UInt8(ascii: "\t") }
        }
        let names = header.split(separator: Character(Unicode.Scalar(sep)), omittingEmptySubsequences: false).map {
            String($0).trimmingSpaces.trimmingCharacters(in: "\"")
        }
        var map: [Int: Column] = [:]
        var ignored: [String] = []
        for (i, n) in names.enumerated() {
            if let c = column(n), !map.values.contains(c) { map[i] = c } else { ignored.append(n) }
        }
        guard map.values.contains(.id) else {
            throw CirculationError(
                "\(path): the header (\(header.prefix(120))) has no item id column: name it item_id (or barcode, pii)", kind: .invalid)
        }
        guard map.values.contains(.state) else {
            throw CirculationError(
                "\(path): the header (\(header.prefix(120))) has no loan state column: name it loan_state (or status)", kind: .invalid)
        }
        return (map, (map.keys.max() ?? 0) + 1, ignored, sep)
    }

    static func parseRow(_ fields: [String], map: [Int: Column], needed: Int) -> Result<ItemUpdate, CirculationError> {
        guard fields.count >= needed else { return .failure(CirculationError("too few fields", kind: .invalid)) }
        var id = "", state = "", due: String? = nil, title: String? = nil, owner: String? = nil
        var callNumber: String? = nil, shelf: String? = nil
        for (i, c) in map {
            let v = fields[i].trimmingSpaces
            switch c {
            case .id: id = v
            case .state: state = v
            case .due: due = v.isEmpty ? nil : v
            case .title: title = v.isEmpty ? nil : v
            case .owner: owner = v.isEmpty ? nil : v
            case .callNumber: callNumber = v.isEmpty ? nil : v
            case .shelfLocation: shelf = v.isEmpty ? nil : v
            }
        }
        if id.isEmpty { return .failure(CirculationError("empty item id", kind: .invalid)) }
        if id.utf8.count > ItemID.capacity { return .failure(CirculationError("item id longer than 32 bytes", kind: .invalid)) }
        if id.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } == true }) {
            return .failure(CirculationError("item id contains spaces or control characters", kind: .invalid))
        }
        guard let loan = LoanState(parsing: state) else {
            return .failure(CirculationError(state.isEmpty ? "empty loan state" : "unknown loan state", kind: .invalid))
        }
        if let d = due {
            guard let normal = normalDate(d) else { return .failure(CirculationError("due date is not YYYY-MM-DD", kind: .invalid)) }
            due = normal
        }
        if let o = owner, o.utf8.count > 32 { return .failure(CirculationError("owner ISIL longer than 32 bytes", kind: .invalid)) }
        if (callNumber?.utf8.count ?? 0) > 100 || (shelf?.utf8.count ?? 0) > 100 {
            return .failure(CirculationError("call number or shelf location longer than 100 bytes", kind: .invalid))
        }
        return .success(
            ItemUpdate(pii: id, loanState: loan, dueDate: due, title: title, ownerISIL: owner, callNumber: callNumber, shelfLocation: shelf)
        )
    }

    /// YYYY-MM-DD, YYYYMMDD (SIP2 style, time ignored) or YYYY-MM-DDThh:mm… → YYYY-MM-DD.
    static func normalDate(_ s: String) -> String? {
        let digits = Array(s.utf8)
        func num(_ r: Range<Int>) -> Int? {
            guard r.upperBound <= digits.count else { return nil }
            var v = 0
            for b in digits[r] {
                guard b >= 0x30 && b <= 0x39 else { return nil }
                v = v * 10 + Int(b - 0x30)
            }
            return v
        }
        let y: Int?, m: Int?, d: Int?
        if digits.count >= 10 && digits[4] == UInt8(ascii: "-") && digits[7] == UInt8(ascii: "-") {
            (y, m, d) = (num(0..<4), num(5..<7), num(8..<10))
        } else if digits.count >= 8 {
            (y, m, d) = (num(0..<4), num(4..<6), num(6..<8))
        } else {
            return nil
        }
        guard let y, let m, let d, (1900...2200).contains(y), (1...12).contains(m), (1...31).contains(d) else { return nil }
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d))"
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }

    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
