/// CRC-16 of FEIG's protocols: reflected CCITT (polynomial 0x8408), preset 0xFFFF, no final xor,
/// over every byte from STX (or LEN) to the last data byte; sent low byte first.
/// Check value: the inventory request `02 00 09 FF B0 01 00` gives 0x4318.
public enum FeigCRC {
    @usableFromInline static let table: [UInt16] = (0..<256).map { i -> UInt16 in
        var crc = UInt16(i)
        for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x8408 : crc >> 1 }
        return crc
    }

    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { crc = (crc >> 8) ^ t[Int((crc ^ UInt16(b)) & 0xFF)] }
        }
        return crc
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt16 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
