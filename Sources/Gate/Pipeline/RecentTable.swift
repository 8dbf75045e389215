/// A fixed-capacity hash table of keys with a "last seen" time and a small payload, for the
/// decode thread's windows (dedupe per tag and antenna, alarm once per passage).
///
/// Open addressing with linear probing over a power-of-two array allocated once: lookups and
/// inserts never allocate. Entries older than `expiryNanos` count as empty and are reused, so
/// a gate that sees a million distinct tags a day still needs only room for the tags present
/// at once. If every probed slot is live (more live keys than `probeLimit` collisions allow),
/// the oldest probed entry is evicted and `evictions` counts it.
struct RecentTable {
    struct Entry {
        var key: UInt64
        var lastSeen: UInt64
        /// A time the caller sets (e.g. when a read was last accepted).
        var mark: UInt64
        var flag: Bool
        /// A second caller flag (e.g. "conflict reported").
        var noted = false
    }

    private var entries: [Entry]
    private let mask: Int
    let expiryNanos: UInt64
    private let probeLimit = 16
    private(set) var evictions = 0

    init(capacity requested: Int, expiryNanos: UInt64) {
        var c = 16
        while c < requested { c <<= 1 }
        entries = Array(repeating: Entry(key: 0, lastSeen: 0, mark: 0, flag: false), count: c)
        mask = c - 1
        self.expiryNanos = expiryNanos
    }

    @inline(__always)
    private func isLive(_ e: Entry, now: UInt64) -> Bool {
        e.lastSeen != 0 && now &- e.lastSeen < expiryNanos
    }

    /// Records that `key` was seen at `now`. Returns the entry as it was before this sighting
    /// (nil if the key was not live) and the slot index for `setFlag`.
    @inline(__always)
    mutating func touch(_ key: UInt64, now: UInt64) -> (previous: Entry?, slot: Int) {
        var i = Int(truncatingIfNeeded: mix(key)) & mask
        var victim = i
        var victimSeen = UInt64.max
        for _ in 0..<probeLimit {
            let e = entries[i]
            if e.key == key && isLive(e, now: now) {
                entries[i].lastSeen = now
                return (e, i)
            }
            if !isLive(e, now: now) {
                entries[i] = Entry(key: key, lastSeen: now, mark: 0, flag: false)
                return (nil, i)
            }
            if e.lastSeen < victimSeen { victimSeen = e.lastSeen; victim = i }
            i = (i &+ 1) & mask
        }
        evictions += 1
        entries[victim] = Entry(key: key, lastSeen: now, mark: 0, flag: false)
        return (nil, victim)
    }

    @inline(__always)
    mutating func setFlag(slot: Int) { entries[slot].flag = true }

    @inline(__always)
    mutating func setNoted(slot: Int) { entries[slot].noted = true }

    @inline(__always)
    mutating func setMark(slot: Int, now: UInt64) { entries[slot].mark = now }

    /// Live entries (for status output and tests; walks the whole table).
    func liveCount(now: UInt64) -> Int { entries.reduce(0) { $0 + (isLive($1, now: now) ? 1 : 0) } }

    /// 64-bit finaliser (splitmix64): spreads sequential UIDs across the table.
    @inline(__always)
    private func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
