/// Read access to HF user memory, optionally with every 4-byte block byte-reversed
/// (some vendors write ISO 28560-3 that way); lets one decoder serve both orders without copying.
struct HFMemory {
    let mem: UnsafeRawBufferPointer
    let reversed: Bool

    init(_ mem: UnsafeRawBufferPointer, reversed: Bool = false) {
        self.mem = mem
        self.reversed = reversed
    }

    /// Reversal needs whole blocks: a trailing partial block is ignored.
    var count: Int { reversed ? mem.count & ~3 : mem.count }

    @inline(__always)
    subscript(i: Int) -> UInt8 {
        reversed ? mem[(i & ~3) | (3 - (i & 3))] : mem[i]
    }
}
