import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The gate's hot-path view of the circulation cache: item key → `CacheEntry`.
///
/// **Layout.** One open-addressing table (linear probing, power-of-two size) of 64-bit words:
/// the top 56 bits of the item's `CirculationKey` as a fingerprint, the low 8 bits the entry.
/// 8 bytes per slot at a load of at most 0.75 after a build: 10 M items fit in 2^24 slots =
/// 128 MiB (a `Set<UInt64>` of the same items costs ~130 MB *without* the state, and SQLite
/// point lookups cost 3–4 µs each, see engineering-anchors 1d). A lookup hashes nothing (the
/// caller has the key), touches one or two cache lines and never allocates.
///
/// A 56-bit fingerprint can confuse two items whose keys agree in those bits: for 10 M items
/// the chance that an unknown item matches some stored one is about 10^7 / 2^56 ≈ 1.4·10^-10
/// per lookup, far below any other error rate at a gate.
///
/// **Concurrency: per-slot atomics for updates, RCU-style swap for growth and reloads.**
/// There is one reader (the decode thread) and any number of writers, serialised by a mutex.
/// - Changing an item's state or inserting it into free space is a single atomic store of the
///   slot word: the reader sees the old or the new word, never a torn one, and never waits.
///   Deleting keeps the fingerprint and zeroes the entry (a tombstone), so probe chains never
///   break under the reader's feet; tombstones are dropped when the table is rebuilt.
/// - When a table would exceed its maximum load, or a whole new table is built from SQLite
///   (after an import), the writer builds the new table privately and publishes its pointer
///   with one release store. The old table is freed only after the reader has passed a
///   quiescent point (`readerQuiescent()`, called by the decode loop between batches) *after*
///   the swap: quiescent-state-based reclamation, no reference counting on the hot path.
/// Why not a copy-on-write immutable table plus an overlay: every loan would copy 128 MiB or
/// grow the overlay the reader must also probe; single-word slots make in-place updates safe.
public final class GateIndex: @unchecked Sendable {
    /// One table: immutable size, mutable slots (atomic words).
    struct Table {
        let slots: UnsafeMutablePointer<Atomic<UInt64>>
        let mask: Int
        /// The home slot is the fingerprint's top bits (fingerprint >> shift), not its low bits:
        /// `gate_keys` is scanned in key order, so a build then writes the table front to back
        /// (streaming, no cache or TLB miss per row: 3x faster cold start at 10 M items).
        let shift: UInt64
        var capacity: Int { mask + 1 }

        /// Slots come straight from mmap: zeroed pages, returned to the OS when the table is
        /// replaced (a 128 MiB table left in malloc's heap would fragment it on a 1 GB box).
        static func allocate(capacity: Int) -> UnsafeMutablePointer<Table> {
            let raw = mmap(nil, capacity * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            guard let raw, raw != MAP_FAILED else {
                preconditionFailure("GateIndex: cannot map \(capacity * 8) bytes for the index (out of memory)")
            }
            let slots = raw.bindMemory(to: Atomic<UInt64>.self, capacity: capacity)
            for i in 0..<capacity { (slots + i).initialize(to: Atomic(0)) }
            let t = UnsafeMutablePointer<Table>.allocate(capacity: 1)
            t.initialize(to: Table(slots: slots, mask: capacity - 1, shift: UInt64(56 - capacity.trailingZeroBitCount)))
            return t
        }

        static func free(_ t: UnsafeMutablePointer<Table>) {
            t.pointee.slots.deinitialize(count: t.pointee.capacity)
            munmap(UnsafeMutableRawPointer(t.pointee.slots), t.pointee.capacity * 8)
            t.deinitialize(count: 1)
            t.deallocate()
        }

        /// Where `fingerprint` lives or would go: (slot, word there).
        @inline(__always)
        func find(_ fingerprint: UInt64) -> (Int, UInt64) {
            var i = Int(truncatingIfNeeded: fingerprint >> shift) & mask
            while true {
                let w = slots[i].load(ordering: .relaxed)
                if w == 0 || w >> 8 == fingerprint { return (i, w) }
                i = (i &+ 1) & mask
            }
        }
    }

