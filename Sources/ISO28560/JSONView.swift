/// The JSON view of decoded tags, with the snake_case names of the shared vector file.
extension DecodedTag {
    public func jsonFields() -> [(String, JSONValue)] {
        var f: [(String, JSONValue)] = [("format", .string(format.jsonName))]
        if let p = part2 { f += p.jsonFields() }
        if let p = part3 { f += p.jsonFields() }
        if let p = part4 { f += p.jsonFields() }
        if format == .threeM { f.append(("vendor", .string("3M"))) }
        if format == .unknown || format == .threeM || format == .proprietary { f.append(("hex", .string(hexString(raw)))) }
        if let error { f.append(("error", .string(error.description))) }
        return f
    }

    public var json: JSONValue { .object(jsonFields()) }
}

extension ElementValue {
    func json(_ e: DataElement) -> JSONValue {
        switch self {
        case .text(let s): return .string(s)
        case .byte(let b): return e == .typeOfUsage ? .string(hex2(b)) : .int(Int(b))
        case .raw(let c, let bytes): return .object([("compaction", .int(Int(c.rawValue))), ("hex", .string(hexString(bytes)))])
        }
    }
}

func warningsJSON(_ w: [DecodeWarning]) -> [(String, JSONValue)] {
    w.isEmpty ? [] : [("warnings", .array(w.map { .string($0.description) }))]
}

extension Part2Tag {
    /// Elements in the order of their data sets, the content parameter as a list of element numbers.
    public func jsonFields() -> [(String, JSONValue)] {
        var f: [(String, JSONValue)] = []
        var seen = Set<Int>()
        for ds in dataSets where seen.insert(ds.oid).inserted {
            if ds.oid == 2 {
                if let cp = contentParameter { f.append(("content_parameter", .array(cp.map { .int($0) }))) }
            } else if let v = record.elements[ds.element] {
                f.append((ds.element.jsonName, v.json(ds.element)))
            }
        }
        return f + warningsJSON(warnings)
    }
}

extension Part3Tag {
    public func jsonFields() -> [(String, JSONValue)] {
        var f: [(String, JSONValue)] = [
            ("content_parameter", .int(contentParameter)),
            ("type_of_usage", .int(typeOfUsageClass)),
            ("parts_in_item", .int(partsInItem)),
            ("part_number", .int(partNumber)),
            ("primary_item_identifier", .string(record.primaryItemIdentifier ?? "")),
            ("crc_stored", .int(Int(crcStored))),
            ("owner_institution_raw", .string(ownerRaw)),
        ]
        if let o = record.ownerInstitution { f.append(("owner_institution_isil", .string(o))) }
        f += [("crc_calc", .int(Int(crcComputed))), ("crc_ok", .bool(crcOK))]
        if reversedBlocks { f.append(("reversed_blocks", .bool(true))) }
        if truncated { f.append(("truncated_basic_block", .bool(true))) }
        let basic: Set<DataElement> = [.primaryItemIdentifier, .ownerInstitution, .setInformation, .typeOfUsage]
        for (e, v) in record.sortedElements where !basic.contains(e) { f.append((e.jsonName, v.json(e))) }
        f.append(
            (
                "extension_blocks",
                .array(
                    extensionBlocks.map {
                        .object([("offset", .int($0.offset)), ("id", .int(Int($0.id))), ("hex", .string(hexString($0.data)))])
                    })
            ))
        return f + warningsJSON(warnings)
    }
}

extension PCWord {
    public var json: JSONValue {
        var f: [(String, JSONValue)] = [
            ("length_words", .int(lengthWords)), ("umi", .int(umi ? 1 : 0)), ("xpc", .int(xpc ? 1 : 0)),
            ("toggle_iso", .int(toggle ? 1 : 0)),
        ]
        if let afi { f.append(("afi", .string(hex2(afi)))) }
        return .object(f)
    }
}

extension Part4Tag {
    public func jsonFields() -> [(String, JSONValue)] {
        // A bare UII's PC word was derived, not read: it is not shown as the tag's.
        var f: [(String, JSONValue)] = pcDerived ? [("uii", .string(uii))] : [("pc", pc.json), ("uii", .string(uii))]
        for (e, v) in record.sortedElements { f.append((e.jsonName, v.json(e))) }
        if let storedCRC { f.append(("stored_crc", .string(hex4(storedCRC)))) }
        if let u = userMemory, let cp = u.contentParameter { f.append(("content_parameter", .array(cp.map { .int($0) }))) }
        return f + warningsJSON(userMemory?.warnings ?? [])
    }
}

extension ItemRecord {
    /// Reads the JSON view back (unknown keys such as `format`, `crc_ok`, `pc` are ignored).
    /// `type_of_usage` is two hex digits, or (ISO 28560-3 view) an integer class;
    /// `parts_in_item` / `part_number` become set information.
    public init(json: JSONValue) throws(EncodeError) {
        self.init()
        guard case .object(let members) = json else {
            throw EncodeError.invalidValue(.primaryItemIdentifier, "expected a JSON object")
        }
        var parts: Int? = nil, part: Int? = nil
        for (k, v) in members {
            switch k {
            case "parts_in_item": parts = v.intValue
            case "part_number": part = v.intValue
            default:
                guard let e = DataElement(jsonName: k), e != .contentParameter else { continue }
                switch (e.kind, v) {
                case (.byte, .string(let s)) where e == .typeOfUsage:
                    guard let b = UInt8(s, radix: 16), s.count == 2 else { throw EncodeError.invalidValue(e, "expected two hex digits") }
                    elements[e] = .byte(b)
                case (.byte, .int(let n)):
                    guard n >= 0 && n <= 255 else { throw EncodeError.invalidValue(e, "expected 0-255") }
                    elements[e] = .byte(e == .typeOfUsage ? UInt8(n & 0x0F) << 4 : UInt8(n))
                case (_, .object(let o)):
                    guard let c = o.first(where: { $0.0 == "compaction" })?.1.intValue, let comp = Compaction(rawValue: UInt8(clamping: c)),
                        let h = o.first(where: { $0.0 == "hex" })?.1.stringValue, let bytes = parseHex(h)
                    else { throw EncodeError.invalidValue(e, "raw elements need compaction and hex") }
                    elements[e] = .raw(compaction: comp, bytes: bytes)
                case (.text, .string(let s)), (.unknown, .string(let s)):
                    elements[e] = .text(s)
                default:
                    throw EncodeError.invalidValue(e, "unexpected JSON value \(v)")
                }
            }
        }
        if let parts, let part, setInformation == nil, !(parts <= 1 && part <= 1) {
            setInformation = SetInformation(partsInItem: parts, partNumber: part).description
        }
    }
}
