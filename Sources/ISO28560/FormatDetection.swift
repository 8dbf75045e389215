/// HF format detection in the order of the reference's section 8:
/// blank, DSFID 0x06 → part 2, part 3 by header + CRC (then reversed blocks),
/// known proprietary layouts, a strict part 2 decode without DSFID, otherwise unknown.
enum HFClass: Equatable {
    case blank
    case part2
    case part3(reversed: Bool)
    case threeM
    /// Looked like part 3 but the CRC failed in both block orders, and nothing else matched.
    case part3CRCError(stored: UInt16, computed: UInt16)
    case unknown
}

enum FormatDetection {
    static func classifyHF(_ mem: UnsafeRawBufferPointer, dsfid: UInt8) -> HFClass {
        if isBlank(mem) { return .blank }
        if dsfid == 0x06 { return .part2 }
        var crcFailure: (UInt16, UInt16)? = nil
        if mem.count >= Part3.truncatedBlockSize {
            for pass in 0..<2 {  // not `for r in [false, true]`: that allocates on the hot path
                let m = HFMemory(mem, reversed: pass == 1)
                guard Part3.plausibleHeader(m[0]) else { continue }
                let computed = Part3.computedCRC(m), stored = Part3.storedCRC(m)
                if computed == stored { return .part3(reversed: pass == 1) }
                if crcFailure == nil { crcFailure = (stored, computed) }
            }
        }
        if isThreeM(mem) { return .threeM }
        if strictPart2(mem) { return .part2 }
        if let (s, c) = crcFailure { return .part3CRCError(stored: s, computed: c) }
        return .unknown
    }

    /// All 0x00, or the 3M manufacturing blank (0x55 in blocks 0–5).
    static func isBlank(_ mem: UnsafeRawBufferPointer) -> Bool {
        var allZero = true
        for b in mem where b != 0 { allZero = false; break }
        if allZero { return true }
        guard mem.count >= 24 else { return false }
        for i in 0..<24 where mem[i] != 0x55 { return false }
        for i in 24..<mem.count where mem[i] != 0 { return false }
        return true
    }

    /// 3M "alphanumeric" layout (Biblio::RFID::RFID501): 04 | set nibbles | 00 | item type,
    /// then a 16-byte NUL-padded ASCII barcode.
    static func isThreeM(_ mem: UnsafeRawBufferPointer) -> Bool {
        guard mem.count >= 20, mem[0] == 0x04, mem[2] == 0x00 else { return false }
        var i = 4
        while i < 20 && mem[i] >= 0x20 && mem[i] < 0x7F { i += 1 }
        guard i > 4 else { return false }
        while i < 20 {
            if mem[i] != 0 { return false }
            i += 1
        }
        return true
    }

    /// The no-DSFID fallback: accept only a clean decode ending at a terminator or the end of
    /// memory, with a non-empty PII, every compaction valid.
    static func strictPart2(_ mem: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        var seenPII = false, havePII = false
        do {
            while let ds = try Part2DataSet.read(mem, at: i) {
                try ds.validate(mem)
                if ds.oid == 1 && !seenPII {  // the first PII set counts, as in the decoders
                    seenPII = true
                    havePII = ds.length > 0 && ds.compaction != .applicationDefined
                }
                i = ds.end
            }
        } catch {
            return false
        }
        return havePII
    }
}
