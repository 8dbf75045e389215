import ISO28560
import ReaderEmulators
import ReaderHub
import Readers
import Synchronization
import TagRing

/// Patrons walking out through a gate, as a `TagField` an emulated reader looks into.
///
/// Arrivals are generated lazily as the clock moves, from a seeded PRNG, so a run is a pure
/// function of (settings, clock readings): tests with a manual clock know exactly which items
/// pass and which must alarm.
public final class SimulatedGate: TagField, @unchecked Sendable {
    public struct Passage: Sendable {
        public var patron: Int
        public var enterNanos: UInt64
        public var leaveNanos: UInt64
        public var items: [Int]
        /// The item index this patron forgot to check out, if any.
        public var forgotten: Int?
    }

    public let settings: SimulationSettings
    public let collection: SimulatedCollection
    public let antennas: [UInt8]
    private let lock = Mutex(())
    private var rng: SplitMix64
    /// Separate generators for what the foundation's scenario did not have, so a seed still
    /// yields the same patrons and loans.
    private var extraRng: SplitMix64
    private var entryRng: SplitMix64
    private var nextArrivalNanos: UInt64
    private var nextEntryNanos: UInt64
    /// People crossing the gate's beam: each patron leaving, and as many entering. Counted
    /// here directly when set; otherwise a reader polls `beamInputs` (an emulated beam pair).
    public let beam: VisitorBeam?
    /// Recent beam crossings (start, leaving?), for `beamInputs`.
    private var crossings: [(atNanos: UInt64, leaving: Bool)] = []
    private var beamFreeAtNanos: UInt64 = 0
    private var patrons = 0
    private var active: [Passage] = []
    private var afiOverrides: [UInt64: UInt8] = [:]
    private let completedForgetful = Atomic<Int>(0)
    private let completedPatrons = Atomic<Int>(0)
    private let admittedForgetful = Atomic<Int>(0)

    public init(settings: SimulationSettings, antennas: [UInt8], startNanos: UInt64, beam: VisitorBeam? = nil) throws {
        self.settings = settings
        self.collection = try SimulatedCollection(settings: settings)
        self.antennas = antennas.isEmpty ? [0] : antennas
        rng = SplitMix64(seed: settings.seed)
        extraRng = SplitMix64(seed: settings.seed ^ 0xE57A)
        entryRng = SplitMix64(seed: settings.seed ^ 0x1A7E)
        self.beam = beam
        // The first patron arrives half a second in, so a fresh gate shows activity at once.
        nextArrivalNanos = startNanos + 500_000_000
        nextEntryNanos = startNanos + 250_000_000
    }

    /// Patrons who have fully walked through (their items left the field).
    public var patronsPassed: Int { completedPatrons.load(ordering: .relaxed) }
    /// Of those, how many carried an item that was not checked out: the alarms a correct gate raises.
    public var forgetfulPassed: Int { completedForgetful.load(ordering: .relaxed) }

    /// Forgetful patrons who have entered the field so far (some may still be in it).
    public var forgetfulAdmitted: Int { admittedForgetful.load(ordering: .relaxed) }

    /// Advances the world to `now`: admits arrivals, retires passages that have left.
    private func advance(to now: UInt64) {
        while nextArrivalNanos <= now {
            admitPatron(at: nextArrivalNanos)
            let meanNanos = 60e9 / max(settings.patronsPerMinute, 0.001)
            // Exponential inter-arrival time; clamp u away from 0 so -log stays finite.
            let gap = -meanNanos * log(max(rng.unit(), 1e-12))
            nextArrivalNanos += max(1, UInt64(gap))
        }
        while nextEntryNanos <= now {
            beam?.cross(.entering)
            recordCrossing(at: nextEntryNanos, leaving: false)
            let meanNanos = 60e9 / max(settings.patronsPerMinute, 0.001)
            nextEntryNanos += max(1, UInt64(-meanNanos * log(max(entryRng.unit(), 1e-12))))
        }
        crossings.removeAll { $0.atNanos &+ Self.crossingNanos <= now }
        var i = 0
        while i < active.count {
            if active[i].leaveNanos <= now {
                completedPatrons.add(1, ordering: .relaxed)
                if active[i].forgotten != nil { completedForgetful.add(1, ordering: .relaxed) }
                active.remove(at: i)
            } else {
                i += 1
            }
        }
    }

