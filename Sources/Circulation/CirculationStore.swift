import GRDB
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The circulation store: one SQLite file in WAL mode, opened through GRDB. It owns every table
/// in the file: each statement on them lives in this module (items, hot list, index load,
/// writer, integrity, event log, SIP2 outbox), and its connection pool stays private, so a
/// schema change is one module's business.
///
/// - One writer: GRDB's `DatabasePool` serialises writes on one connection; readers (CLI
///   look-ups, index loads) run beside it on WAL snapshots.
/// - Durability is per connection: the daemon opens with `.full` (synchronous=FULL: each
///   commit fsyncs the WAL, so an alarm reported on stdout survives even a power cut; the
///   daemon commits a few times a minute, so the fsyncs cost nothing that matters), imports
///   with `.normal` (synchronous=NORMAL: a crash of the process never loses a commit, a
///   power cut may roll back the last batches, together with their recorded progress, so the
///   import resumes consistently; thousands of batch commits would otherwise each wait on flash).
public final class CirculationStore: Sendable {
    public enum Durability: Sendable { case full, normal }

    public let path: String
    let pool: DatabasePool
    public let durability: Durability
    /// Statements that failed for the disk's sake (I/O error, full, busy, damaged): what the
    /// daemon reports as storage faults. Mistakes in the data (constraints) are not counted.
    private let storageFaults = Atomic<Int>(0)
    public var faultCount: Int { storageFaults.load(ordering: .relaxed) }

    /// Opens (creating it and its directory if needed) and migrates the store at `path`.
    public init(path: String, durability: Durability = .full, cacheMiB: Int = 8) throws(CirculationError) {
        self.path = path
        self.durability = durability
        try Self.makeParentDirectory(of: path)
        var config = Configuration()
        config.busyMode = .timeout(10)
        let sync = durability == .full ? "FULL" : "NORMAL"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(sync); PRAGMA foreign_keys = ON; PRAGMA cache_size = -\(cacheMiB * 1024)")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            // GRDB switches a pool's writer to synchronous=NORMAL when it turns WAL on, after
            // prepareDatabase ran: set the durability again on the connection that commits.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(sync)") }
            try Schema.migrator.migrate(pool)
        } catch {
            throw CirculationError.database(path, "opening", error)
        }
    }

    /// Opens an existing store for reading and writing; a missing file is an error that says
    /// how to create one (so a typo in a CLI path does not create an empty cache).
    public static func openExisting(path: String, durability: Durability = .full) throws(CirculationError) -> CirculationStore {
        guard access(path, F_OK) == 0 else {
            throw CirculationError(
                "no circulation cache at \(path): start rfidgated once or run rfidgatectl cache import, or pass --db PATH", kind: .notFound)
        }
        return try CirculationStore(path: path, durability: durability)
    }

    static func makeParentDirectory(of path: String) throws(CirculationError) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        var dir = ""
        for part in path[..<slash].split(separator: "/", omittingEmptySubsequences: false) {
            dir += dir.isEmpty && part.isEmpty ? "/" : (dir.isEmpty || dir == "/" ? "" : "/") + part
            if part.isEmpty { continue }
            if mkdir(dir, 0o750) != 0 && errno != EEXIST {
                let e = errno
                throw CirculationError(
                    "cannot create directory \(dir) for the circulation cache: \(String(cString: strerror(e))); create it for the user running rfidgate or set [cache] path",
                    kind: e == EACCES || e == EPERM || e == EROFS ? .readOnly : .cannotOpen)
            }
        }
    }

    /// Runs `body` in one write transaction, mapping errors to `CirculationError`.
    func write<T>(_ doing: String, _ body: (Database) throws -> T) throws(CirculationError) -> T {
        do { return try pool.write(body) } catch let e as CirculationError { throw e } catch {
            throw counted(CirculationError.database(path, doing, error))
        }
    }

    /// Runs `body` on a reader connection (a WAL snapshot), mapping errors to `CirculationError`.
    func read<T>(_ doing: String, _ body: (Database) throws -> T) throws(CirculationError) -> T {
        do { return try pool.read(body) } catch let e as CirculationError { throw e } catch {
            throw counted(CirculationError.database(path, doing, error))
        }
    }

    /// Moves the WAL's content into the database file and truncates the WAL (after a bulk load).
    public func checkpoint() throws(CirculationError) {
        do { try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) } } catch {
            throw counted(CirculationError.database(path, "checkpointing", error))
        }
    }

    private func counted(_ e: CirculationError) -> CirculationError {
        switch e.kind {
        case .io, .diskFull, .busy, .corrupt, .cannotOpen, .readOnly: storageFaults.add(1, ordering: .relaxed)
        case .notFound, .invalid, .other: break
        }
        return e
    }

    // MARK: meta values

    public func meta(_ name: String) throws(CirculationError) -> Int64? {
        try read("reading \(name)") { db in try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE name = ?", arguments: [name]) }
    }

    public func setMeta(_ name: String, _ value: Int64) throws(CirculationError) {
        try write("writing \(name)") { db in
            try db.execute(
                sql: "INSERT INTO meta(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                arguments: [name, value])
        }
    }
}
