import ISO28560
import ReaderHub
import StationCore
import Synchronization
import TagRing
import Threads

/// The station's consumer of the reader hub (like the gate's pipeline): on its own `pad`
/// thread it drains every reader's ring, decodes each tag's memory (ISO 28560 / GB/T 35660)
/// and keeps the `PadTracker` of what lies on the pad. Other tasks read snapshots.
///
/// Decoding here is the full decoder, not the gate's fast path: a pad sees a few tags a
/// second, and the station needs every element (set information, type of usage, title).
public final class PadReader: @unchecked Sendable {
    private let hub: ReaderHub
    private let clock: any MonotonicClock
    private let state: Mutex<PadTracker>
    private let running = Atomic<Bool>(false)
    private let readsSeen = Atomic<Int>(0)
    private var thread: OSThread?

    public init(hub: ReaderHub, clock: any MonotonicClock, presenceNanos: UInt64 = 1_500_000_000) {
        self.hub = hub
        self.clock = clock
        state = Mutex(PadTracker(presenceNanos: presenceNanos))
    }

    public func start() {
        guard !running.exchange(true, ordering: .acquiringAndReleasing) else { return }
        thread = OSThread(name: "pad") { [self] in run() }
    }

    /// Stops the thread (after the hub's readers stopped) and forgets the pad.
    public func stop() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        hub.doorbell.ring()
        thread?.join()
        thread = nil
    }

    /// What lies on the pad now.
    public var tracker: PadTracker { state.withLock { $0 } }
    public var contents: PadContents { state.withLock { $0.contents } }
    public var generation: UInt64 { state.withLock { $0.generation } }
    /// Reads taken since start: the reconciler waits for a few before it trusts "not on the pad".
    public var reads: Int { readsSeen.load(ordering: .relaxed) }
    public func tag(_ id: PadTagID) -> PadTag? { state.withLock { $0.tag(id) } }

    private func run() {
        while running.load(ordering: .acquiring) {
            var got = 0
            for ring in hub.rings {
                got += ring.drain(max: 256) { read in
                    let o = Self.observation(read, reader: hub.readerName(read.reader))
                    state.withLock { _ = $0.observe(o) }
                }
            }
            if got > 0 { readsSeen.add(got, ordering: .relaxed) }
            let now = clock.nanoseconds()
            state.withLock { _ = $0.expire(now: now) }
            if got == 0 { _ = hub.doorbell.wait(timeoutNanos: 100_000_000) }
        }
    }

    /// One ring read as the tracker sees it. Tag memory is hostile: a decode failure is kept
    /// as a problem for staff, never thrown.
    static func observation(_ read: TagRead, reader: String) -> PadObservation {
        let id: PadTagID
        switch read.kind {
        case .iso15693:
            id = .hf(read.idKey)
        case .epcGen2:
            let epc = read.withID { Array($0) }
            id = .uhf(epc: epc, pc: 0x3000 | 0x0100 | UInt16(read.afi))
        }
        let afi: UInt8? = read.flags.contains(.systemInfoValid) || read.kind == .epcGen2 ? read.afi : nil
        guard read.flags.contains(.memoryValid) else {
            return PadObservation(id: id, reader: reader, afi: afi, record: nil, problem: "memory not read", atNanos: read.arrivalNanos)
        }
        let memory = read.withMemory { Array($0) }
        do {
            let decoded: DecodedTag
            switch read.kind {
            case .iso15693: decoded = try TagDecoder.decodeHF(memory, dsfid: read.dsfid)
            case .epcGen2: decoded = try TagDecoder.decodeUHF(uii: read.withID { Array($0) }, userMemory: memory)
            }
            if let record = decoded.record, decoded.error == nil {
                return PadObservation(id: id, reader: reader, afi: afi, record: record, atNanos: read.arrivalNanos)
            }
            let why = decoded.error.map { "\($0)" } ?? "\(decoded.format)"
            return PadObservation(id: id, reader: reader, afi: afi, record: nil, problem: why, atNanos: read.arrivalNanos)
        } catch {
            return PadObservation(id: id, reader: reader, afi: afi, record: nil, problem: "\(error)", atNanos: read.arrivalNanos)
        }
    }
}