    /// Maximum share of used slots (live + tombstones) before the table doubles.
    public static let maxLoad = 0.85
    /// Load a freshly built table is sized for.
    public static let buildLoad = 0.75

    private let current: Atomic<UnsafeMutablePointer<Table>>
    private struct WriterState {
        var used = 0
        var live = 0
        var retired: [(table: UnsafeMutablePointer<Table>, epoch: UInt64)] = []
    }
    /// Writer-side bookkeeping, guarded by `lock` (the reader never touches it).
    private var state = WriterState()
    private let lock = Mutex<Void>(())
    private let quiescent = Atomic<UInt64>(0)
    private let readerAttached = Atomic<Bool>(false)

    /// An empty index sized for `expectedItems` without growing.
    public init(expectedItems: Int = 0) {
        let t = Table.allocate(capacity: Self.capacity(for: expectedItems))
        current = Atomic(t)
    }

    deinit {
        Table.free(current.load(ordering: .acquiring))
        for r in state.retired { Table.free(r.table) }
    }

    /// Smallest power of two holding `n` items at `buildLoad` (at least 1024 slots).
    fileprivate static func capacity(for n: Int) -> Int {
        var c = 1024
        while Double(n) > Double(c) * buildLoad { c <<= 1 }
        return c
    }

    // MARK: reader (the decode thread)

    /// The entry for `key` (a `CirculationKey`), `.none` when the index has none.
    /// Wait-free, allocation-free; safe concurrently with any writer.
    @inline(__always)
    public func lookup(_ key: UInt64) -> CacheEntry {
        let t = current.load(ordering: .acquiring)
        let (_, w) = t.pointee.find(key >> 8)
        return CacheEntry(raw: UInt8(truncatingIfNeeded: w))
    }

    /// The reader holds no table pointer at this moment. The decode loop calls this between
    /// batches; tables replaced before the call can then be freed. (Sequentially consistent so
    /// the store cannot be reordered after the next batch's loads of the table pointer.)
    @inline(__always)
    public func readerQuiescent() {
        quiescent.store(quiescent.load(ordering: .relaxed) &+ 1, ordering: .sequentiallyConsistent)
    }

    /// Declares that a reader thread will call `lookup` concurrently from now on (so replaced
    /// tables must wait for its quiescent points). Without one, they are freed at once.
    public func attachReader() { readerAttached.store(true, ordering: .sequentiallyConsistent) }
    /// The reader thread has stopped for good.
    public func detachReader() {
        readerAttached.store(false, ordering: .sequentiallyConsistent)
        lock.withLock { _ in reclaim() }
    }

    // MARK: writers (any thread)

    /// Sets the entry of `key`; `.none` deletes it. Grows the table (off the reader's path) when full.
    public func set(_ key: UInt64, _ entry: CacheEntry) {
        lock.withLock { _ in
            var t = current.load(ordering: .relaxed)
            let fp = key >> 8
            var (slot, word) = t.pointee.find(fp)
            if word == 0 {
                if entry.isNone { return }
                if Double(state.used + 1) > Double(t.pointee.capacity) * Self.maxLoad {
                    t = grow(from: t)
                    (slot, word) = t.pointee.find(fp)
                }
                state.used += 1
            }
            let wasLive = word & 0xFF != 0
            if wasLive && entry.isNone { state.live -= 1 }
            if !wasLive && !entry.isNone { state.live += 1 }
            t.pointee.slots[slot].store(fp << 8 | UInt64(entry.raw), ordering: .releasing)
            reclaim()
        }
    }

    /// A table built privately (e.g. from `gate_keys` after an import, or at cold start),
    /// then installed with one pointer swap: the reader never waits for a build.
    public final class Builder {
        fileprivate var table: UnsafeMutablePointer<Table>?
        fileprivate var used = 0
        fileprivate var live = 0

        public init(expectedCount: Int) { table = Table.allocate(capacity: GateIndex.capacity(for: expectedCount)) }
        deinit { if let table { Table.free(table) } }

