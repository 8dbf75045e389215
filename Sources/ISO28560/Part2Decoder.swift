/// Something worth logging that did not stop the decode.
public enum DecodeWarning: Sendable, Hashable, CustomStringConvertible {
    /// A second data set for the same element: the first one is kept.
    case duplicateElement(DataElement, offset: Int)
    /// The content parameter lists an element that is not on the tag.
    case listedButAbsent(DataElement)
    /// An element's data does not fit its type (e.g. a 3-byte type of usage); kept raw.
    case keptRaw(DataElement, offset: Int)
    /// 6-bit codes 0x21–0x27 are read differently by different decoders.
    case ambiguousSixBit(DataElement, offset: Int)
    case noPrimaryItemIdentifier
    /// ISO 28560-3: something implementations disagree on (e.g. usage nibble outside 0,1,2,7,8,9).
    case oddity(String)

    public var description: String {
        switch self {
        case .duplicateElement(let e, let o): "byte \(o): duplicate element \(e.rawValue), first kept"
        case .listedButAbsent(let e): "content parameter lists element \(e.rawValue), which is absent"
        case .keptRaw(let e, let o): "byte \(o): element \(e.rawValue) does not fit its type, kept raw"
        case .ambiguousSixBit(let e, let o): "byte \(o): element \(e.rawValue) uses 6-bit codes 0x21-0x27 (ambiguous)"
        case .noPrimaryItemIdentifier: "no primary item identifier"
        case .oddity(let s): s
        }
    }
}

/// A fully decoded ISO 28560-2 memory (or the data sets of ISO 28560-4 MB11).
public struct Part2Tag: Sendable, Hashable {
    public var record: ItemRecord
    /// Elements listed in the content parameter, nil when the tag has none.
    public var contentParameter: [Int]?
    public var dataSets: [Part2DataSet]
    /// Offset of the 0x00 terminator; nil when the data sets run to the end of memory.
    public var terminatorOffset: Int?
    public var warnings: [DecodeWarning]
}

extension Part2 {
    /// Decodes data sets from `start` to a terminator or the end of `bytes`.
    public static func decode(_ bytes: [UInt8], start: Int = 0) throws(DecodeError) -> Part2Tag {
        do {
            return try bytes.withUnsafeBytes { try decode($0, start: start) }
        } catch let e as DecodeError {
            throw e
        } catch {
            preconditionFailure("unreachable: only DecodeError is thrown")
        }
    }

    public static func decode(_ mem: UnsafeRawBufferPointer, start: Int = 0) throws(DecodeError) -> Part2Tag {
        var tag = Part2Tag(record: ItemRecord(), contentParameter: nil, dataSets: [], terminatorOffset: nil, warnings: [])
        var i = start
        while true {
            guard let ds = try Part2DataSet.read(mem, at: i) else {
                if i < mem.count { tag.terminatorOffset = i }
                break
            }
            tag.dataSets.append(ds)
            i = ds.end
            let value = try elementValue(ds, mem, warnings: &tag.warnings)
            if ds.oid == 2 {
                if tag.contentParameter != nil {
                    tag.warnings.append(.duplicateElement(.contentParameter, offset: ds.offset))
                } else if case .raw(.applicationDefined, let bits) = value {
                    tag.contentParameter = bitmapElements(bits)
                } else {
                    tag.warnings.append(.keptRaw(.contentParameter, offset: ds.offset))
                }
                continue
            }
            if tag.record.elements[ds.element] != nil {
                tag.warnings.append(.duplicateElement(ds.element, offset: ds.offset))
                continue
            }
            tag.record.elements[ds.element] = value
        }
        if let listed = tag.contentParameter {
            for n in listed where tag.record.elements[DataElement(n)] == nil {
                tag.warnings.append(.listedButAbsent(DataElement(n)))
            }
        }
        if tag.record.primaryItemIdentifier == nil { tag.warnings.append(.noPrimaryItemIdentifier) }
        return tag
    }

    /// Elements 3… whose bits are set, MSB of byte 0 first.
    static func bitmapElements(_ bits: [UInt8]) -> [Int] {
        var out: [Int] = []
        for (k, b) in bits.enumerated() {
            for bit in 0..<8 where b & (0x80 >> UInt8(bit)) != 0 { out.append(3 + 8 * k + bit) }
        }
        return out
    }

    static func elementValue(
        _ ds: Part2DataSet, _ mem: UnsafeRawBufferPointer, warnings: inout [DecodeWarning]
    ) throws(DecodeError) -> ElementValue {
        let raw = Array(mem[ds.dataOffset..<ds.dataOffset + ds.length])
        switch ds.element.kind {
        case .contentParameter:
            try ds.validate(mem)
            return .raw(compaction: ds.compaction, bytes: raw)
        case .byte:
            try ds.validate(mem)
            if ds.length == 1 && [.applicationDefined, .numeric, .octet].contains(ds.compaction) {
                return .byte(raw[0])
            }
            warnings.append(.keptRaw(ds.element, offset: ds.offset))
            return .raw(compaction: ds.compaction, bytes: raw)
        case .text:
            if ds.compaction == .applicationDefined && !ds.element.usesISILCompaction {
                warnings.append(.keptRaw(ds.element, offset: ds.offset))
                return .raw(compaction: ds.compaction, bytes: raw)
            }
            var sink = ArraySink()
            try ds.decodeText(mem, into: &sink)
            if ds.compaction == .sixBit && sink.bytes.contains(where: { $0 >= 0x21 && $0 <= 0x27 }) {
                warnings.append(.ambiguousSixBit(ds.element, offset: ds.offset))
            }
            return .text(sink.string)
        case .unknown:
            try ds.validate(mem)
            return .raw(compaction: ds.compaction, bytes: raw)
        }
    }
}
