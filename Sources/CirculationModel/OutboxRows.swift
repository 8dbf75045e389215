/// The SIP2 outbox as the store keeps it (`sip2_outbox`, `sip2_sync_state`). Plain rows: the
/// store knows nothing of SIP2; `SIP2Sync.CirculationOutbox` maps them to its own types.

/// One `sip2_outbox` row.
public struct OutboxRow: Sendable, Equatable {
    public enum Kind: String, Sendable { case checkout, checkin }
    public enum State: String, Sendable { case pending, done, dead }

    public var id: Int64
    public var key: String
    public var kind: Kind
    public var patron: String?
    public var item: String
    public var transactionUnix: Int64
    /// As sent to the ILS (SIP2 date form, the box's local time).
    public var transactionDate: String
    /// SIP2 date form.
    public var nbDueDate: String?
    public var state: State
    public var attempts: Int
    /// Lost answers while this entry was in flight; capped, then dead-lettered.
    public var failures: Int
    /// Not tried again before this time (backoff after a failure).
    public var nextAttemptUnix: Int64?
    public var lastError: String?
    public var resolution: String?

    public init(
        id: Int64, key: String, kind: Kind, patron: String?, item: String, transactionUnix: Int64, transactionDate: String,
        nbDueDate: String?, state: State, attempts: Int, failures: Int = 0, nextAttemptUnix: Int64? = nil,
        lastError: String?, resolution: String?
    ) {
        self.failures = failures
        self.nextAttemptUnix = nextAttemptUnix
        self.id = id
        self.key = key
        self.kind = kind
        self.patron = patron
        self.item = item
        self.transactionUnix = transactionUnix
        self.transactionDate = transactionDate
        self.nbDueDate = nbDueDate
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
        self.resolution = resolution
    }
}

/// A row to enqueue, with the item's new record written in the same transaction.
public struct NewOutboxRow: Sendable, Equatable {
    public var key: String
    public var kind: OutboxRow.Kind
    public var patron: String?
    public var item: String
    public var transactionUnix: Int64
    public var transactionDate: String
    public var nbDueDate: String?
    /// The item's loan state as the patron was told (journalled for a running gate).
    public var itemUpdate: ItemUpdate

    public init(
        key: String, kind: OutboxRow.Kind, patron: String?, item: String, transactionUnix: Int64, transactionDate: String,
        nbDueDate: String?, itemUpdate: ItemUpdate
    ) {
        self.key = key
        self.kind = kind
        self.patron = patron
        self.item = item
        self.transactionUnix = transactionUnix
        self.transactionDate = transactionDate
        self.nbDueDate = nbDueDate
        self.itemUpdate = itemUpdate
    }
}

/// The last ACS status (98) as `sip2_sync_state` keeps it.
public struct ACSStatusRow: Sendable, Equatable {
    public var online, offlineOK, checkoutOK, checkinOK: Bool
    public var atUnix: Int64

    public init(online: Bool, offlineOK: Bool, checkoutOK: Bool, checkinOK: Bool, atUnix: Int64) {
        self.online = online
        self.offlineOK = offlineOK
        self.checkoutOK = checkoutOK
        self.checkinOK = checkinOK
        self.atUnix = atUnix
    }
}

/// Queue counts and `sip2_sync_state`, read in one snapshot.
public struct OutboxSummary: Sendable, Equatable {
    public var backlog: Int
    public var oldestPendingUnix: Int64?
    public var deadLetters: Int
    public var done: Int
    public var lastSuccessUnix: Int64?
    public var lastError: String?
    public var lastErrorUnix: Int64?
    public var offlineSinceUnix: Int64?
    public var lastACSStatus: ACSStatusRow?

    public init(
        backlog: Int, oldestPendingUnix: Int64?, deadLetters: Int, done: Int, lastSuccessUnix: Int64?, lastError: String?,
        lastErrorUnix: Int64?, offlineSinceUnix: Int64?, lastACSStatus: ACSStatusRow?
    ) {
        self.backlog = backlog
        self.oldestPendingUnix = oldestPendingUnix
        self.deadLetters = deadLetters
        self.done = done
        self.lastSuccessUnix = lastSuccessUnix
        self.lastError = lastError
        self.lastErrorUnix = lastErrorUnix
        self.offlineSinceUnix = offlineSinceUnix
        self.lastACSStatus = lastACSStatus
    }
}
