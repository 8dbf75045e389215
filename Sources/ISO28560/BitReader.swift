/// MSB-first bit reader over `mem[start..<end]` (15962 packs every compaction big-endian).
struct BitReader {
    let mem: UnsafeRawBufferPointer
    let start: Int
    let end: Int
    var bit = 0

    @inline(__always)
    init(_ mem: UnsafeRawBufferPointer, _ start: Int, _ end: Int) {
        self.mem = mem
        self.start = start
        self.end = end
    }

    @inline(__always) var remaining: Int { (end - start) * 8 - bit }
    /// Byte offset (in `mem`) of the next bit: what errors report.
    @inline(__always) var byteOffset: Int { start + bit >> 3 }

    /// Reads `n` ≤ 24 bits; caller checks `remaining`.
    @inline(__always)
    mutating func read(_ n: Int) -> UInt32 {
        var v: UInt32 = 0
        var need = n
        while need > 0 {
            let byte = UInt32(mem[start + bit >> 3])
            let avail = 8 - (bit & 7)
            let take = min(avail, need)
            let shifted = (byte >> UInt32(avail - take)) & ((1 << UInt32(take)) - 1)
            v = (v << UInt32(take)) | shifted
            need -= take
            bit += take
        }
        return v
    }

    /// Peeks at the remaining (< 32) bits without consuming them.
    @inline(__always)
    func peekRest() -> UInt32 {
        var copy = self
        return copy.read(remaining)
    }
}

/// MSB-first bit writer; `finish(padBit:)` fills the last byte.
struct BitWriter {
    var bytes: [UInt8] = []
    var acc: UInt32 = 0
    var used = 0  // bits in acc

    mutating func write(_ value: UInt32, _ n: Int) {
        for i in stride(from: n - 1, through: 0, by: -1) {
            acc = (acc << 1) | ((value >> UInt32(i)) & 1)
            used += 1
            if used == 8 {
                bytes.append(UInt8(acc))
                acc = 0
                used = 0
            }
        }
    }

    /// Pads with the leading bits of `pattern` (a `patternBits`-wide value) to a byte boundary.
    mutating func finish(pattern: UInt32, patternBits: Int) -> [UInt8] {
        var i = 0
        while used != 0 {
            let b = (pattern >> UInt32(patternBits - 1 - (i % patternBits))) & 1
            write(b, 1)
            i += 1
        }
        return bytes
    }
}
