/// The AZ checksum: two's complement of the 16-bit sum of every wire byte from the first command
/// digit up to and including the letters "AZ" (so AY<d> is included, the CR is not).
public enum SIP2Checksum {
    public static func compute<C: Sequence>(_ bytesThroughAZ: C) -> UInt16 where C.Element == UInt8 {
        var sum: UInt16 = 0
        for b in bytesThroughAZ { sum &+= UInt16(b) }
        return 0 &- sum
    }

    /// Always 4 uppercase hex digits: some servers drop the leading zero (invenio-sip2 1.0.0), we never do.
    public static func hex(_ value: UInt16) -> [UInt8] {
        let digits: [UInt8] = Array("0123456789ABCDEF".utf8)
        return [12, 8, 4, 0].map { digits[Int((value >> UInt16($0)) & 0xF)] }
    }

    /// Parses 1 to 4 hex digits, either case (invenio sends "F27" for 0F27).
    public static func parseHex<C: Collection>(_ digits: C) -> UInt16? where C.Element == UInt8 {
        guard (1...4).contains(digits.count) else { return nil }
        var v: UInt16 = 0
        for c in digits {
            let n: UInt8
            switch c {
            case 0x30...0x39: n = c - 0x30
            case 0x41...0x46: n = c - 0x37
            case 0x61...0x66: n = c - 0x57
            default: return nil
            }
            v = v << 4 | UInt16(n)
        }
        return v
    }

    public static func verify<C: Sequence>(_ bytesThroughAZ: C, _ checksum: UInt16) -> Bool where C.Element == UInt8 {
        var sum: UInt16 = 0
        for b in bytesThroughAZ { sum &+= UInt16(b) }
        return sum &+ checksum == 0
    }
}
