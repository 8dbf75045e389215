import Testing

@testable import ISO28560

/// Every shared vector: the full decoder's JSON view must carry each field of the vector's
/// `decoded` object with the same value, and data-set layouts must match.
@Suite struct VectorTests {
    static func decode(_ v: Vector) throws -> DecodedTag {
        switch v.standard {
        case let s where s.hasPrefix("28560-4"):
            if v.id.contains("mb11") { return try TagDecoder.decodeUserMemory(v.bytes) }
            return try TagDecoder.decodeUHF(uii: v.bytes)
        case let s where s.hasPrefix("28560-2"): return try TagDecoder.decodeHF(v.bytes, dsfid: 0x06)
        default: return try TagDecoder.decodeHF(v.bytes, dsfid: 0x00)
        }
    }

    @Test(arguments: Vector.all)
    func decodedFieldsMatch(_ v: Vector) throws {
        let tag = try Self.decode(v)
        let json = tag.json
        if v.id == "bibliotheca-dm11-proprietary" {
            #expect(tag.format == .unknown || tag.format == .proprietary)
            return
        }
        for (key, expected) in v.decoded {
            if key == "stored_crc_if_read_from_word0" { continue }  // checked in Part4Tests
            let actual = try #require(json[key], "\(v.id): missing \(key) in \(json)")
            #expect(same(actual, expected), "\(v.id).\(key): \(actual) vs \(expected)")
        }
    }

    @Test(arguments: Vector.all)
    func formatIsDetected(_ v: Vector) throws {
        let tag = try Self.decode(v)
        switch v.expectedClassification {
        case "crc_error":
            #expect(tag.format == .part3)
            #expect(tag.error?.reason == .crcMismatch(stored: 54601, computed: 22987))
            #expect(tag.error?.offset == 19)
        case .some: #expect(tag.format == .unknown || tag.format == .proprietary)
        case nil:
            #expect(tag.format.jsonName == String(v.standard.prefix(7)))
            #expect(tag.error == nil)
        }
    }

    @Test(arguments: Vector.all.filter { !$0.layout.isEmpty })
    func layoutMatches(_ v: Vector) throws {
        let tag = try Self.decode(v)
        let sets = try #require(tag.part2?.dataSets)
        #expect(sets.count == v.layout.count)
        // MB11 layouts count offsets from the first data set (after the DSFID byte).
        let base = v.id.contains("mb11") ? 1 : 0
        for (ds, want) in zip(sets, v.layout) {
            #expect(ds.offset - base == want["offset"] as? Int, "\(v.id) offset")
            #expect(hexString([ds.precursor]) == want["precursor"] as? String)
            #expect(ds.oid == want["oid"] as? Int)
            #expect(Int(ds.compaction.rawValue) == want["compaction"] as? Int)
            #expect(ds.length == want["length"] as? Int)
            #expect(ds.pad == want["pad"] as? Int)
        }
    }

    /// Our encoder's bytes may differ from a peer's (compaction choice), the decode must not.
    @Test(arguments: Vector.part2)
    func part2ReencodesToTheSameRecord(_ v: Vector) throws {
        let tag = try Part2.decode(v.bytes)
        for blockSize in [4, 8] {
            let image = try Part2.encode(tag.record, blockSize: blockSize)
            #expect(image.count % blockSize == 0)
            let again = try Part2.decode(image)
            #expect(again.record == tag.record)
            #expect(Set(again.contentParameter ?? []) == Set(tag.contentParameter ?? []))
        }
    }

    @Test(arguments: Vector.part3.filter { $0.expectedClassification == nil })
    func part3ReencodesByteForByte(_ v: Vector) throws {
        let tag = try Part3.decodeVerified(v.bytes)
        let image = try Part3.encode(tag.record, options: .init(truncated: v.bytes.count == 32))
        #expect(hexString(image) == hexString(v.bytes + [UInt8](repeating: 0, count: (4 - v.bytes.count % 4) % 4)))
    }
}

/// Compares a JSON value with a value from the vector file.
func same(_ j: JSONValue, _ e: any Sendable) -> Bool {
    switch (j, e) {
    case (.string(let a), let b as String): return a == b
    case (.int(let a), let b as Int): return a == b
    case (.bool(let a), let b as Bool): return a == b
    case (.array(let a), let b as [Int]): return a == b.map { .int($0) }
    case (.object, let b as [String: any Sendable]):
        return b.allSatisfy { k, v in j[k].map { same($0, v) } ?? false }
    default: return false
    }
}
