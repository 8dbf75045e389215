import Synchronization

/// Per-reader counters, written by the reader's thread and read by the status output.
public final class ReaderStats: Sendable {
    public let inventories = Atomic<Int>(0)
    public let reads = Atomic<Int>(0)
    public let timeouts = Atomic<Int>(0)
    public let protocolErrors = Atomic<Int>(0)
    public let crcErrors = Atomic<Int>(0)
    public let garbageBytes = Atomic<Int>(0)
    public let tagReadFailures = Atomic<Int>(0)
    public let disconnects = Atomic<Int>(0)

    public init() {}

    @inline(__always)
    func bump(_ a: borrowing Atomic<Int>, by n: Int = 1) {
        a.store(a.load(ordering: .relaxed) &+ n, ordering: .relaxed)  // single writer
    }
}
