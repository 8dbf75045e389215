import ISO28560

/// The 64-bit key of a primary item identifier, shared by the SQLite store (`gate_keys.key`)
/// and the gate's in-memory index: FNV-1a over the UTF-8 bytes, then the splitmix64
/// finaliser (FNV alone leaves sequential barcodes clustered in the low bits).
///
/// The index keeps the top 56 bits as a fingerprint, so the key is never allowed to have
/// them all zero. Changing this function changes every stored key: it would need a migration
/// that recomputes `items.key` and `gate_keys`.
public enum CirculationKey {
    @inline(__always)
    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        var z = h &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return z >> 8 == 0 ? z | 0x100 : z
    }

    @inline(__always)
    public static func of(_ item: ItemID) -> UInt64 { item.withUnsafeBytes { of($0) } }

    public static func of(_ pii: String) -> UInt64 {
        var s = pii
        return s.withUTF8 { of(UnsafeRawBufferPointer($0)) }
    }
}
