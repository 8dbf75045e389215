import ArgumentParser
import Gate
import Synchronization
import TagRing
import Threads

#if canImport(Glibc)
import Glibc
#endif

/// `ring`: one producer thread and one consumer thread move TagReads through TagRing, then the
/// same workload through a Mutex-guarded bounded queue (the obvious alternative), in one run.
struct RingBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ring", abstract: "TagRing vs a Mutex-guarded queue.")

    @Option(help: "Items per trial.") var items = 20_000_000
    @Option(help: "Trials per variant (the median is reported: a shared VM has bad seconds).") var trials = 5
    @Option(help: "Slots in each queue (default: the daemon's ring_capacity default).") var capacity = TagRing.defaultCapacity
    @Option(help: "Microseconds the consumer waits after finding its queue empty (both contenders).")
    var idleMicros = 5
    @Flag(help: "Print one JSON object on the last line.") var json = false

    func run() {
        var ring: [Double] = [], batch: [Double] = [], mutex: [Double] = []
        for _ in 0..<trials {
            ring.append(ringTrial(batched: false))
            batch.append(ringTrial(batched: true))
            mutex.append(mutexTrial())
        }
        let r = median(ring), b = median(batch), m = median(mutex)
        report(
            "ring: \(items) TagReads (\(MemoryLayout<TagRead>.stride) B each), 1 producer + 1 consumer thread, consumer idles \(idleMicros) µs when empty, median of \(trials)",
            [
                ("ring_items_per_s", r.rounded()),
                ("ring_batch_items_per_s", b.rounded()),
                ("mutex_items_per_s", m.rounded()),
                ("ring_vs_mutex", r / m),
            ], json: json)
    }

    func ringTrial(batched: Bool) -> Double {
        let ring = TagRing(capacity: capacity)
        if batched {
            return transfer(through: ring) { ring, sum in ring.drain(max: 256) { sum &+= $0.arrivalNanos } }
        }
        return transfer(through: ring) { ring, sum in
            guard let r = ring.pop() else { return 0 }
            sum &+= r.arrivalNanos
            return 1
        }
    }

    func mutexTrial() -> Double {
        transfer(through: MutexQueue(capacity: capacity)) { q, sum in
            guard let r = q.pop() else { return 0 }
            sum &+= r.arrivalNanos
            return 1
        }
    }

    /// Moves `items` reads from a producer thread to this thread through `queue`; `consume`
    /// takes what it can and returns how many. Returns items per second, checking that every
    /// read arrived exactly once (the sum of sequence numbers).
    func transfer<Q: BenchQueue>(through queue: Q, consume: (Q, inout UInt64) -> Int) -> Double {
        let n = items
        let clock = SystemMonotonicClock()
        let start = Atomic<Bool>(false)
        let producer = OSThread(name: "bench-prod") {
            while !start.load(ordering: .acquiring) {}
            var read = TagRead(arrivalNanos: 0, reader: 1, antenna: 1, kind: .iso15693)
            for i in 0..<n {
                read.arrivalNanos = UInt64(i)
                var spins = 0
                // Full: retry (the bench measures throughput, not drops), yielding the core
                // after a while so the two threads also make progress when they share one.
                while !queue.push(read) { backoff(&spins) }
            }
        }
        var sum: UInt64 = 0
        var received = 0
        let idleNanos = UInt64(idleMicros) * 1_000
        start.store(true, ordering: .releasing)
        let t0 = clock.nanoseconds()
        while received < n {
            let got = consume(queue, &sum)
            if got == 0 { idle(idleNanos, clock) } else { received += got }
        }
        let t1 = clock.nanoseconds()
        producer.join()
        precondition(sum == UInt64(n) * UInt64(n - 1) / 2, "\(Q.self) lost or duplicated items")
        return Double(n) / (Double(t1 - t0) / 1e9)
    }
}

/// The consumer's policy for an empty queue, the same for both contenders: stay away from the
/// queue for a few microseconds, as the daemon's decode thread does when it sleeps on its doorbell,
/// instead of re-reading the producer's index in a tight loop. A consumer that polls an empty
/// queue pulls the producer's cache lines back on every item and caps both threads at the speed
/// of one cross-core transfer per item (measured here: 9–13 M items/s for the ring, whatever the
/// capacity); waiting lets the producer run ahead so lines move in batches. It spins on the clock
/// rather than sleeping because nanosleep's 50 µs timer slack would dominate the figure.
@inline(__always)
func idle(_ nanos: UInt64, _ clock: SystemMonotonicClock) {
    let until = clock.nanoseconds() &+ nanos
    while clock.nanoseconds() < until {}
}

/// The producer's policy for a full queue, the same for both contenders: spin briefly, then give
/// the core away.
@inline(__always)
func backoff(_ spins: inout Int) {
    spins += 1
    if spins > 64 { sched_yield(); spins = 0 }
}

/// What the benchmark needs of a queue; both contenders are final classes, so calls through
/// this generic are specialised, not dynamically dispatched.
protocol BenchQueue: AnyObject, Sendable {
    func push(_ read: TagRead) -> Bool
    func pop() -> TagRead?
}

extension SPSCRing: BenchQueue where Element == TagRead {}

/// The baseline: a bounded circular queue behind Synchronization.Mutex, as one would write it
/// without a lock-free ring.
final class MutexQueue: BenchQueue, @unchecked Sendable {
    struct State {
        var slots: [TagRead]
        var head = 0
        var count = 0
    }
    let state: Mutex<State>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        state = Mutex(State(slots: Array(repeating: TagRead(arrivalNanos: 0, reader: 0, antenna: 0, kind: .iso15693), count: capacity)))
    }

    func push(_ r: TagRead) -> Bool {
        state.withLock { s in
            if s.count == capacity { return false }
            s.slots[(s.head + s.count) % capacity] = r
            s.count += 1
            return true
        }
    }

    func pop() -> TagRead? {
        state.withLock { s in
            if s.count == 0 { return nil }
            let r = s.slots[s.head]
            s.head = (s.head + 1) % capacity
            s.count -= 1
            return r
        }
    }
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? 0 : s[s.count / 2]
}
