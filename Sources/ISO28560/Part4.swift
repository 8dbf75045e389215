/// A decoded ISO 28560-4 tag: MB01 (PC + UII) and, when read, MB11 user memory.
public struct Part4Tag: Sendable, Hashable {
    public var pc: PCWord
    /// The UII as text ("CH-000134-1.12345678.31").
    public var uii: String
    /// PII, owner and set information from the UII, merged with the user-memory elements.
    public var record: ItemRecord
    public var storedCRC: UInt16?
    public var userMemory: Part2Tag?
    /// The input had no PC word (a bare UII): `pc` is derived from the UII's length and the
    /// AFI given with it, not read from the tag.
    public var pcDerived = false
}

/// Small inline buffer for a whole UII (31 words hold at most ~93 characters).
struct UIIBuffer: ByteSink {
    var bytes = InlineArray<128, UInt8>(repeating: 0)
    var count = 0
    mutating func append(_ byte: UInt8) -> Bool {
        guard count < 128 else { return false }
        bytes[count] = byte
        count += 1
        return true
    }
}

extension Part4 {
    /// The AFIs that mark an ISO 28560-4 library UII (§8: T = 1 and AFI C2 or 07).
    static func isLibraryAFI(_ afi: UInt8, _ profile: AFIProfile) -> Bool {
        afi == 0xC2 || afi == 0x07 || profile.state(afi: afi) != .unknown
    }

    /// Decodes MB01 from the PC word (word 1) on; with `includesStoredCRC` the bytes start at word 0.
    public static func decodeUII(_ bytes: [UInt8], includesStoredCRC: Bool = false) throws(DecodeError) -> Part4Tag {
        let r: Result<Part4Tag, DecodeError> = bytes.withUnsafeBytes { mem in
            do throws(DecodeError) {
                let base = includesStoredCRC ? 2 : 0
                guard mem.count >= base + 2 else { throw DecodeError(offset: mem.count, .truncated(needed: UInt8(base + 2 - mem.count))) }
                let pc = PCWord(mem[base], mem[base + 1])
                let start = base + 2, end = start + 2 * pc.lengthWords
                guard end <= mem.count else {
                    throw DecodeError(offset: base, .uiiLengthPastEnd(words: pc.lengthWords, available: mem.count - start))
                }
                guard pc.toggle else { throw DecodeError(offset: base, .notISOUII) }
                var sink = ArraySink()
                try Code40.decode(mem, start, end, into: &sink)
                let uii = sink.string
                var tag = Part4Tag(pc: pc, uii: uii, record: ItemRecord(), storedCRC: nil, userMemory: nil)
                if includesStoredCRC { tag.storedCRC = UInt16(mem[0]) << 8 | UInt16(mem[1]) }
                // Split bytes, not Characters: "." followed by a combining mark is one Character.
                let f = Array(uii.utf8).split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
                    .map { String(decoding: $0, as: UTF8.self) }
                switch f.count {
                case 1: tag.record.primaryItemIdentifier = f[0]
                case 2: (tag.record.ownerInstitution, tag.record.primaryItemIdentifier) = (f[0], f[1])
                default:
                    tag.record.ownerInstitution = f[0]
                    tag.record.primaryItemIdentifier = f[1..<(f.count - 1)].joined(separator: ".")
                    tag.record.setInformation = f[f.count - 1]
                }
                return .success(tag)
            } catch {
                return .failure(error)
            }
        }
        return try r.get()
    }

    /// A bare UII (the UII words without the PC word): a PC word is derived from its length
    /// (whole words, at most 31), the user memory given and the AFI (0xC2 when none is known).
    public static func decodeBare(uii: [UInt8], userMemory: [UInt8]?, afi: UInt8?) throws(DecodeError) -> Part4Tag {
        guard uii.count % 2 == 0 else { throw DecodeError(offset: uii.count, .truncated(needed: 1)) }
        guard uii.count / 2 <= 31 else { throw DecodeError(offset: 62, .uiiTooLong(bytes: uii.count)) }
        let pc = PCWord(lengthWords: uii.count / 2, userMemory: userMemory != nil, afi: afi ?? 0xC2)
        var tag = try decode(uii: pc.bytes + uii, userMemory: userMemory)
        tag.pcDerived = true
        return tag
    }

    /// MB11: DSFID 0x06 then ISO 28560-2 data sets (offsets in errors count the DSFID byte).
    public static func decodeUserMemory(_ bytes: [UInt8]) throws(DecodeError) -> Part2Tag {
        guard let dsfid = bytes.first else { throw DecodeError(offset: 0, .truncated(needed: 1)) }
        guard dsfid == 0x06 else { throw DecodeError(offset: 0, .unexpectedDSFID(dsfid)) }
        var tag = try Part2.decode(bytes, start: 1)
        tag.warnings.removeAll { $0 == .noPrimaryItemIdentifier }  // the PII is in the UII
        return tag
    }

    /// Both banks: user-memory elements fill in what the UII does not carry (the UII wins on conflict).
    public static func decode(uii: [UInt8], userMemory: [UInt8]?, includesStoredCRC: Bool = false) throws(DecodeError) -> Part4Tag {
        var tag = try decodeUII(uii, includesStoredCRC: includesStoredCRC)
        if let userMemory, userMemory.contains(where: { $0 != 0 }) {
            let user = try decodeUserMemory(userMemory)
            tag.userMemory = user
            for (e, v) in user.record.elements where tag.record.elements[e] == nil { tag.record.elements[e] = v }
        }
        return tag
    }

    /// MB01 from the PC word on, and MB11 when elements remain for it (nil otherwise).
    /// The UII is "ISIL.PII[.set]" when there is an owner, else the PII alone (then the set goes to MB11).
    public static func encode(
        _ record: ItemRecord, afi: UInt8 = 0xC2
    ) throws(EncodeError) -> (uii: [UInt8], userMemory: [UInt8]?) {
        guard let pii = record.primaryItemIdentifier else {
            throw EncodeError.invalidValue(.primaryItemIdentifier, "the UII needs a PII")
        }
        var rest = record
        rest.primaryItemIdentifier = nil
        var text = pii
        if pii.utf8.contains(UInt8(ascii: ".")) {
            throw EncodeError.invalidValue(.primaryItemIdentifier, "'.' would make the UII ambiguous")
        }
        if let owner = record.ownerInstitution, !owner.utf8.contains(UInt8(ascii: ".")) {
            text = owner + "." + pii
            rest.ownerInstitution = nil
            if let set = record.setInformation, !set.utf8.contains(UInt8(ascii: ".")) {
                text += "." + set
                rest.setInformation = nil
            }
        }
        guard let code = Code40.encode(text) else {
            throw EncodeError.invalidValue(.primaryItemIdentifier, "character not encodable in URN Code 40")
        }
        guard code.count <= 62 else { throw EncodeError.elementTooLong(.primaryItemIdentifier, bytes: code.count, max: 62) }
        var user: [UInt8]? = nil
        if !rest.elements.isEmpty {
            var u = [0x06] + (try Part2.encodeDataSets(rest))
            u.append(0)  // terminator
            if u.count % 2 == 1 { u.append(0) }
            user = u
        }
        let pc = PCWord(lengthWords: code.count / 2, userMemory: user != nil, afi: afi)
        return (pc.bytes + code, user)
    }
}
