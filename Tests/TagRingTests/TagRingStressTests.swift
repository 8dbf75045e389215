import Foundation
import Synchronization
import TagRing
import Testing

/// Runs `body` on a new OS thread; the returned semaphore is signalled when it finishes.
func spawn(_ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        body()
        done.signal()
    }
    thread.start()
    return done
}

@Suite("TagRing under concurrency")
struct TagRingStressTests {
    /// The production topology: one SPSC ring per reader thread, one decode thread draining all.
    /// Producers push only when there is room (the consumer keeps up), so any drop is a bug.
    @Test func tenMillionReadsExactlyOnceInOrderPerProducer() {
        let producers = 2
        let perProducer = 5_000_000
        let rings = (0..<producers).map { _ in TagRing(capacity: 4096) }
        let finished = Atomic<Int>(0)

        var waits: [DispatchSemaphore] = []
        for p in 0..<producers {
            let ring = rings[p]
            waits.append(
                spawn {
                    for seq in 0..<perProducer {
                        var read = TagRead(arrivalNanos: UInt64(seq), reader: UInt16(p), antenna: 1, kind: .iso15693)
                        read.rssi = Int8(truncatingIfNeeded: seq)
                        while ring.count >= ring.capacity { /* consumer catching up */  }
                        let ok = ring.push(read)
                        precondition(ok, "push failed with room in the ring")
                    }
                    finished.add(1, ordering: .releasing)
                })
        }

        var expected = [UInt64](repeating: 0, count: producers)
        var received = 0
        var outOfOrder = 0
        while true {
            let done = finished.load(ordering: .acquiring) == producers
            var got = 0
            for ring in rings {
                got += ring.drain(max: 512) { read in
                    let p = Int(read.reader)
                    if read.arrivalNanos != expected[p] || read.rssi != Int8(truncatingIfNeeded: read.arrivalNanos) { outOfOrder += 1 }
                    expected[p] = read.arrivalNanos + 1
                    received += 1
                }
            }
            if done && got == 0 { break }
        }
        for w in waits { w.wait() }

        #expect(received == producers * perProducer)
        #expect(outOfOrder == 0)
        #expect(expected == [UInt64](repeating: UInt64(perProducer), count: producers))
        #expect(rings.map(\.dropped) == [0, 0])
        #expect(rings.allSatisfy { $0.pushed == perProducer && $0.popped == perProducer })
        #expect(rings.allSatisfy { $0.highWater <= $0.capacity && $0.highWater > 0 })
    }

    /// A consumer slower than its producer: every item is either received (in order) or
    /// counted as dropped, never both, never lost, never duplicated.
    @Test func slowConsumerDropsAreCountedExactly() {
        let ring = SPSCRing<UInt64>(capacity: 256)
        let total = 2_000_000
        let producerDone = Atomic<Bool>(false)
        let wait = spawn {
            for i in 0..<total { ring.push(UInt64(i)) }
            producerDone.store(true, ordering: .releasing)
        }
        var received = 0
        var last: Int64 = -1
        var monotonic = true
        var spin = 0
        while true {
            let done = producerDone.load(ordering: .acquiring)
            var got = 0
            while let v = ring.pop() {
                if Int64(v) <= last { monotonic = false }
                last = Int64(v)
                received += 1
                got += 1
                // Be slow on purpose.
                spin &+= Int(v % 7)
                if got == 64 { break }
            }
            if done && ring.count == 0 && got == 0 { break }
        }
        wait.wait()
        #expect(monotonic)
        #expect(UInt64(received) + ring.dropped == UInt64(total))
        #expect(ring.pushed == received)
        #expect(spin >= 0)
    }

    /// Drops happen exactly when the ring is full, with the consumer stopped.
    @Test func fullRingDropsExactlyTheOverflow() {
        let ring = TagRing(capacity: 1000)  // rounds up to 1024
        #expect(ring.capacity == 1024)
        for i in 0..<1500 {
            ring.push(TagRead(arrivalNanos: UInt64(i), reader: 0, antenna: 1, kind: .epcGen2))
        }
        #expect(ring.dropped == 1500 - 1024)
        #expect(ring.count == 1024)
        #expect(ring.fill == 1.0)
        var next: UInt64 = 0
        while let r = ring.pop() {
            #expect(r.arrivalNanos == next)
            next += 1
        }
        #expect(next == 1024)
        #expect(ring.highWater == 1024)  // the consumer found a full ring waiting
        // Room again: pushes succeed and nothing more is dropped.
        #expect(ring.push(TagRead(arrivalNanos: 9, reader: 0, antenna: 1, kind: .epcGen2)))
        #expect(ring.dropped == 1500 - 1024)
    }
}
