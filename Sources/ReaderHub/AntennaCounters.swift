import Synchronization

/// Reads per antenna of one reader, so a technician can see a dead or detuned antenna (one
/// side of a gate reading far less than the other). Written by the reader's thread only,
/// read by the status report from any thread.
public final class AntennaCounters: @unchecked Sendable {
    /// Antennas 1...8 have their own counter; anything else (0, or above 8) shares the last.
    public static let tracked = 8
    private let counts: UnsafeMutablePointer<Atomic<Int>>

    public init() {
        counts = .allocate(capacity: Self.tracked + 1)
        for i in 0...Self.tracked { (counts + i).initialize(to: Atomic(0)) }
    }

    deinit {
        counts.deinitialize(count: Self.tracked + 1)
        counts.deallocate()
    }

    @inline(__always)
    static func slot(_ antenna: UInt8) -> Int { antenna >= 1 && Int(antenna) <= tracked ? Int(antenna) - 1 : tracked }

    /// Reader thread only (single writer: load + store, no read-modify-write needed).
    @inline(__always)
    public func count(antenna: UInt8) {
        let c = counts + Self.slot(antenna)
        c.pointee.store(c.pointee.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
    }

    /// Reads seen on `antenna` (antennas outside 1...8 share one count).
    public func reads(antenna: UInt8) -> Int { counts[Self.slot(antenna)].load(ordering: .relaxed) }
}
