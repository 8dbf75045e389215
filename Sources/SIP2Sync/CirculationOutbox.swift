import Circulation
import SIP2

/// The outbox as rows of the circulation store (`sip2_outbox`, `sip2_sync_state`: the store's
/// migration v2), beside the items, hot list and event log it belongs with: one file to back up,
/// one WAL, one place a technician looks. The SQL is the store's; this maps its rows to SIP2.
///
/// Durability: the store must be opened with `.full` (WAL + synchronous=FULL). In WAL mode NORMAL
/// only syncs at checkpoints, so the last commits before a power cut can vanish; FULL syncs the
/// WAL on every commit. A loan is written here *before* the patron is told it is done, so
/// "committed" must mean "on flash". The cost is one fsync per loan (milliseconds, at human pace)
/// and one per replayed transaction.
public final class CirculationOutbox: OutboxStore {
    public let store: CirculationStore

    /// Uses an open store. Refuses one opened with `.normal` durability (an import's connection).
    public init(store: CirculationStore) throws(OutboxError) {
        guard store.durability == .full else {
            throw OutboxError(
                "the SIP2 outbox needs the circulation store opened with full durability (every loan fsynced before the patron is told)")
        }
        self.store = store
    }

    /// Opens (creating and migrating if needed) the circulation store at `path`.
    public convenience init(path: String) throws(OutboxError) {
        let store: CirculationStore
        do { store = try CirculationStore(path: path, durability: .full) } catch {
            throw OutboxError("cannot open the SIP2 outbox in \(path): \(error)", kind: error.kind)
        }
        try self.init(store: store)
    }

    /// Runs a store call, carrying its error's kind (a full disk, a busy file) to the caller.
    func call<T>(_ body: () throws(CirculationError) -> T) throws(OutboxError) -> T {
        do { return try body() } catch { throw OutboxError("SIP2 outbox: \(error)", kind: error.kind) }
    }

    static func entry(_ r: OutboxRow) -> OutboxEntry {
        OutboxEntry(
            id: r.id, key: r.key, kind: OutboxEntry.Kind(rawValue: r.kind.rawValue) ?? .checkout,
            patron: r.patron, item: r.item,
            transactionDate: SIP2Date(sip: r.transactionDate) ?? SIP2Date(unixSeconds: r.transactionUnix),
            transactionUnix: r.transactionUnix,
            nbDueDate: r.nbDueDate.flatMap { SIP2Date(sip: $0) },
            state: OutboxEntry.State(rawValue: r.state.rawValue) ?? .pending, attempts: r.attempts,
            failures: r.failures, nextAttemptUnix: r.nextAttemptUnix, lastError: r.lastError, resolution: r.resolution)
    }

    @discardableResult
    /// Also sets the item's loan state in the same transaction (on loan until the nb due date,
    /// or available after a return), journalled so a running gate follows it: a patron who
    /// borrowed while the ILS was away must not be stopped at the exit, and a returned item must
    /// alarm again. A repeated key changes nothing.
    public func enqueue(_ e: NewOutboxEntry) throws(OutboxError) -> Int64 {
        let update =
            switch e.kind {
            case .checkout: ItemUpdate(pii: e.item, loanState: .onLoan, dueDate: e.nbDueDate?.isoDay)
            case .checkin: ItemUpdate(pii: e.item, loanState: .available)
            }
        let row = NewOutboxRow(
            key: e.key, kind: OutboxRow.Kind(rawValue: e.kind.rawValue) ?? .checkout, patron: e.patron, item: e.item,
            transactionUnix: e.transactionUnix, transactionDate: e.transactionDate.description, nbDueDate: e.nbDueDate?.description,
            itemUpdate: update)
        return try call { () throws(CirculationError) in try store.enqueueOutbox(row) }
    }

    public func pending(limit: Int) throws(OutboxError) -> [OutboxEntry] {
        try call { () throws(CirculationError) in try store.outboxRows(.pending, limit: limit) }.map(Self.entry)
    }

