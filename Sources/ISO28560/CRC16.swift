/// CRC-16 with polynomial 0x1021, MSB-first, init 0xFFFF.
/// CCITT-FALSE (no final XOR) protects the ISO 28560-3 basic block;
/// GENIBUS (final XOR 0xFFFF) is the Gen2 StoredCRC over PC + UII.
public enum CRC16 {
    /// Nibble table: small enough to live in registers/cache, no global initialiser needed.
    static let table: InlineArray<16, UInt16> = [
        0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50A5, 0x60C6, 0x70E7,
        0x8108, 0x9129, 0xA14A, 0xB16B, 0xC18C, 0xD1AD, 0xE1CE, 0xF1EF,
    ]

    @inline(__always)
    public static func update(_ crc: UInt16, _ byte: UInt8) -> UInt16 {
        var c = crc
        c = (c << 4) ^ table[Int((c >> 12) ^ UInt16(byte >> 4))]
        c = (c << 4) ^ table[Int((c >> 12) ^ UInt16(byte & 0x0F))]
        return c
    }

    public static func ccittFalse(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var c: UInt16 = 0xFFFF
        for b in bytes { c = update(c, b) }
        return c
    }

    public static func genibus(_ bytes: some Sequence<UInt8>) -> UInt16 { ccittFalse(bytes) ^ 0xFFFF }
}
