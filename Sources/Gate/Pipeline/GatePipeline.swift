import CirculationModel
import ISO28560
import ReaderHub
import Synchronization
import TagRing

/// Timing rules of the decode stage.
public struct PipelineSettings: Sendable, Equatable {
    /// Repeated reads of one tag on one antenna inside this window are dropped.
    public var dedupeWindowNanos: UInt64 = 1_000_000_000
    /// An item unseen for this long has left; its next sighting is a new passage (and may
    /// alarm again). Must be longer than the dedupe window.
    public var passageGapNanos: UInt64 = 3_000_000_000
    /// Reads taken from one ring per batch before looking at the next ring (fairness).
    public var batchSize = 256
    /// Tags and items tracked at once (rounded up to a power of two).
    public var trackedTags = 8_192

    public init() {}
}

/// Counters of the decode stage; written by the decode thread only, read by anyone.
public final class PipelineStats: Sendable {
    /// Raw reads taken from the rings.
    public let reads = Atomic<Int>(0)
    /// Reads dropped as repeats inside the dedupe window.
    public let duplicates = Atomic<Int>(0)
    /// Item passages begun (an item entering the gate's field).
    public let items = Atomic<Int>(0)
    /// Gate decisions made (one per deduplicated read).
    public let decisions = Atomic<Int>(0)
    public let alarms = Atomic<Int>(0)
    public let undecodable = Atomic<Int>(0)
    /// Passages where the tag and the circulation cache disagreed.
    public let conflicts = Atomic<Int>(0)
    /// Events lost because the event ring was full (the alarm still counted here).
    public let eventDrops = Atomic<Int>(0)

    public init() {}

    @inline(__always)
    func bump(_ a: borrowing Atomic<Int>) { a.store(a.load(ordering: .relaxed) &+ 1, ordering: .relaxed) }
}

/// The decode stage: pops raw reads from every reader's ring, drops repeats, identifies the
/// item, applies the gate policy once per passage and emits alarm events.
///
/// Everything here runs on the one decode thread; only `stats`, `events` (consumer side
/// elsewhere) and the rings' producer sides are touched by other threads.
public final class GatePipeline: @unchecked Sendable {
    public let rings: [TagRing]
    public let settings: PipelineSettings
    public let policy: GatePolicy
    public let stats = PipelineStats()
    /// The circulation cache's hot-path index (nil: judge by the tag alone). Read only here,
    /// on the decode thread; updated live from other threads (see `GateIndex`).
    public let index: GateIndex?
    /// Alarm and diagnostic events for the outputs and the log (single consumer).
    public let events = SPSCRing<GateEvent>(capacity: 1024)
    /// Rung by producers after pushing into a ring, so the decode thread can sleep when idle.
    /// Rung by the producers (the reader hub's threads) after every push.
    public let doorbell: Doorbell
    private let clock: any MonotonicClock
    private var dedupe: RecentTable
    private var passages: RecentTable
    /// Arrival-to-decision latency of every decision. Owned by the decode thread: read it
    /// only after the thread has been joined.
    public private(set) var latency = LatencyHistogram()

    public init(
        rings: [TagRing], doorbell: Doorbell = Doorbell(), settings: PipelineSettings, policy: GatePolicy, clock: any MonotonicClock,
        index: GateIndex? = nil
    ) {
        self.doorbell = doorbell
        precondition(settings.passageGapNanos > settings.dedupeWindowNanos, "passage gap must exceed the dedupe window")
        self.rings = rings
        self.settings = settings
        self.policy = policy
        self.clock = clock
        self.index = index
        // Lookups happen on whichever thread drains the rings (the decode thread): from now on
        // replaced index tables wait for its quiescent points before they are freed.
        index?.attachReader()
        dedupe = RecentTable(capacity: settings.trackedTags, expiryNanos: settings.dedupeWindowNanos)
        passages = RecentTable(capacity: settings.trackedTags, expiryNanos: settings.passageGapNanos)
    }

    /// Processes what is queued in every ring (up to one batch per ring). Returns reads taken.
    @discardableResult
    public func processAvailable() -> Int {
        var taken = 0
        for ring in rings {
            taken += ring.drain(max: settings.batchSize) { read in process(read) }
        }
        // No index table pointer is held between batches: replaced tables may be freed.
        index?.readerQuiescent()
        return taken
    }

