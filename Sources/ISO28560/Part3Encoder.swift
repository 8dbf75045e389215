extension Part3 {
    public struct EncodeOptions: Sendable, Hashable {
        /// Write the 32-byte truncated basic block (8×4-byte tags); no extension blocks fit.
        public var truncated: Bool
        /// Write every 4-byte block byte-reversed (to simulate the vendors that do).
        public var reversedBlocks: Bool

        public init(truncated: Bool = false, reversedBlocks: Bool = false) {
            self.truncated = truncated
            self.reversedBlocks = reversedBlocks
        }
    }

    /// Elements ISO 28560-3 has a place for (basic block or a standard extension block).
    public static let encodableElements: Set<DataElement> = Set(
        [.primaryItemIdentifier, .ownerInstitution, .setInformation, .typeOfUsage]
            + blockFields.values.flatMap { $0.map(\.element) })

    /// The memory image from block 0: basic block, extension blocks, an end block, padded to 4 bytes.
    ///
    /// Type of usage keeps only its class (high nibble); absent means class 1 (circulating).
    /// Absent set information is written as 1 of 1. Media format other and supply chain stage 0 read back as absent.
    public static func encode(_ record: ItemRecord, options: EncodeOptions = EncodeOptions()) throws(EncodeError) -> [UInt8] {
        var m = [UInt8](repeating: 0, count: basicBlockSize)
        let usageClass = (record.typeOfUsage ?? 0x10) >> 4
        guard usageClass <= 9 else {
            throw EncodeError.invalidValue(.typeOfUsage, "ISO 28560-3 holds usage classes 0-9 only")
        }
        m[0] = 0x10 | usageClass
        if let s = record.setInformation {
            guard let set = SetInformation(s), set.partsInItem <= 255, set.partNumber <= 255 else {
                throw EncodeError.invalidValue(.setInformation, "needs two numbers 0-255")
            }
            m[1] = UInt8(set.partsInItem)
            m[2] = UInt8(set.partNumber)
        } else {
            m[1] = 1
            m[2] = 1
        }
        var ext = record  // what still has to go into extension blocks
        ext.elements[.primaryItemIdentifier] = nil
        ext.elements[.ownerInstitution] = nil
        ext.elements[.setInformation] = nil
        ext.elements[.typeOfUsage] = nil

        if let pii = record.primaryItemIdentifier {
            let bytes = try latin1(pii, .primaryItemIdentifier)
            // A lone 0x01 in byte 3 is the "PII is in the extension block" marker, so that PII
            // goes there too, or it would read back as a pointer to a missing block.
            if bytes.count <= 16 && bytes != [0x01] {
                m.replaceSubrange(3..<3 + bytes.count, with: bytes)
            } else {
                guard record.alternativeItemIdentifier == nil else {
                    throw EncodeError.invalidValue(
                        .alternativeItemIdentifier, "no room: a PII over 16 bytes (or a lone 0x01) uses its field")
                }
                m[3] = 0x01
                ext.alternativeItemIdentifier = pii
            }
        }
        if let owner = record.ownerInstitution {
            let room = options.truncated ? 9 : 11
            let u = Array(owner.utf8)
            if u.count >= 4, u[2] == UInt8(ascii: "-"), u.count - 3 <= room, u.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
                m[21] = u[0]
                m[22] = u[1]
                m.replaceSubrange(23..<23 + u.count - 3, with: u[3...])
            } else {
                guard record.alternativeOwnerInstitution == nil else {
                    throw EncodeError.invalidValue(.alternativeOwnerInstitution, "no room: an owner not of the form XX-… uses its field")
                }
                ext.alternativeOwnerInstitution = owner
            }
        }
        for (e, _) in ext.elements where !encodableElements.contains(e) {
            throw EncodeError.invalidValue(e, "ISO 28560-3 has no place for this element")
        }
        let blocks = try extensionBlocks(ext)
        if options.truncated {
            guard blocks.isEmpty else {
                throw EncodeError.capacityExceeded(needed: basicBlockSize + blocks.count, capacity: truncatedBlockSize)
            }
            m.removeLast(2)
        }
        let crc = m.withUnsafeBytes { computedCRC(HFMemory($0)) }
        m[19] = UInt8(crc & 0xFF)
        m[20] = UInt8(crc >> 8)
        if !blocks.isEmpty { m += blocks + [0x00] }
        while m.count % 4 != 0 { m.append(0) }
        if options.reversedBlocks {
            for b in stride(from: 0, to: m.count, by: 4) { m[b..<b + 4].reverse() }
        }
        return m
    }

    static func latin1(_ s: String, _ e: DataElement) throws(EncodeError) -> [UInt8] {
        var out: [UInt8] = []
        for sc in s.unicodeScalars {
            guard sc.value <= 0xFF, sc.value != 0 else { throw EncodeError.invalidValue(e, "needs ISO 8859-1 characters") }
            out.append(UInt8(sc.value))
        }
        return out
    }

    static func extensionBlocks(_ r: ItemRecord) throws(EncodeError) -> [UInt8] {
        var out: [UInt8] = []
        for id in blockFields.keys.sorted() {
            var fields: [[UInt8]] = []
            for f in blockFields[id]! {
                if f.fixedByte {
                    let v = r.elements[f.element]
                    if v != nil && v?.byte == nil { throw EncodeError.invalidValue(f.element, "needs a one-byte value") }
                    fields.append([v?.byte ?? 0])
                } else {
                    guard let v = r.elements[f.element] else { fields.append([0]); continue }
                    guard let s = v.text else { throw EncodeError.invalidValue(f.element, "needs text") }
                    let u = Array(s.utf8)
                    if u.contains(0) { throw EncodeError.invalidValue(f.element, "text cannot contain NUL") }
                    fields.append(u + [0])
                }
            }
            // Shortened block: trailing empty fields are left out.
            while let last = fields.last, last == [0] { fields.removeLast() }
            if fields.isEmpty { continue }
            let body = fields.flatMap { $0 }
            let len = 4 + body.count
            guard len <= 255 else {
                throw EncodeError.elementTooLong(blockFields[id]!.first!.element, bytes: len, max: 255)
            }
            var block: [UInt8] = [UInt8(len), UInt8(id & 0xFF), UInt8(id >> 8), 0] + body
            block[3] = block.reduce(0, ^)
            out += block
        }
        return out
    }
}
