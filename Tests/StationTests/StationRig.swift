import Circulation
import CirculationModel
import Foundation
import ILSSimulator
import ISO28560
import Logging
import ReaderEmulators
import ReaderHub
import SIP2
import SIP2Client
import Station
import StationCore
import Synchronization
import TagRing
import Testing

// The station's desk on real parts: a temp store file, a simulated pad (tags in a field, a
// `feig-sim` reader in a `ReaderHub`, the `PadReader` thread), the simulated ILS over loopback
// with a pool of real SIP2 clients. Nothing is mocked; faults are injected in the tag field.

/// The pad's tag field, with faults a test can switch on per tag: writes that fail (the reader
/// answers "no transponder"), writes acknowledged but never applied (the verify catches them),
/// and tags lifted off the pad (on a write, or by hand) and put back. Lifted tags keep their
/// memory and AFI (`afi(_:)`), but no reader sees them.
final class PadField: TagField, @unchecked Sendable {
    private struct Faults {
        var failWrites: [UInt64: Int] = [:]
        var acknowledgeOnly: Set<UInt64> = []
        var liftOnWrite: Set<UInt64> = []
        var lifted: Set<UInt64> = []
        var writes: [UInt64: Int] = [:]
        var lifts = 0
    }

    /// Every tag ever placed, lifted or not.
    let inner = StaticTagField()
    private let faults = Mutex(Faults())

    /// Lays the tag on the pad (or back on it).
    func place(_ tag: EmulatedTag) {
        inner.place(tag)
        _ = faults.withLock { $0.lifted.remove(tag.uid) }
    }

    /// A tag that exists (a patron took it home) but lies on no pad.
    func placeOffPad(_ tag: EmulatedTag) {
        _ = faults.withLock { $0.lifted.insert(tag.uid) }
        inner.place(tag)
    }

    func lift(_ uid: UInt64) { _ = faults.withLock { $0.lifted.insert(uid) } }
    func putBack(_ uid: UInt64) { _ = faults.withLock { $0.lifted.remove(uid) } }

    /// The tag's AFI now, on the pad or not.
    func afi(_ uid: UInt64) -> UInt8? { inner.tag(uid: uid)?.afi }

    /// The next `times` AFI writes to the tag fail (Int.max: all of them).
    func failWrites(_ uid: UInt64, times: Int) { faults.withLock { $0.failWrites[uid] = times } }
    /// AFI writes to the tag are acknowledged but never reach its memory.
    func acknowledgeWithoutApplying(_ uid: UInt64) { _ = faults.withLock { $0.acknowledgeOnly.insert(uid) } }
    /// The tag leaves the pad as the first AFI write reaches for it (that write fails).
    func liftOnFirstWrite(_ uid: UInt64) { _ = faults.withLock { $0.liftOnWrite.insert(uid) } }

    /// AFI writes that reached the field for this tag (failed ones included).
    func writes(_ uid: UInt64) -> Int { faults.withLock { $0.writes[uid] ?? 0 } }
    var lifts: Int { faults.withLock { $0.lifts } }

    // MARK: TagField

    func uids(antenna: UInt8, atNanos nanos: UInt64, into: inout [UInt64]) {
        var all: [UInt64] = []
        inner.uids(antenna: antenna, atNanos: nanos, into: &all)
        let lifted = faults.withLock { $0.lifted }
        into.append(contentsOf: all.filter { !lifted.contains($0) })
    }

    func tag(uid: UInt64) -> EmulatedTag? {
        if faults.withLock({ $0.lifted.contains(uid) }) { return nil }
        return inner.tag(uid: uid)
    }

    func setAFI(uid: UInt64, afi: UInt8) -> Bool {
        enum Effect { case apply, fail, acknowledgeOnly }
        let effect = faults.withLock { f -> Effect in
            f.writes[uid, default: 0] += 1
            if f.lifted.contains(uid) { return .fail }
            if f.liftOnWrite.remove(uid) != nil {
                f.lifted.insert(uid)
                f.lifts += 1
                return .fail
            }
            if let n = f.failWrites[uid], n > 0 {
                f.failWrites[uid] = n == Int.max ? n : n - 1
                return .fail
            }
            return f.acknowledgeOnly.contains(uid) ? .acknowledgeOnly : .apply
        }
        switch effect {
        case .apply: return inner.setAFI(uid: uid, afi: afi)
        case .fail: return false
        case .acknowledgeOnly: return inner.tag(uid: uid) != nil
        }
    }

    func setEAS(uid: UInt64, on: Bool) -> Bool {
        if faults.withLock({ $0.lifted.contains(uid) }) { return false }
        return inner.setEAS(uid: uid, on: on)
    }
}

