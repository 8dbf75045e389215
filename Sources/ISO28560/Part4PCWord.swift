/// Namespace for ISO/TS 28560-4 (= GB/T 35660.3): UHF tags with partitioned memory.
public enum Part4 {}

/// The Gen2 protocol-control word (MB01 word 1): `LLLLL U X T` then the AFI when T = 1.
public struct PCWord: BitwiseCopyable, Sendable, Hashable {
    public var raw: UInt16

    public init(raw: UInt16) { self.raw = raw }
    public init(_ b0: UInt8, _ b1: UInt8) { raw = UInt16(b0) << 8 | UInt16(b1) }

    public init(lengthWords: Int, userMemory: Bool, xpc: Bool = false, afi: UInt8) {
        raw = UInt16(lengthWords & 0x1F) << 11 | (userMemory ? 0x400 : 0) | (xpc ? 0x200 : 0) | 0x100 | UInt16(afi)
    }

    /// UII length in 16-bit words.
    public var lengthWords: Int { Int(raw >> 11) }
    /// User memory indicator: MB11 holds data.
    public var umi: Bool { raw & 0x400 != 0 }
    public var xpc: Bool { raw & 0x200 != 0 }
    /// Numbering system toggle: 1 = ISO (AFI follows), 0 = GS1 EPC.
    public var toggle: Bool { raw & 0x100 != 0 }
    public var afi: UInt8? { toggle ? UInt8(raw & 0xFF) : nil }
    public var bytes: [UInt8] { [UInt8(raw >> 8), UInt8(raw & 0xFF)] }
}

extension Part4 {
    /// A factory-fresh Gen2 tag: toggle 0 (no AFI) and an EPC the chip maker serialised, which
    /// starts with the ISO/IEC 15963 class E2 of its TID (PC 0x3000 and E280… on most chips).
    /// It is blank, writable, to the station's tag programming; a GS1 or vendor EPC (toggle 0,
    /// anything else) is somebody's data: proprietary, never overwritten.
    public static func isFactoryFresh(_ pc: PCWord, firstEPCByte: UInt8?) -> Bool {
        !pc.toggle && !pc.xpc && pc.lengthWords >= 4 && firstEPCByte == 0xE2
    }
}
