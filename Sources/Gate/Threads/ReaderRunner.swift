import Readers
import Synchronization
import TagRing

/// Runs one reader's inventory loop on its own OS thread, pushing every read into that
/// reader's ring. A failing reader retries with backoff and never affects the others.
public final class ReaderRunner: @unchecked Sendable {
    public enum State: Int, Sendable { case starting = 0, reading = 1, failing = 2, stopped = 3 }

    public let name: String
    public let ring: TagRing
    public let reader: FeigReader
    /// Rung after every push so the decode thread wakes for it.
    private let doorbell: Doorbell
    private let stopFlag = Atomic<Bool>(false)
    private let stateValue = Atomic<Int>(State.starting.rawValue)
    private let onError: @Sendable (String, ReaderError) -> Void
    private var thread: OSThread?
    /// Minimum time between inventory cycles (0 = back to back, as gates run).
    public let cyclePeriodNanos: UInt64

    public init(
        name: String, reader: FeigReader, ring: TagRing, doorbell: Doorbell, cyclePeriodNanos: UInt64 = 0,
        onError: @escaping @Sendable (String, ReaderError) -> Void
    ) {
        self.name = name
        self.doorbell = doorbell
        self.reader = reader
        self.ring = ring
        self.cyclePeriodNanos = cyclePeriodNanos
        self.onError = onError
    }

    public var state: State { State(rawValue: stateValue.load(ordering: .relaxed)) ?? .stopped }

    public func start(clock: any MonotonicClock) {
        precondition(thread == nil, "reader \(name) started twice")
        thread = OSThread(name: "rd-\(name)") { [self] in loop(clock: clock) }
    }

    /// Asks the loop to stop after the current exchange and waits for it.
    public func stop() {
        stopFlag.store(true, ordering: .releasing)
        thread?.join()
        thread = nil
    }

    private func loop(clock: any MonotonicClock) {
        var backoffNanos: UInt64 = 0
        let ring = self.ring, doorbell = self.doorbell
        while !stopFlag.load(ordering: .acquiring) {
            let started = clock.nanoseconds()
            do {
                try reader.inventoryCycle { read in
                    ring.push(read)
                    doorbell.ring()
                }
                if backoffNanos != 0 { backoffNanos = 0 }
                stateValue.store(State.reading.rawValue, ordering: .relaxed)
            } catch {
                stateValue.store(State.failing.rawValue, ordering: .relaxed)
                onError(name, error)
                // 100 ms doubling to 5 s: a reader that is gone must not spin a core.
                backoffNanos = backoffNanos == 0 ? 100_000_000 : min(backoffNanos * 2, 5_000_000_000)
                sleepInterruptibly(backoffNanos)
                continue
            }
            let elapsed = clock.nanoseconds() &- started
            if cyclePeriodNanos > elapsed { sleepInterruptibly(cyclePeriodNanos - elapsed) }
        }
        stateValue.store(State.stopped.rawValue, ordering: .relaxed)
    }

    /// Sleeps in slices so that stop() is honoured within 50 ms.
    private func sleepInterruptibly(_ nanos: UInt64) {
        var left = nanos
        while left > 0 && !stopFlag.load(ordering: .relaxed) {
            let slice = min(left, 50_000_000)
            sleepNanos(slice)
            left -= slice
        }
    }
}