    @inline(__always)
    private func process(_ read: borrowing TagRead) {
        let now = clock.nanoseconds()
        stats.bump(stats.reads)

        // 1. Dedupe per tag per antenna: accept once per window while the tag stays in range.
        let tagKey = read.idKey
        let dedupeKey = tagKey ^ (UInt64(read.reader) << 48 | UInt64(read.antenna) << 40) &* 0x9E37_79B9
        let seen = dedupe.touch(dedupeKey, now: now)
        if let previous = seen.previous, now &- previous.mark < settings.dedupeWindowNanos {
            stats.bump(stats.duplicates)
            return
        }
        dedupe.setMark(slot: seen.slot, now: now)

        // 2. Identify the item.
        var item = ItemID()
        var owner = ItemID()
        var part: UInt8 = 0, parts: UInt8 = 0
        var usageClass: UInt8? = nil
        var decoded = false
        var decodeError: DecodeError? = nil
        switch decodeForGate(read) {
        case .item(let gateItem):
            item = gateItem.pii
            owner = gateItem.owner
            if gateItem.partsInSet > 1 { (part, parts) = (gateItem.partNumber, gateItem.partsInSet) }
            usageClass = gateItem.usageClass
            decoded = true
        case .malformed(let error):
            decodeError = error
        case .blank, .unrecognised:
            break
        }

        // 3. One passage per item (per tag when it has no readable id), across antennas. Each
        //    part of a multi-part set is its own passage, so each is judged and alarms on its own.
        let passageKey = decoded ? item.hashKey &+ UInt64(part) &* 0x9E37_79B9_7F4A_7C15 : tagKey
        let passage = passages.touch(passageKey, now: now)
        let newPassage = passage.previous == nil
        if newPassage { stats.bump(stats.items) }

        // 4. Decide: the tag's security state, the cache entry (hot list included), the owner,
        //    the type of usage.
        let security: SecurityState = read.flags.contains(.systemInfoValid) ? policy.afiProfile.state(afi: read.afi) : .unknown
        let cache: CacheEntry = decoded ? (index?.lookup(CirculationKey.of(item)) ?? .none) : .none
        let judgement = policy.judge(
            GateFacts(security: security, decoded: decoded, cache: cache, owner: policy.ownerClass(owner), usageClass: usageClass))
        let decision = judgement.decision
        stats.bump(stats.decisions)
        latency.record(nanos: clock.nanoseconds() &- read.arrivalNanos)

        let details = EventDetails(owner: owner, part: part, parts: parts, cache: cache)
        if !decoded && newPassage {
            stats.bump(stats.undecodable)
            emit(.undecodable, .undecodable, item, read, decodeError, now, details)
        }
        if judgement.conflict && passage.previous?.noted != true {
            passages.setNoted(slot: passage.slot)
            stats.bump(stats.conflicts)
            emit(.conflict, decision.reason, item, read, decodeError, now, details)
        }
        if case .alarm(let reason) = decision, passage.previous?.flag != true {
            passages.setFlag(slot: passage.slot)
            stats.bump(stats.alarms)
            emit(.alarm, reason, item, read, decodeError, now, details)
        }
    }

    struct EventDetails {
        var owner: ItemID
        var part: UInt8, parts: UInt8
        var cache: CacheEntry
    }

    @inline(__always)
    private func emit(
        _ kind: GateEvent.Kind, _ reason: GateReason, _ item: ItemID, _ read: borrowing TagRead,
        _ error: DecodeError?, _ now: UInt64, _ d: EventDetails
    ) {
        let event = GateEvent(
            kind: kind, reason: reason, item: item, tagID: read.idKey, reader: read.reader,
            antenna: read.antenna, afi: read.afi, atNanos: now, decodeError: error,
            owner: d.owner, partNumber: d.part, partsInSet: d.parts, cache: d.cache)
        if !events.push(event) { stats.bump(stats.eventDrops) }
    }

    /// The decode thread's loop: process until `stop` is set, then drain what is left.
    /// When every ring is empty it sleeps on the doorbell (rung by every push), waking at least
    /// every 100 ms to look at `stop` and to move the heartbeat the watchdog checks.
    public func run(until stop: borrowing Atomic<Bool>, heartbeat: borrowing Atomic<UInt64>) {
        while !stop.load(ordering: .acquiring) {
            heartbeat.store(heartbeat.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
            if processAvailable() > 0 { continue }
            doorbell.wait(timeoutNanos: 100_000_000)
        }
        while processAvailable() > 0 {}
    }
}

extension ItemID {
    /// A 64-bit key for the passage table (FNV-1a over the id bytes).
    @inline(__always)
    var hashKey: UInt64 {
        withUnsafeBytes { bytes in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            return h
        }
    }
}