        /// Adds one word as `gate_keys` yields it: `(key & ~0xFF) | CacheEntry.raw`.
        @inline(__always)
        public func add(_ word: UInt64) {
            guard var t = table else { return }
            let fp = word >> 8
            let entry = word & 0xFF
            guard fp != 0 else { return }
            var (slot, old) = t.pointee.find(fp)
            if old == 0 {
                if entry == 0 { return }
                if Double(used + 1) > Double(t.pointee.capacity) * GateIndex.maxLoad {
                    // More rows than announced: continue in a table twice the size.
                    let bigger = GateIndex.rehash(t, capacity: t.pointee.capacity * 2)
                    Table.free(t)
                    t = bigger
                    table = bigger
                    used = live
                    (slot, old) = t.pointee.find(fp)
                }
                used += 1
                live += 1
            } else if old & 0xFF == 0 && entry != 0 {
                live += 1
            } else if old & 0xFF != 0 && entry == 0 {
                live -= 1
            }
            t.pointee.slots[slot].store(word, ordering: .relaxed)
        }

        public func add(_ key: UInt64, _ entry: CacheEntry) { add(key & ~0xFF | UInt64(entry.raw)) }
    }

    /// Replaces the whole content with what `builder` holds (the builder is emptied).
    /// Returns the number of live entries.
    @discardableResult
    public func install(_ builder: Builder) -> Int {
        guard let t = builder.table else { return count }
        builder.table = nil
        publish(t, used: builder.used, live: builder.live)
        return builder.live
    }

    /// `install` of a builder fed with `words`.
    @discardableResult
    public func replaceAll<S: Sequence<UInt64>>(expectedCount: Int, words: S) -> Int {
        let b = Builder(expectedCount: expectedCount)
        for w in words { b.add(w) }
        return install(b)
    }

    private func publish(_ t: UnsafeMutablePointer<Table>, used: Int, live: Int) {
        lock.withLock { _ in
            let old = current.exchange(t, ordering: .sequentiallyConsistent)
            state.retired.append((old, quiescent.load(ordering: .sequentiallyConsistent)))
            state.used = used
            state.live = live
            reclaim()
        }
    }

    /// Items with an entry (not counting deleted ones).
    public var count: Int { lock.withLock { _ in state.live } }
    /// Bytes held by the current table (what the index costs in RAM).
    public var tableBytes: Int { current.load(ordering: .acquiring).pointee.capacity * 8 }
    /// Tables replaced but not yet freed (waiting for the reader's quiescent point).
    public var retiredTables: Int { lock.withLock { _ in state.retired.count } }

    private func grow(from t: UnsafeMutablePointer<Table>) -> UnsafeMutablePointer<Table> {
        let bigger = Self.rehash(t, capacity: t.pointee.capacity * 2)
        let old = current.exchange(bigger, ordering: .sequentiallyConsistent)
        state.retired.append((old, quiescent.load(ordering: .sequentiallyConsistent)))
        state.used = state.live
        return bigger
    }

    /// A new table holding the live words of `t` (tombstones dropped).
    fileprivate static func rehash(_ t: UnsafeMutablePointer<Table>, capacity: Int) -> UnsafeMutablePointer<Table> {
        let n = Table.allocate(capacity: capacity)
        for i in 0..<t.pointee.capacity {
            let w = t.pointee.slots[i].load(ordering: .relaxed)
            guard w & 0xFF != 0 else { continue }
            let (slot, _) = n.pointee.find(w >> 8)
            n.pointee.slots[slot].store(w, ordering: .relaxed)
        }
        return n
    }

    /// Frees replaced tables the reader can no longer be looking at.
    private func reclaim() {
        guard !state.retired.isEmpty else { return }
        let attached = readerAttached.load(ordering: .sequentiallyConsistent)
        let now = quiescent.load(ordering: .sequentiallyConsistent)
        state.retired.removeAll { r in
            if !attached || now != r.epoch {
                Table.free(r.table)
                return true
            }
            return false
        }
    }
}
