/// ISO 28560-3 extension blocks, from byte 34 on:
/// length (whole block) | block ID (16-bit LE; 24-bit as LSB, 0xFF, middle, MSB) | XOR checksum | fields.
/// Length 0x00 ends the list; 0x01 is a filler byte. Fields are 0x00-terminated text or fixed bytes.
public struct Part3ExtensionBlock: Sendable, Hashable {
    public var offset: Int
    public var id: UInt32
    /// Offset and length of the field area (after the checksum byte).
    public var dataOffset: Int
    public var dataLength: Int
    public var data: [UInt8]

    public static let library: UInt32 = 1
    public static let acquisition: UInt32 = 2
    public static let librarySupplement: UInt32 = 3
    public static let title: UInt32 = 4
    public static let interlibraryLoan: UInt32 = 5
}

extension Part3 {
    /// Field layout of the standard blocks: element, or nil for a fixed 1-byte field's element.
    /// Field order for blocks 2, 3 and 5 follows one implementation (THWildau) only.
    static let blockFields: [UInt32: [(element: DataElement, fixedByte: Bool)]] = [
        1: [(.mediaFormatOther, true), (.alternativeItemIdentifier, false), (.alternativeOwnerInstitution, false)],
        2: [
            (.supplierIdentifier, false), (.productIdentifierLocal, false), (.orderNumber, false),
            (.supplierInvoiceNumber, false), (.gs1ProductIdentifier, false), (.supplyChainStage, true),
        ],
        3: [
            (.shelfLocation, false), (.marcMediaFormat, false), (.onixMediaFormat, false),
            (.subsidiaryOfOwnerInstitution, false),
        ],
        4: [(.title, false)],
        5: [
            (.illBorrowingInstitution, false), (.illBorrowingTransactionNumber, false),
            (.alternativeILLBorrowingInstitution, false),
        ],
    ]

    /// Walks the extension blocks, verifying lengths and checksums; `body` returns false to stop.
    static func walkExtensionBlocks(
        _ m: HFMemory, _ body: (_ offset: Int, _ id: UInt32, _ dataOffset: Int, _ end: Int) throws(DecodeError) -> Bool
    ) throws(DecodeError) {
        var i = basicBlockSize
        let count = m.count
        while i < count {
            let len = Int(m[i])
            if len == 0 { return }
            if len == 1 { i += 1; continue }
            guard i + len <= count else {
                throw DecodeError(offset: i, .extensionBlockPastEnd(length: len, available: count - i))
            }
            guard len >= 4 else { throw DecodeError(offset: i, .extensionBlockTooShort(len)) }
            var id = UInt32(m[i + 1]) | UInt32(m[i + 2]) << 8
            var dataOffset = i + 4
            if m[i + 2] == 0xFF {
                guard len >= 6 else { throw DecodeError(offset: i, .extensionBlockTooShort(len)) }
                id = UInt32(m[i + 1]) | UInt32(m[i + 3]) << 8 | UInt32(m[i + 4]) << 16
                dataOffset = i + 6
            }
            var x: UInt8 = 0
            for k in i..<(i + len) { x ^= m[k] }
            if x != 0 { throw DecodeError(offset: dataOffset - 1, .extensionBlockChecksum(x)) }
            if try !body(i, id, dataOffset, i + len) { return }
            i += len
        }
    }

    /// Copies field `index` of the first block with `id` into `sink`; false when absent.
    static func copyExtensionField<S: ByteSink>(
        _ m: HFMemory, block: UInt32, field index: Int, into sink: inout S
    ) throws(DecodeError) -> Bool {
        var found = false
        try walkExtensionBlocks(m) { (_, id, start, end) throws(DecodeError) in
            guard id == block else { return true }
            guard let fields = blockFields[block] else { return false }
            var p = start
            for (k, f) in fields.enumerated() {
                guard p < end else { return false }
                if f.fixedByte {
                    p += 1
                    continue
                }
                var q = p
                while q < end && m[q] != 0 { q += 1 }
                if k == index {
                    if q > p {
                        try copyText(m, p, q, into: &sink)
                        found = true
                    }
                    return false
                }
                p = q + 1
            }
            return false
        }
        return found
    }
}
