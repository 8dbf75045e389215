import CirculationModel
import SIP2

/// One loan or return the station accepted while the ILS was unreachable, exactly as the patron
/// was told: original transaction time and (for loans) the due date shown.
public struct OutboxEntry: Sendable, Equatable {
    public enum Kind: String, Sendable { case checkout, checkin }
    public enum State: String, Sendable { case pending, done, dead }

    public var id: Int64
    /// Idempotency key the station made (unique): enqueueing the same key twice is a no-op.
    public var key: String
    public var kind: Kind
    public var patron: String?
    public var item: String
    /// When it happened (SIP2 form, the box's local time, as sent to the ILS).
    public var transactionDate: SIP2Date
    public var transactionUnix: Int64
    /// The due date the patron was given (checkouts).
    public var nbDueDate: SIP2Date?
    public var state: State
    /// Sends that may have reached the ILS; > 0 means "check item information before sending again".
    public var attempts: Int
    /// Lost answers while this entry was in flight (capped, then dead-lettered).
    public var failures: Int = 0
    /// Not tried again before this time (backoff after a failure).
    public var nextAttemptUnix: Int64?
    public var lastError: String?
    public var resolution: String?
}

/// What the station hands to the outbox.
public struct NewOutboxEntry: Sendable {
    public var key: String
    public var kind: OutboxEntry.Kind
    public var patron: String?
    public var item: String
    public var transactionUnix: Int64
    public var transactionDate: SIP2Date
    public var nbDueDate: SIP2Date?

    public init(
        key: String, kind: OutboxEntry.Kind, patron: String?, item: String, transactionUnix: Int64, transactionDate: SIP2Date,
        nbDueDate: SIP2Date?
    ) {
        self.key = key; self.kind = kind; self.patron = patron; self.item = item
        self.transactionUnix = transactionUnix; self.transactionDate = transactionDate; self.nbDueDate = nbDueDate
    }
}

/// The last ACS status (98) seen, kept across restarts: offline lending needs "off-line ok" from it.
public struct StoredACSStatus: Sendable, Equatable {
    public var online, offlineOK, checkoutOK, checkinOK: Bool
    public var atUnix: Int64
    public init(online: Bool, offlineOK: Bool, checkoutOK: Bool, checkinOK: Bool, atUnix: Int64) {
        self.online = online; self.offlineOK = offlineOK; self.checkoutOK = checkoutOK; self.checkinOK = checkinOK; self.atUnix = atUnix
    }
}

public struct OutboxStatus: Sendable, Equatable {
    public var backlog: Int
    public var oldestPendingUnix: Int64?
    public var deadLetters: Int
    public var done: Int
    public var lastSuccessUnix: Int64?
    public var lastError: String?
    public var lastErrorUnix: Int64?
    /// Since when the ILS has been unreachable (nil = reachable at last contact).
    public var offlineSinceUnix: Int64?
    public var lastACSStatus: StoredACSStatus?
}

/// Storage for the outbox: `CirculationOutbox` keeps it in the circulation store; tests and other
/// stores plug in here without touching the sync service.
///
/// Contract: every mutating call is durable when it returns (committed and fsynced), because the
/// station tells the patron "done" right after `enqueue`, and the replayer relies on `markAttempt`
/// being on disk before the frame leaves the box.
public protocol OutboxStore: Sendable {
    /// Adds an entry (no-op for a key already there); returns its id.
    @discardableResult func enqueue(_ e: NewOutboxEntry) throws(OutboxError) -> Int64
    /// The oldest pending entries, in the order they were accepted.
    func pending(limit: Int) throws(OutboxError) -> [OutboxEntry]
    /// Pending entries due at `now` (not backing off), oldest first, in order per item: an
    /// entry waits while an older one of the same item is pending.
    func due(now: Int64, limit: Int) throws(OutboxError) -> [OutboxEntry]
    /// A lost answer while the entry was in flight: backoff until `nextAttemptUnix`, dead letter
    /// at `maxFailures`. Returns whether it became a dead letter.
    func noteFailure(id: Int64, error: String, nextAttemptUnix: Int64, maxFailures: Int, atUnix: Int64) throws(OutboxError) -> Bool
    func entry(id: Int64) throws(OutboxError) -> OutboxEntry?
    func deadLetters(limit: Int) throws(OutboxError) -> [OutboxEntry]
    /// Pending checkouts queued for a patron (offline limit per patron).
    func pendingCheckouts(patron: String) throws(OutboxError) -> Int
    /// Records that the entry is about to be sent (it may reach the ILS from now on).
    func markAttempt(id: Int64) throws(OutboxError)
    /// The ILS has it. `resolution` says how we know (answer, or item information after a lost answer).
    func markDone(id: Int64, resolution: String, atUnix: Int64) throws(OutboxError)
    /// A permanent refusal: out of the queue, into the dead-letter list for staff.
    func markDead(id: Int64, reason: String, atUnix: Int64) throws(OutboxError)
    /// A technician's retry of a dead letter: back to pending, failures reset (keeps its place
    /// by id, and its attempts: it is still asked about before a resend).
    func revive(id: Int64) throws(OutboxError) -> Bool
    /// A technician's "send it now" for a pending entry that pauses after failures.
    func resetBackoff(id: Int64) throws(OutboxError) -> Bool
    func noteError(_ message: String, atUnix: Int64) throws(OutboxError)
    func noteACSStatus(_ s: StoredACSStatus) throws(OutboxError)
    func status() throws(OutboxError) -> OutboxStatus
}

public struct OutboxError: Error, Sendable, CustomStringConvertible, Equatable {
    public var description: String
    /// The store's error kind (a full disk refuses a loan, a busy file is worth a retry).
    public var kind: CirculationError.Kind
    public init(_ d: String, kind: CirculationError.Kind = .other) {
        description = d
        self.kind = kind
    }
}
