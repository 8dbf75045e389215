import Circulation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Gate index (hot path)")
struct GateIndexTests {
    @Test func setLookupDeleteAndReinsert() {
        let index = GateIndex()
        let a = CirculationKey.of("39010000000001"), b = CirculationKey.of("39010000000002")
        #expect(index.lookup(a) == .none)
        index.set(a, CacheEntry(loan: .onLoan, hot: false))
        index.set(b, CacheEntry(loan: .inLibrary, hot: true))
        #expect(index.lookup(a).loan == .onLoan)
        #expect(!index.lookup(a).hot)
        #expect(index.lookup(b).loan == .inLibrary && index.lookup(b).hot)
        #expect(index.count == 2)
        index.set(a, .none)
        #expect(index.lookup(a) == .none)
        #expect(index.lookup(b).hot)  // the tombstone does not break b's probe chain
        #expect(index.count == 1)
        index.set(a, CacheEntry(loan: .inLibrary, hot: false))
        #expect(index.lookup(a).loan == .inLibrary)
        #expect(index.count == 2)
    }

    @Test func growsPastItsInitialSizeWithoutLosingEntries() {
        let index = GateIndex(expectedItems: 0)
        let before = index.tableBytes
        for i in 0..<50_000 {
            index.set(CirculationKey.of("item-\(i)"), CacheEntry(loan: i % 2 == 0 ? .onLoan : .inLibrary, hot: i % 7 == 0))
        }
        #expect(index.tableBytes > before)
        #expect(index.count == 50_000)
        #expect(index.retiredTables == 0)  // no reader attached: old tables freed at once
        for i in 0..<50_000 {
            let e = index.lookup(CirculationKey.of("item-\(i)"))
            #expect(e.loan == (i % 2 == 0 ? .onLoan : .inLibrary) && e.hot == (i % 7 == 0))
        }
        var misses = 0
        for i in 50_000..<60_000 where index.lookup(CirculationKey.of("item-\(i)")) != .none { misses += 1 }
        #expect(misses == 0)
    }

    @Test func builderInstallsAWholeTable() {
        let index = GateIndex()
        index.set(CirculationKey.of("old"), CacheEntry(loan: .onLoan, hot: false))
        let b = GateIndex.Builder(expectedCount: 10)  // deliberately too small: it must grow
        for i in 0..<5_000 { b.add(CirculationKey.of("n\(i)"), CacheEntry(loan: .inLibrary, hot: false)) }
        #expect(index.install(b) == 5_000)
        #expect(index.lookup(CirculationKey.of("old")) == .none)
        #expect(index.lookup(CirculationKey.of("n4999")).loan == .inLibrary)
    }

    /// The decode thread looks items up while another thread flips their states and grows the
    /// table: every lookup sees either the old or the new state of a key, never garbage, and
    /// replaced tables are only freed after the reader's quiescent points.
    @Test func concurrentReaderNeverSeesTornOrForeignEntries() {
        let index = GateIndex(expectedItems: 1000)
        let n = 2_000
        let keys = (0..<n).map { CirculationKey.of("k\($0)") }
        for k in keys { index.set(k, CacheEntry(loan: .inLibrary, hot: false)) }
        index.attachReader()
        let stop = Atomic<Bool>(false)
        let bad = Atomic<Int>(0)
        let lookups = Atomic<Int>(0)
        let reader = Thread {
            var count = 0
            while !stop.load(ordering: .acquiring) {
                for k in keys {
                    let e = index.lookup(k)
                    if !(e.loan == .inLibrary || e.loan == .onLoan) || e.hot { bad.add(1, ordering: .relaxed) }
                    count += 1
                }
                index.readerQuiescent()
            }
            lookups.store(count, ordering: .relaxed)
        }
        // Writer: flip states and insert 100k new keys (several growths).
        for round in 0..<30_000 {
            index.set(keys[round % n], CacheEntry(loan: round % 2 == 0 ? .onLoan : .inLibrary, hot: false))
            index.set(CirculationKey.of("new\(round)"), CacheEntry(loan: .onLoan, hot: true))
        }
        stop.store(true, ordering: .releasing)
        reader.join()
        index.detachReader()
        #expect(bad.load(ordering: .relaxed) == 0)
        #expect(lookups.load(ordering: .relaxed) > 0)
        #expect(index.count == n + 30_000)
        #expect(index.retiredTables == 0)
    }
}

/// A minimal joinable pthread for tests.
final class Thread: @unchecked Sendable {
    private var t = pthread_t()
    private final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }
    init(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        pthread_create(
            &t, nil,
            { arg in
                Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue().body()
                return nil
            }, box)
    }
    func join() { pthread_join(t, nil) }
}
