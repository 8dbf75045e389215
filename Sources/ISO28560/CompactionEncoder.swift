/// Encoding of text into each 15962 compaction, and the choice of the most compact one.
enum CompactionEncoder {
    /// Encodes `s` with `code`; nil when the scheme cannot represent `s` (round-trip guaranteed otherwise).
    static func encode(_ s: String, as code: Compaction, isil: Bool = false) -> [UInt8]? {
        let u = Array(s.utf8)
        switch code {
        case .applicationDefined: return isil ? ISILCompaction.encode(s) : nil
        case .integer: return integer(u)
        case .numeric: return numeric(u)
        case .fiveBit:
            guard !u.isEmpty, u.allSatisfy({ $0 >= 0x41 && $0 <= 0x5F }) else { return nil }
            var w = BitWriter()
            for c in u { w.write(UInt32(c & 0x1F), 5) }
            return w.finish(pattern: 0, patternBits: 1)
        case .sixBit:
            // 0x21–0x27 are read differently by different decoders; a trailing space would read as padding.
            guard !u.isEmpty, u.allSatisfy({ $0 >= 0x20 && $0 <= 0x5F && !($0 >= 0x21 && $0 <= 0x27) }),
                u.last != 0x20
            else { return nil }
            var w = BitWriter()
            for c in u { w.write(UInt32(c & 0x3F), 6) }
            return w.finish(pattern: 0b100000, patternBits: 6)
        case .sevenBit:
            guard u.allSatisfy({ $0 <= 0x7E }) else { return nil }
            var w = BitWriter()
            for c in u { w.write(UInt32(c), 7) }
            return w.finish(pattern: 1, patternBits: 1)
        case .octet:
            var out: [UInt8] = []
            for sc in s.unicodeScalars {
                guard sc.value <= 0xFF else { return nil }
                out.append(UInt8(sc.value))
            }
            return out
        case .utf8: return u
        }
    }

    /// 2–19 decimal digits without a leading zero → minimal big-endian binary.
    static func integer(_ u: [UInt8]) -> [UInt8]? {
        guard u.count >= 2, u.count <= 19, u[0] != 0x30, u.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        var v: UInt64 = 0
        for c in u { v = v * 10 + UInt64(c - 0x30) }
        var out: [UInt8] = []
        while v != 0 {
            out.insert(UInt8(v & 0xFF), at: 0)
            v >>= 8
        }
        return out
    }

    static func numeric(_ u: [UInt8]) -> [UInt8]? {
        guard !u.isEmpty, u.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < u.count {
            let hi = u[i] - 0x30
            let lo = i + 1 < u.count ? u[i + 1] - 0x30 : 0x0F
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// The shortest encoding the rules allow; ties go to the earlier scheme in
    /// integer, numeric, 5-bit, 6-bit, 7-bit, octet, UTF-8 order (ISIL compaction first when allowed).
    static func best(_ s: String, isil: Bool = false) -> (Compaction, [UInt8]) {
        var best: (Compaction, [UInt8])? = nil
        let order: [Compaction] = (isil ? [.applicationDefined] : []) + [.integer, .numeric, .fiveBit, .sixBit, .sevenBit, .octet, .utf8]
        for code in order {
            guard let bytes = encode(s, as: code, isil: isil) else { continue }
            if best == nil || bytes.count < best!.1.count { best = (code, bytes) }
        }
        return best!  // UTF-8 always succeeds
    }
}
