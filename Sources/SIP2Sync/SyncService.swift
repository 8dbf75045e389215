import Logging
import SIP2
import SIP2Client

/// Replays the outbox to the ILS, oldest first, one transaction at a time.
///
/// Exactly once, across kills and power cuts:
/// 1. `markAttempt` is on disk before the frame leaves the box;
/// 2. an entry with attempts > 0 may already be in the ILS, so first ask item information (17):
///    a checkin whose item is no longer charged is done; a checkout whose item is charged is done
///    only when it is charged to this entry's patron (patron information, 63, lists the patron's
///    charged items): charged to anybody else, or not confirmable, it is a dead letter for staff;
/// 3. otherwise send it with no block = Y, the original transaction date and the nb due date the
///    patron was given; ok = 1 → done, ok = 0 → dead letter (permanent refusal, staff alert);
/// 4. any lost answer (timeout, closed connection, 96/97 exhausted) leaves the entry pending with
///    one more failure and a growing pause before its next try, and stops the round; the next
///    round starts again at step 2. At `maxFailures` the entry becomes a dead letter: a poisoned
///    entry (one the ILS never answers) cannot block the queue forever.
/// Order is kept per item (a checkout reaches the ILS before a later checkin of the same item,
/// also while the checkout backs off), not across unrelated items. Patron traffic on the same
/// client interleaves between replayed exchanges (the client serialises them), so a patron at the
/// station waits at most one replay exchange.
public actor SyncService {
    public struct RoundResult: Sendable, Equatable {
        public var done = 0, deadLettered = 0
        /// Why the round stopped early (nil = queue empty).
        public var stoppedBy: String?
        /// The store, not the ILS, stopped it.
        public var storageFault = false
    }

    public typealias Alert = @Sendable (OutboxEntry, String) -> Void

    let store: any OutboxStore
    let client: SIP2Client
    let logger: Logger
    let alert: Alert
    let clock: @Sendable () -> Int64
    let retry: RetryPolicy

    /// How often an entry whose answers get lost is tried, and how long it waits in between.
    public struct RetryPolicy: Sendable, Equatable {
        /// Lost answers before the entry becomes a dead letter.
        public var maxFailures: Int
        /// The pause after the first failure; doubled after each one, up to `maxPauseSeconds`.
        public var firstPauseSeconds: Int64
        public var maxPauseSeconds: Int64
        public init(maxFailures: Int = 8, firstPauseSeconds: Int64 = 30, maxPauseSeconds: Int64 = 3600) {
            self.maxFailures = maxFailures; self.firstPauseSeconds = firstPauseSeconds; self.maxPauseSeconds = maxPauseSeconds
        }
        /// The pause after the `failures`-th failure.
        public func pause(afterFailures failures: Int) -> Int64 {
            var p = firstPauseSeconds
            for _ in 1..<max(1, failures) where p < maxPauseSeconds { p *= 2 }
            return min(p, maxPauseSeconds)
        }
    }

    public init(
        store: any OutboxStore, client: SIP2Client, logger: Logger = Logger(label: "rfidgate.sync"),
        clock: @escaping @Sendable () -> Int64 = SIP2Clock.unixNow, retry: RetryPolicy = RetryPolicy(),
        alert: @escaping Alert = { _, _ in }
    ) {
        self.store = store; self.client = client; self.logger = logger; self.alert = alert; self.clock = clock; self.retry = retry
    }

    /// Replays until the queue is empty or something stops it. Never throws: errors are recorded
    /// in the store (`sync status` shows them) and returned in `stoppedBy`.
    public func replayRound(batch: Int = 256) async -> RoundResult {
        var result = RoundResult()
        do {
            try await client.connect()
            if let s = await client.acsStatus {
                try store.noteACSStatus(
                    StoredACSStatus(
                        online: s.online, offlineOK: s.offlineOK, checkoutOK: s.checkoutOK, checkinOK: s.checkinOK, atUnix: clock()))
                guard s.online else {
                    result.stoppedBy = "the ILS reports itself off-line (98 on-line = N)"
                    try store.noteError(result.stoppedBy!, atUnix: clock())
                    return result
                }
            }
            while true {
                let entries = try store.due(now: clock(), limit: batch)
                if entries.isEmpty { return result }
                for e in entries {
                    do {
                        switch try await replay(e) {
                        case .done: result.done += 1
                        case .dead: result.deadLettered += 1
                        }
                    } catch let error as SIP2ClientError where Self.implicates(error) {
                        // Its answer was lost: this entry pauses (and is capped); the round stops.
                        if try noteFailure(e, error) { result.deadLettered += 1 }
                        throw error
                    }
                }
            }
        } catch let e as SIP2ClientError {
            result.stoppedBy = e.description
        } catch {
            // Not the ILS: the store failed (a full or failing disk).
            result.stoppedBy = "\(error)"
            result.storageFault = true
        }
        if let why = result.stoppedBy {
            logger.notice("SIP2 replay paused: \(why)")
            try? store.noteError(why, atUnix: clock())
        }
        return result
    }

    enum Replayed { case done, dead }

    /// Errors that happened while this entry was in flight (not a refused connection before it).
    static func implicates(_ e: SIP2ClientError) -> Bool {
        switch e {
        case .timeout, .resendLimit, .badChecksum, .unexpectedResponse, .encode: true
        case .connectionClosed(_, let sent): sent
        case .connectFailed, .tlsFailed, .loginRefused, .backingOff: false
        }
    }

    /// One more failure for `e`; true when that made it a dead letter (staff alerted).
    func noteFailure(_ e: OutboxEntry, _ error: SIP2ClientError) throws -> Bool {
        let now = clock()
        let failures = e.failures + 1
        // An entry that cannot even be encoded (a character the ILS's charset lacks) never will be.
        let cap = if case .encode = error { 1 } else { retry.maxFailures }
        let dead = try store.noteFailure(
            id: e.id, error: error.description, nextAttemptUnix: now + retry.pause(afterFailures: failures), maxFailures: cap, atUnix: now)
        if dead {
            let reason = "no answer from the ILS in \(failures) tries (last: \(error))"
            logger.error(
                "SIP2 outbox entry \(e.id) (\(e.kind.rawValue) \(e.item)) moved to dead letters: \(reason); staff must check it in the ILS, then `rfidgatectl sync retry \(e.id)` if it should be sent again"
            )
            alert(e, reason)
        } else {
            logger.warning(
                "SIP2 outbox entry \(e.id) (\(e.kind.rawValue) \(e.item)): \(error); try \(failures) of \(cap), next in \(retry.pause(afterFailures: failures)) s"
            )
        }
        return dead
    }

    func replay(_ e: OutboxEntry) async throws -> Replayed {
        if e.attempts > 0 {
            // It may already be in the ILS: ask before sending again (never a second loan).
            let info = try await client.itemInformation(e.item)
            switch e.kind {
            case .checkout where SIP2UnknownOutcomeRule.afterLostCheckout(info) == .alreadyApplied:
                // Charged, but to whom? Only a charge to this entry's patron is our checkout.
                switch try await chargedTo(patron: e.patron ?? "", item: e.item) {
                case .yes:
                    try store.markDone(
                        id: e.id,
                        resolution:
                            "item information after a lost answer: charged (\(info.circulationStatusCode)) to patron \(e.patron ?? "")",
                        atUnix: clock())
                    return .done
                case .no:
                    return try dead(
                        e,
                        "after a lost answer the ILS shows the item charged, but not to patron \(e.patron ?? "?"): someone else has it; resolve at the desk"
                    )
                case .unknown:
                    return try dead(
                        e,
                        "after a lost answer the ILS shows the item charged and does not list patron \(e.patron ?? "?")'s charged items: cannot tell whether this checkout is ours; check in the ILS"
                    )
                }
            case .checkin where SIP2UnknownOutcomeRule.afterLostCheckin(info) == .alreadyApplied:
                try store.markDone(
                    id: e.id, resolution: "item information after a lost answer: not charged (\(info.circulationStatusCode))",
                    atUnix: clock())
                return .done
            default: break
            }
        }
        try store.markAttempt(id: e.id)
        switch e.kind {
        case .checkout:
            let r = await client.makeCheckout(
                patron: e.patron ?? "", item: e.item, noBlock: true, transactionDate: e.transactionDate,
                nbDueDate: e.nbDueDate ?? e.transactionDate)
            guard case .checkout(let c) = try await client.request(r) else {
                throw SIP2ClientError.unexpectedResponse(command: "11", got: "?")
            }
            if c.ok {
                try store.markDone(id: e.id, resolution: c.renewal ? "renewal ok (patron already had it)" : "checked out", atUnix: clock())
                return .done
            }
            return try dead(e, "ILS refused the checkout: " + (c.screenMessages.first ?? "no reason given"))
        case .checkin:
            let r = await client.makeCheckin(item: e.item, noBlock: true, transactionDate: e.transactionDate, returnDate: e.transactionDate)
            guard case .checkin(let c) = try await client.request(r) else {
                throw SIP2ClientError.unexpectedResponse(command: "09", got: "?")
            }
            if c.ok {
                try store.markDone(
                    id: e.id, resolution: c.alert ? "checked in, alert: " + (c.screenMessages.first ?? "put aside") : "checked in",
                    atUnix: clock())
                return .done
            }
            return try dead(e, "ILS refused the checkin: " + (c.screenMessages.first ?? "no reason given"))
        }
    }

    enum Confirmation { case yes, no, unknown }

    /// Whether `item` is among the patron's charged items (63 with the charged-items summary).
    /// An ILS that reports charged items but lists none cannot confirm: unknown.
    func chargedTo(patron: String, item: String) async throws -> Confirmation {
        guard !patron.isEmpty else { return .unknown }
        let info = try await client.patronInformation(patron, summary: .charged, range: 1...9999)
        if info.chargedItems.contains(item) { return .yes }
        // counts[2] is the charged-items count of the fixed part.
        return info.chargedItems.isEmpty && (info.counts[2] ?? 0) > 0 ? .unknown : .no
    }

    func dead(_ e: OutboxEntry, _ reason: String) throws -> Replayed {
        try store.markDead(id: e.id, reason: reason, atUnix: clock())
        logger.error(
            "SIP2 outbox entry \(e.id) (\(e.kind.rawValue) \(e.item)) moved to dead letters: \(reason); staff must resolve it in the ILS, then `rfidgatectl sync retry \(e.id)` if it should be sent again"
        )
        alert(e, reason)
        return .dead
    }

    /// Replays forever: a round, then a wait (poll interval when the queue drained or the round
    /// got entries through before it stopped; growing backoff after a round that got nothing
    /// through). Ends when the task is cancelled.
    /// `onRound` sees every round's result (the daemon's counters and log lines).
    public func run(
        pollInterval: Duration = .seconds(5), maxBackoff: Duration = .seconds(300),
        onRound: @Sendable (RoundResult) -> Void = { _ in }
    ) async {
        var wait = pollInterval
        while !Task.isCancelled {
            let r = await replayRound()
            onRound(r)
            // Backoff spares an ILS that is away. A round that got entries through, or that a
            // disk fault stopped (a write retried a second later costs nothing), waits the poll
            // interval, so the queue drains as soon as the disk works again.
            let progressed = r.done + r.deadLettered > 0
            wait = r.stoppedBy == nil || progressed || r.storageFault ? pollInterval : min(wait * 2, maxBackoff)
            try? await Task.sleep(for: wait)
        }
    }
}
