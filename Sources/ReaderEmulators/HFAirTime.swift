/// How long ISO 15693 exchanges take on air (high data rate, 1-of-4 coding, one subcarrier),
/// so the emulated reader paces itself like a real one.
///
/// Both directions run at 26.48 kbit/s; a tag answers t1 ≈ 320 µs after the request; an empty
/// inventory slot costs ≈ 0.7 ms. A 16-slot round singulates about 6 tags when 10 are present
/// (slotted ALOHA near its optimum), and the reader keeps running rounds until one has no
/// collision. These are the figures in engineering-anchors §1b; the model is deterministic.
public struct HFAirTime: Sendable {
    public static let bitsPerSecond = 26_480.0
    public static let t1Nanos: UInt64 = 320_000
    public static let emptySlotNanos: UInt64 = 700_000
    public static let slotsPerRound = 16
    public static let tagsSingulatedPerRound = 6

    @inline(__always)
    static func bytesNanos(_ bytes: Int) -> UInt64 {
        // + 2 CRC bytes, + ~1 byte-time for SOF/EOF
        UInt64(Double((bytes + 3) * 8) / bitsPerSecond * 1e9)
    }

    /// Inventory with anticollision over `tags` tags: rounds until none is left.
    public static func inventory(tags: Int) -> UInt64 {
        let request = bytesNanos(3)
        let answer = bytesNanos(10) + t1Nanos  // flags, DSFID, UID
        var remaining = tags
        var total: UInt64 = 0
        repeat {
            let singulated = min(remaining, tagsSingulatedPerRound)
            let collided = min((remaining - singulated + 1) / 2, slotsPerRound - singulated)
            let empty = slotsPerRound - singulated - collided
            total += request + UInt64(singulated + collided) * answer + UInt64(empty) * emptySlotNanos
            remaining -= singulated
        } while remaining > 0
        return total
    }

    public static func readMultipleBlocks(count: Int, blockSize: Int) -> UInt64 {
        bytesNanos(12) + t1Nanos + bytesNanos(1 + count * (1 + blockSize))
    }

    public static let getSystemInformation: UInt64 = bytesNanos(10) + t1Nanos + bytesNanos(15)
    /// Request, EEPROM write (~5 ms), answer.
    public static let writeAFI: UInt64 = bytesNanos(11) + 5_000_000 + bytesNanos(1)
}