/// Tag images as a library's converter writes them: ISO 28560-3 memory from the real encoder.
enum Tags {
    static let owner = "CN-DEMO"
    static let secured: UInt8 = 0x07
    static let unsecured: UInt8 = 0xC2

    /// A fresh NXP-style UID (E0 04 …), unique within the test process.
    static func uid() -> UInt64 { 0xE004_0170_0000_0000 | UInt64(counter.add(1, ordering: .relaxed).newValue) }
    private static let counter = Atomic<UInt32>(0)

    /// An item's tag; `set` is (parts in item, part number) of a multi-part item.
    static func item(_ pii: String, afi: UInt8 = secured, usage: UInt8 = 0x10, set: (Int, Int)? = nil) throws -> EmulatedTag {
        var record = ItemRecord(primaryItemIdentifier: pii)
        record.ownerInstitution = owner
        record.typeOfUsage = usage
        if let (parts, part) = set { record.setInformation = two(parts) + two(part) }
        // ISO 28560-3 tags carry DSFID 0x00 (the simulated gate's part 3 tags do the same).
        let memory = try Part3.encode(record)
        return EmulatedTag(uid: uid(), dsfid: 0x00, afi: afi, memory: memory + [UInt8](repeating: 0, count: max(0, 112 - memory.count)))
    }

    /// A patron card (type of usage 0x81, adult) whose PII is the patron's barcode.
    static func patronCard(_ patron: String) throws -> EmulatedTag { try item(patron, afi: secured, usage: 0x81) }

    private static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}

/// Everything the desk's events said, in order.
final class EventLog: Sendable {
    private let list = Mutex<[StationEvent]>([])
    func append(_ e: StationEvent) { list.withLock { $0.append(e) } }
    var all: [StationEvent] { list.withLock { $0 } }
}