    private func admitPatron(at t: UInt64) {
        let k = patrons
        patrons += 1
        var items: [Int] = []
        let count = Int(rng.next() % UInt64(settings.maxItemsPerPatron + 1))
        for _ in 0..<count { items.append(collection.onLoan[Int(rng.next() % UInt64(collection.onLoan.count))]) }
        var forgotten: Int? = nil
        let f = settings.forgetfulFraction
        // Half a step of phase, so the first forgetful patron comes early in a run (the third
        // patron at f = 0.2) instead of at the end of the first 1/f patrons.
        if (Double(k + 1) * f + 0.5).rounded(.down) > (Double(k) * f + 0.5).rounded(.down) {
            var item = collection.inLibrary[Int(rng.next() % UInt64(collection.inLibrary.count))]
            // Every fourth carries a hot-list item (its tag rewritten to "checked out") instead.
            if !collection.hot.isEmpty && admittedForgetful.load(ordering: .relaxed) % 4 == 3 {
                item = collection.hot[Int(extraRng.next() % UInt64(collection.hot.count))]
            }
            items.append(item)
            forgotten = item
            admittedForgetful.add(1, ordering: .relaxed)
        } else if !collection.foreign.isEmpty && extraRng.unit() < settings.foreignCarryFraction {
            items.append(collection.foreign[Int(extraRng.next() % UInt64(collection.foreign.count))])
        }
        beam?.cross(.leaving)
        recordCrossing(at: t, leaving: true)
        let dwell = UInt64(settings.dwellMillis) * 1_000_000
        active.append(Passage(patron: k, enterNanos: t, leaveNanos: t + dwell, items: items, forgotten: forgotten))
    }

    /// A person walking through breaks the first beam for 250 ms and the second, a few cm on,
    /// from 120 ms to 370 ms: overlapping, as on a real gate.
    static let crossingNanos: UInt64 = 370_000_000
    static let secondBeamNanos: UInt64 = 120_000_000
    static let firstBeamClearNanos: UInt64 = 250_000_000

    /// People pass the beams one after another (one aisle), with a gap a poll can see; in a
    /// crowd (more than a second's queue) they pass as one, as they would on a real gate.
    private func recordCrossing(at t: UInt64, leaving: Bool) {
        let start = max(t, beamFreeAtNanos)
        guard start - t <= 1_000_000_000 else { return }
        crossings.append((start, leaving))
        beamFreeAtNanos = start + Self.crossingNanos + 150_000_000
    }

    /// The beam pair as a reader's input bitmask at `nanos`: input `a` (library side) and `b`
    /// (street side) broken by the patrons crossing now; one beam (`b` nil): either part.
    public func beamInputs(a: UInt8, b: UInt8?, atNanos nanos: UInt64) -> UInt8 {
        lock.withLock { _ in
            advance(to: nanos)
            var mask: UInt8 = 0
            for c in crossings where c.atNanos <= nanos {
                let t = nanos - c.atNanos
                let first = t < Self.firstBeamClearNanos, second = t >= Self.secondBeamNanos && t < Self.crossingNanos
                guard let b else { if first || second { mask |= 1 << (a - 1) }; continue }
                // Leaving: library side first. Entering: street side first.
                let (inputFirst, inputSecond) = c.leaving ? (a, b) : (b, a)
                if first { mask |= 1 << (inputFirst - 1) }
                if second { mask |= 1 << (inputSecond - 1) }
            }
            return mask
        }
    }

    // MARK: TagField

    public func uids(antenna: UInt8, atNanos nanos: UInt64, into: inout [UInt64]) {
        lock.withLock { _ in
            advance(to: nanos)
            for passage in active where passage.enterNanos <= nanos {
                for item in passage.items { into.append(SimulatedCollection.uid(index: item)) }
            }
        }
    }

    public func tag(uid: UInt64) -> EmulatedTag? {
        let index = Int(uid & 0xFFFF_FFFF)
        guard uid & ~0xFFFF_FFFF == SimulatedCollection.uid(index: 0), index < collection.items.count else { return nil }
        var tag = collection.items[index].tag
        if let afi = lock.withLock({ _ in afiOverrides[uid] }) { tag.afi = afi }
        return tag
    }

    public func setAFI(uid: UInt64, afi: UInt8) -> Bool {
        guard tag(uid: uid) != nil else { return false }
        lock.withLock { _ in afiOverrides[uid] = afi }
        return true
    }
}

extension SimulatedGate {
    /// What the hub's simulated readers look into: this gate's tags and beams.
    public var world: SimulatedWorld {
        SimulatedWorld(field: self, beamInputs: { [self] a, b, nanos in beamInputs(a: a, b: b, atNanos: nanos) })
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
