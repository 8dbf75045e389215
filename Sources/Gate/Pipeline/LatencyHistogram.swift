/// Latency histogram with fixed log-linear buckets (about 3% resolution from 1 µs to ~70 s):
/// recording is a few integer operations and never allocates, so the decode thread can record
/// every decision. Percentiles are read after (or between) runs.
public struct LatencyHistogram: Sendable {
    // 16 sub-buckets per power of two of nanoseconds.
    private static let subBits = 4
    private static let bucketCount = 64 << subBits
    private var counts: [UInt64]
    public private(set) var total: UInt64 = 0
    public private(set) var maxNanos: UInt64 = 0

    public init() { counts = Array(repeating: 0, count: Self.bucketCount) }

    @inline(__always)
    static func bucket(_ v: UInt64) -> Int {
        if v < (1 << subBits) { return Int(v) }
        let exp = 63 - v.leadingZeroBitCount  // >= subBits
        let sub = Int((v >> UInt64(exp - subBits)) & ((1 << subBits) - 1))
        return ((exp - subBits + 1) << subBits) | sub
    }

    /// The largest value that falls into `bucket` (so percentiles never under-report).
    static func upperBound(_ bucket: Int) -> UInt64 {
        if bucket < (1 << subBits) { return UInt64(bucket) }
        let exp = (bucket >> subBits) + subBits - 1
        let sub = UInt64(bucket & ((1 << subBits) - 1))
        let base = (UInt64(1) << UInt64(exp)) | (sub << UInt64(exp - subBits))
        return base + (UInt64(1) << UInt64(exp - subBits)) - 1
    }

    @inline(__always)
    public mutating func record(nanos: UInt64) {
        counts[Self.bucket(nanos)] &+= 1
        total &+= 1
        if nanos > maxNanos { maxNanos = nanos }
    }

    /// The value at quantile `q` (0...1), in nanoseconds; 0 when empty.
    public func percentile(_ q: Double) -> UInt64 {
        guard total > 0 else { return 0 }
        let rank = UInt64((Double(total) * q).rounded(.up))
        var seen: UInt64 = 0
        for (i, c) in counts.enumerated() where c > 0 {
            seen += c
            if seen >= max(rank, 1) { return min(Self.upperBound(i), maxNanos) }
        }
        return maxNanos
    }

    public mutating func merge(_ other: LatencyHistogram) {
        for i in counts.indices { counts[i] &+= other.counts[i] }
        total &+= other.total
        maxNanos = max(maxNanos, other.maxNanos)
    }
}
