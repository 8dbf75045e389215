import Synchronization

/// A clock that only moves when told to: deterministic tests of windows, holds and rates.
public final class ManualClock: MonotonicClock {
    private let now: Atomic<UInt64>
    public init(startNanos: UInt64 = 1_000_000_000) { now = Atomic(startNanos) }
    public func nanoseconds() -> UInt64 { now.load(ordering: .acquiring) }
    public func advance(byNanos delta: UInt64) { now.add(delta, ordering: .releasing) }
    public func advance(byMillis ms: UInt64) { advance(byNanos: ms * 1_000_000) }
    public func set(_ nanos: UInt64) { now.store(nanos, ordering: .releasing) }
}
