import Dispatch

/// How reader threads wake the idle decode thread: a counting semaphore rung after every push.
///
/// A semaphore cannot lose a wake-up (a ring before the wait is counted), so the decode thread
/// can block indefinitely when the gate is quiet (no CPU on an idle box that runs for months)
/// and still see a read within one futex wake-up (tens of µs) when it arrives. Ringing costs
/// one atomic increment while the decoder is awake; only a sleeping decoder costs a syscall.
public final class Doorbell: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)

    public init() {}

    @inline(__always)
    public func ring() { semaphore.signal() }

    /// Waits until rung or until `timeoutNanos` pass; returns false on timeout.
    @discardableResult
    public func wait(timeoutNanos: UInt64) -> Bool {
        semaphore.wait(timeout: .now() + .nanoseconds(Int(timeoutNanos))) == .success
    }
}