    public func due(now: Int64, limit: Int) throws(OutboxError) -> [OutboxEntry] {
        try call { () throws(CirculationError) in try store.dueOutboxRows(now: now, limit: limit) }.map(Self.entry)
    }

    public func noteFailure(id: Int64, error: String, nextAttemptUnix: Int64, maxFailures: Int, atUnix: Int64) throws(OutboxError) -> Bool {
        try call { () throws(CirculationError) in
            try store.noteOutboxFailure(id: id, error: error, nextAttemptUnix: nextAttemptUnix, maxFailures: maxFailures, atUnix: atUnix)
        }
    }

    /// Takes the store's replay lock (one replayer per store file); `ReplayLock.Held` names the
    /// process replaying now.
    public func acquireReplayLock(holder: String) throws -> ReplayLock {
        try ReplayLock.acquire(storePath: store.path, holder: holder)
    }

    public func entry(id: Int64) throws(OutboxError) -> OutboxEntry? {
        try call { () throws(CirculationError) in try store.outboxRow(id: id) }.map(Self.entry)
    }

    /// Entries the ILS took, oldest first (the sync report looks for remarks among them).
    public func done(limit: Int) throws(OutboxError) -> [OutboxEntry] {
        try call { () throws(CirculationError) in try store.outboxRows(.done, limit: limit) }.map(Self.entry)
    }

    public func deadLetters(limit: Int) throws(OutboxError) -> [OutboxEntry] {
        try call { () throws(CirculationError) in try store.outboxRows(.dead, limit: limit) }.map(Self.entry)
    }

    public func pendingCheckouts(patron: String) throws(OutboxError) -> Int {
        try call { () throws(CirculationError) in try store.pendingOutboxCheckouts(patron: patron) }
    }

    public func markAttempt(id: Int64) throws(OutboxError) {
        try call { () throws(CirculationError) in try store.markOutboxAttempt(id: id) }
    }

    public func markDone(id: Int64, resolution: String, atUnix: Int64) throws(OutboxError) {
        try call { () throws(CirculationError) in try store.markOutboxDone(id: id, resolution: resolution, atUnix: atUnix) }
    }

    public func markDead(id: Int64, reason: String, atUnix: Int64) throws(OutboxError) {
        try call { () throws(CirculationError) in try store.markOutboxDead(id: id, reason: reason, atUnix: atUnix) }
    }

    public func revive(id: Int64) throws(OutboxError) -> Bool {
        try call { () throws(CirculationError) in try store.reviveOutbox(id: id) }
    }

    public func resetBackoff(id: Int64) throws(OutboxError) -> Bool {
        try call { () throws(CirculationError) in try store.resetOutboxBackoff(id: id) }
    }

    public func noteError(_ message: String, atUnix: Int64) throws(OutboxError) {
        try call { () throws(CirculationError) in try store.noteSyncError(message, atUnix: atUnix) }
    }

    public func noteACSStatus(_ s: StoredACSStatus) throws(OutboxError) {
        let row = ACSStatusRow(online: s.online, offlineOK: s.offlineOK, checkoutOK: s.checkoutOK, checkinOK: s.checkinOK, atUnix: s.atUnix)
        try call { () throws(CirculationError) in try store.noteACSStatus(row) }
    }

    public func status() throws(OutboxError) -> OutboxStatus {
        let s = try call { () throws(CirculationError) in try store.outboxSummary() }
        return OutboxStatus(
            backlog: s.backlog, oldestPendingUnix: s.oldestPendingUnix, deadLetters: s.deadLetters, done: s.done,
            lastSuccessUnix: s.lastSuccessUnix, lastError: s.lastError, lastErrorUnix: s.lastErrorUnix,
            offlineSinceUnix: s.offlineSinceUnix,
            lastACSStatus: s.lastACSStatus.map {
                StoredACSStatus(
                    online: $0.online, offlineOK: $0.offlineOK, checkoutOK: $0.checkoutOK, checkinOK: $0.checkinOK, atUnix: $0.atUnix)
            })
    }
}
