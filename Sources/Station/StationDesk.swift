import Circulation
import CirculationModel
import Logging
import SIP2
import SIP2Client
import StationCore
import TagRing

/// The station's I/O edge and its API: the kiosk and the tests call it, it asks the ILS
/// through the SIP2 pool, reads and writes tags through the pad, and journals every step in
/// the store before acting on it. The decisions are the pure core's (`StationSession`,
/// `ItemPlanner`, `OfflineRules`, `Reconciliation`).
public actor StationDesk {
    public nonisolated let settings: StationSettings
    let store: CirculationStore
    let pad: PadReader
    let writer: TagSecurityWriter
    let ils: SIP2Pool?
    let clock: any MonotonicClock
    let unixNow: @Sendable () -> Int64
    let logger: Logger
    let emit: @Sendable (StationEvent) -> Void

    var session: StationSession
    public internal(set) var counters = StationCounters()
    /// Offline loans made in the current session (the per-visit limit).
    var offlineThisSession = 0
    var pin: String?
    var lastReceipt: Receipt?
    var padQuietSince: (generation: UInt64, nanos: UInt64)?
    /// Tag → the AFI it was found to need (or to have), and when (desk clock): the pad audit
    /// asks the ILS once per tag, and does not judge a tag it just wrote by an older reading.
    var auditedTags: [String: (afi: UInt8, atNanos: UInt64)] = [:]
    /// The ILS names the borrower (AA) in its checkin answers: then an answer without one
    /// means the item was not on loan.
    var checkinNamesBorrower = false
    /// Item → title from the store or the ILS ("" when neither knows it): the screen's pad list.
    var knownTitles: [String: String] = [:]

    public init(
        settings: StationSettings, store: CirculationStore, pad: PadReader, writer: TagSecurityWriter, ils: SIP2Pool?,
        clock: any MonotonicClock, unixNow: @escaping @Sendable () -> Int64, logger: Logger,
        events: @escaping @Sendable (StationEvent) -> Void = { _ in }
    ) {
        self.settings = settings
        self.store = store
        self.pad = pad
        self.writer = writer
        self.ils = ils
        self.clock = clock
        self.unixNow = unixNow
        self.logger = logger
        emit = events
        session = StationSession(settings: settings.session)
    }

    public var state: StationSession.State { session.state }
    /// Until the visit times out (the screen's countdown); nil while idle or working.
    public var remainingNanos: UInt64? { session.remainingNanos(now: clock.nanoseconds()) }
    /// The patron touched the screen ("I'm still here"): the idle timer starts again.
    public func touch() { session.activity(now: clock.nanoseconds()) }
    /// What lies on the pad now (the pad reader's snapshot).
    public nonisolated var padContents: PadContents { pad.contents }
    public nonisolated var padGeneration: UInt64 { pad.generation }
    public var receipt: Receipt? { lastReceipt }

    // MARK: identifying the patron

    /// A card number typed in or from a barcode / QR scanner.
    @discardableResult
    public func presentCard(_ card: String) async -> StationSession.Step {
        let previous = session.patron?.id
        let step = session.card(card, now: clock.nanoseconds())
        // A new card while another patron's visit was open ends that visit at the ILS too.
        if let previous, session.patron == nil, step != .none { await endAtILS(previous) }
        pin = nil
        return await follow(step)
    }

    /// A patron card lying on the pad (type of usage class 8) identifies the patron; nil when
    /// there is none, or its mapping names nobody.
    public func identifyFromPad() async -> StationSession.Step? {
        guard let card = pad.contents.patronCards.first, let id = settings.patronCards.patron(for: card) else { return nil }
        return await presentCard(id)
    }

    @discardableResult
    public func enterPIN(_ pin: String) async -> StationSession.Step {
        let step = session.pin(pin, now: clock.nanoseconds())
        self.pin = pin
        return await follow(step)
    }

    private func follow(_ step: StationSession.Step) async -> StationSession.Step {
        switch step {
        case .askPIN:
            emit(.askPIN)
            return step
        case .lookUp(let card, let pin):
            let next = await lookUp(card: card, pin: pin)
            return await follow(next)
        case .welcome(let p):
            counters.sessions += 1
            offlineThisSession = 0
            emit(.welcome(p))
            logger.info(
                "patron session \(session.number) started", metadata: ["holds_ready": "\(p.holdsReady)", "blocked": "\(p.blocked)"])
            return step
        case .refuse(let why):
            emit(.refused(why))
            return step
        case .none:
            return step
        }
    }

    private func lookUp(card: String, pin: String?) async -> StationSession.Step {
        let now = clock.nanoseconds()
        guard let ils else {
            return session.patronUnreachable(card: card, lastKnown: offlinePatron(card), now: now)
        }
        do {
            // Ask for the charged items (AU): ILSs list them only when asked, and the planner
            // tells a renewal from a checkout by them.
            let info = try await ils.with { c throws(SIP2ClientError) in
                try await c.patronInformation(card, pin: pin, summary: .charged)
            }
            let summary = PatronSummary(info, patron: card)
            let unix = unixNow()
            // Good standing is what later allows offline loans; losing it revokes them.
            if summary.valid && !summary.blocked && summary.pinValid != false {
                try? store.notePatronInGoodStanding(card, atUnix: unix)
            } else if !summary.valid || summary.blocked {
                try? store.forgetPatronStanding(card)
            }
            return session.patronAnswer(summary, now: clock.nanoseconds())
        } catch {
            logger.warning("patron look-up failed: \(error)")
            return session.patronUnreachable(card: card, lastKnown: offlinePatron(card), now: clock.nanoseconds())
        }
    }

    /// While the ILS is away: a patron seen in good standing recently may still borrow
    /// (offline limits apply); nobody else.
    private func offlinePatron(_ card: String) -> PatronSummary? {
        guard settings.offline.enabled, let seen = try? store.patronLastGood(card),
            unixNow() - seen <= Int64(settings.offline.goodStandingDays) * 86_400
        else { return nil }
        return PatronSummary(id: card, name: "", messages: ["offline"])
    }

    // MARK: ending

    /// The patron is done (or walked away): tells the ILS (35) and goes idle.
    public func endSession() async {
        guard let who = session.end() else { return }
        await endAtILS(who)
    }

    private func endAtILS(_ who: String?) async {
        pin = nil
        emit(.sessionEnded)
        guard let who, let ils else { return }
        _ = try? await ils.with { c throws(SIP2ClientError) in try await c.endSession(who) }
    }

    /// Timeouts and the autopilot; the runtime calls it a few times a second.
    public func tick() async {
        let now = clock.nanoseconds()
        session.prunePins(now: now)
        let generation = pad.generation
        if padQuietSince?.generation != generation {
            padQuietSince = (generation, now)
            session.activity(now: now)
        }
        let (ended, who) = session.tick(now: now)
        if ended { await endAtILS(who) }
    }

    // MARK: time

    var transactionDate: SIP2Date { SIP2Date(unixSeconds: unixNow(), utcOffsetSeconds: settings.utcOffsetSeconds) }

    func issuedAt() -> String {
        let d = transactionDate
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(d.year)-\(two(d.month))-\(two(d.day)) \(two(d.hour)):\(two(d.minute))"
    }
}
