#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where pipeline code gets "now". Injected everywhere so tests drive time by hand.
/// Lives beside `TagRead` because its `arrivalNanos` is expressed on this clock.
public protocol MonotonicClock: Sendable {
    /// Nanoseconds on a clock that never goes backwards (not wall time).
    func nanoseconds() -> UInt64
}

/// CLOCK_MONOTONIC: unaffected by NTP steps, which a gate running for months will see.
public struct SystemMonotonicClock: MonotonicClock {
    public init() {}
    @inlinable
    public func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