struct WaitTimeout: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` until it holds; throws when `seconds` pass first. What makes a test go on
/// is the condition, never the time slept.
func eventually(_ what: String, within seconds: Double = 15, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while !(try await condition()) {
        guard ContinuousClock.now < deadline else { throw WaitTimeout(what: what) }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// One station on real parts. Build with `withRig`, which always tears it down.
final class StationRig: Sendable {
    static let readerID = "pad"

    let dir: String
    let store: CirculationStore
    let field: PadField
    let hub: ReaderHub
    let pad: PadReader
    let ils: SimulatedILS
    let pool: SIP2Pool
    let writer: TagSecurityWriter
    let desk: StationDesk
    let events: EventLog
    let clock: SystemMonotonicClock

    struct Options {
        var settings = StationSettings(liftGraceNanos: 300_000_000, settleNanos: 0)
        var ilsDelay: Duration = .milliseconds(20)
        var poolSize = 3
        /// How long the pad keeps a tag no reader saw (shorter than the desk's default so a
        /// lifted tag is noticed quickly).
        var presenceNanos: UInt64 = 1_000_000_000
    }

    private init(_ o: Options) async throws {
        clock = SystemMonotonicClock()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("rfidgate-station-\(getpid())-\(UUID().uuidString)").path
        store = try CirculationStore(path: dir + "/station.sqlite", durability: .normal)

        field = PadField()
        var spec = ReaderSpec(id: Self.readerID, driver: .feigSim, antennas: [1])
        spec.responseTimeoutMillis = 200
        hub = try ReaderHub(
            readers: [spec], ringCapacity: 4096, clock: clock, world: SimulatedWorld(field: field, beamInputs: { _, _, _ in 0 }))
        pad = PadReader(hub: hub, clock: clock, presenceNanos: o.presenceNanos)
        pad.start()  // the consumer first, so nothing waits in a ring
        hub.start()
        let readers = hub
        writer = TagSecurityWriter(profile: .init(), commands: { readers.commands(for: $0) })

        ils = try await SimulatedILS.start(configuration: .init(responseDelay: o.ilsDelay, jitter: .zero))
        let sip2 = SIP2ClientConfiguration(host: ils.host, port: ils.port, login: "sc_user", password: "sc_pass", institution: "DEMO")
        pool = SIP2Pool(configuration: sip2, size: o.poolSize)

        var logger = Logger(label: "station-test")
        logger.logLevel = .notice
        let events = EventLog()
        self.events = events
        desk = StationDesk(
            settings: o.settings, store: store, pad: pad, writer: writer, ils: pool, clock: clock, unixNow: ILSSimulator.WallClock.unixNow,
            logger: logger, events: { events.append($0) })
    }

    static func start(_ o: Options = Options()) async throws -> StationRig {
        let rig = try await StationRig(o)
        do {
            // Every pooled connection logged in (and its 98 read) before a test measures anything.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for c in rig.pool.clients { group.addTask { try await c.connect() } }
                try await group.waitForAll()
            }
            try await eventually("the pad reader reading") { rig.hub.runners[0].state == .reading }
        } catch {
            await rig.shutdown()
            throw error
        }
        return rig
    }

    func shutdown() async {
        hub.stopReaders()
        pad.stop()
        hub.shutdown()
        await pool.disconnect()
        try? await ils.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    // MARK: the pad

    /// Lays tags on the pad and waits until the pad has read each of them (memory and AFI).
    func lay(_ tags: [EmulatedTag]) async throws {
        for t in tags { field.place(t) }
        try await eventually("the pad reading \(tags.count) tags") {
            tags.allSatisfy { t in
                guard let seen = pad.tag(.hf(t.uid)) else { return false }
                return seen.afi == t.afi && seen.record != nil
            }
        }
    }

    /// Waits until the pad no longer shows the tag (after it was lifted).
    func waitOffPad(_ uid: UInt64) async throws {
        try await eventually("tag \(PadTagID.hf(uid)) to leave the pad") { pad.tag(.hf(uid)) == nil }
    }

    func afi(_ tag: EmulatedTag) -> UInt8? { field.afi(tag.uid) }

    // MARK: the ILS

    func ilsItem(_ id: String) throws -> SimulatedItemState { try #require(ils.item(id), "no item \(id) in the simulated ILS") }

    func isCharged(_ id: String) throws -> Bool { try ilsItem(id).patron != nil }

    /// ILS events about an item (any operation).
    func ilsEvents(item: String) -> [SimulatedEvent] { ils.events.filter { $0.item == item } }

    /// What the SIP2 pool last read in a 98, recorded in the store like the sync service does
    /// (nothing in the station's own path writes it; see the report).
    func noteACSStatus() async throws {
        let s = try #require(await pool.acsStatus(), "no 98 read by the pool")
        try store.noteACSStatus(
            ACSStatusRow(
                online: s.online, offlineOK: s.offlineOK, checkoutOK: s.checkoutOK, checkinOK: s.checkinOK,
                atUnix: ILSSimulator.WallClock.unixNow()))
    }

    /// Checks an item out at the ILS behind the station's back (a crash left it so).
    func chargeAtILS(_ item: String, to patron: String) async throws {
        let outcome = try await pool.with { c throws(SIP2ClientError) in
            try await c.checkout(await c.makeCheckout(patron: patron, item: item))
        }
        guard case .answered(let r) = outcome, r.ok else {
            Issue.record("the ILS did not lend \(item): \(outcome)")
            return
        }
    }

    // MARK: the store

    /// Journal rows of an item, oldest first.
    func journal(_ item: String) throws -> [StationJournalRow] {
        try store.recentJournal(limit: 10_000).filter { $0.item == item }.sorted { $0.id < $1.id }
    }

    func phases(_ item: String) throws -> [String] { try journal(item).map(\.phase) }

    /// Starts a journal row as a crashed station would have left it.
    @discardableResult
    func journalRow(
        _ kind: LoanKind, item: String, patron: String?, tags: [EmulatedTag], phase: JournalPhase, outbox: NewOutboxRow? = nil
    ) throws -> Int64 {
        let tagText = tags.map { PadTagID.hf($0.uid).description }.joined(separator: ",")
        let now = ILSSimulator.WallClock.unixNow()
        let id = try store.beginJournal(
            session: "crashed", kind: kind.rawValue, patron: patron, item: item, title: nil, tag: tagText, atUnix: now)
        var path: [JournalPhase] = []
        switch phase {
        case .planned: path = []
        case .ilsSent: path = [.ilsSent]
        case .accepted: path = [.ilsSent, .accepted]
        case .tagWriting: path = [.ilsSent, .accepted, .tagWriting]
        case .cancelling: path = [.ilsSent, .accepted, .tagWriting, .cancelling]
        default: Issue.record("\(phase) is not an open phase")
        }
        for p in path {
            try store.advanceJournal(id: id, to: p.rawValue, outbox: p == .accepted ? outbox : nil, atUnix: now)
        }
        return id
    }
}

/// Starts a rig, runs `body` on it and always tears it down.
func withRig<T>(_ options: StationRig.Options = .init(), _ body: (StationRig) async throws -> T) async throws -> T {
    let rig = try await StationRig.start(options)
    do {
        let result = try await body(rig)
        await rig.shutdown()
        return result
    } catch {
        await rig.shutdown()
        throw error
    }
}

extension Receipt {
    func outcome(_ item: String) -> ItemOutcome.Result? { outcomes.first { $0.item == item }?.result }
}

extension ItemOutcome.Result {
    var isCheckedOut: Bool {
        if case .checkedOut(let due) = self { return !due.isEmpty }
        return false
    }
}

extension StationSession.Step {
    var isWelcome: Bool {
        if case .welcome = self { return true }
        return false
    }
}
