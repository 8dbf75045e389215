#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A mutex with a condition variable that waits on CLOCK_MONOTONIC, for the hand-off between
/// the libusb event thread (or a socket) and a reader thread. Cold path only: one wait per
/// exchange, never per tag.
public final class PthreadCondition: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init() {
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond); cond.deallocate()
        pthread_mutex_destroy(mutex); mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }

    @inlinable
    public func withLock<R>(_ body: () throws -> R) rethrows -> R {
        lock(); defer { unlock() }
        return try body()
    }

    /// Wakes every waiter. Call with or without the lock held.
    public func broadcast() { pthread_cond_broadcast(cond) }

    /// Waits (lock held) until signalled or `deadlineNanos` on CLOCK_MONOTONIC passes.
    /// Returns false on timeout. Spurious wake-ups return true: re-check the predicate.
    @discardableResult
    public func wait(untilNanos deadlineNanos: UInt64) -> Bool {
        var ts = timespec(tv_sec: Int(deadlineNanos / 1_000_000_000), tv_nsec: Int(deadlineNanos % 1_000_000_000))
        return pthread_cond_timedwait(cond, mutex, &ts) != ETIMEDOUT
    }
}

/// CLOCK_MONOTONIC in nanoseconds (the clock `PthreadCondition` waits on).
@inline(__always)
public func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}
