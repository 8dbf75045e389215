import Testing

@testable import ISO28560

/// SplitMix64: tiny, seeded, so every failure reproduces from the seed in the test name.
struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random strings drawn from each compaction's alphabet.
enum Alphabet: CaseIterable {
    case digits, fiveBit, sixBit, sevenBit, latin1, unicode, isil

    func string(_ rng: inout SeededRNG, maxLength: Int) -> String {
        let n = Int.random(in: 0...maxLength, using: &rng)
        var scalars: [Unicode.Scalar] = []
        for _ in 0..<n {
            let v: UInt32
            switch self {
            case .digits: v = UInt32.random(in: 0x30...0x39, using: &rng)
            case .fiveBit: v = UInt32.random(in: 0x41...0x5F, using: &rng)
            case .sixBit: v = UInt32.random(in: 0x20...0x5F, using: &rng)
            case .sevenBit: v = UInt32.random(in: 0x00...0x7E, using: &rng)
            case .latin1: v = UInt32.random(in: 0x01...0xFF, using: &rng)
            case .unicode:
                let pick = [
                    UInt32.random(in: 0x20...0x7E, using: &rng), UInt32.random(in: 0xA0...0x7FF, using: &rng),
                    UInt32.random(in: 0x3000...0x9FFF, using: &rng), UInt32.random(in: 0x1F300...0x1F5FF, using: &rng),
                ]
                v = pick[Int.random(in: 0..<4, using: &rng)]
            case .isil:
                let set = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-:/".unicodeScalars)
                v = set[Int.random(in: 0..<set.count, using: &rng)].value
            }
            scalars.append(Unicode.Scalar(v)!)
        }
        var s = ""
        s.unicodeScalars.append(contentsOf: scalars)
        return s
    }
}

@Suite struct RoundTripPropertyTests {
    static func randomRecord(_ rng: inout SeededRNG, elements: ClosedRange<Int> = 1...26) -> ItemRecord {
        var r = ItemRecord()
        for n in elements where Bool.random(using: &rng) || n == 1 {
            let e = DataElement(n)
            switch e.kind {
            case .contentParameter: continue
            case .byte: r[e] = .byte(UInt8.random(in: 0...255, using: &rng))
            case .text, .unknown:
                if e == .setInformation {
                    let w = Int.random(in: 1...3, using: &rng)
                    r.setInformation =
                        Alphabet.digits.string(&rng, maxLength: 0)
                        + String(
                            (0..<(2 * w)).map { _ in Character(Unicode.Scalar(UInt8.random(in: 0x30...0x39, using: &rng))) })
                    continue
                }
                let a = Alphabet.allCases.randomElement(using: &rng)!
                r[e] = .text(a.string(&rng, maxLength: a == .unicode ? 28 : 60))
            }
        }
        // Unknown element numbers are kept raw; give two of them.
        for n in [27, Int.random(in: 28...270, using: &rng)] {
            let code = Compaction.allCases.randomElement(using: &rng)!
            let text = Alphabet.digits.string(&rng, maxLength: 12)
            if code == .applicationDefined || code == .integer {
                r[DataElement(n)] = .raw(
                    compaction: .applicationDefined,
                    bytes: (0..<Int.random(in: 0...9, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            } else if let bytes = CompactionEncoder.encode(text.isEmpty ? "7" : text, as: code) {
                r[DataElement(n)] = .raw(compaction: code, bytes: bytes)
            }
        }
        return r
    }

    @Test(arguments: [4, 8], [UInt64(1), 2, 3, 4])
    func part2EncodeDecodeRoundTrips(blockSize: Int, seed: UInt64) throws {
        var rng = SeededRNG(seed: seed &* 7919 &+ UInt64(blockSize))
        for iteration in 0..<300 {
            let record = Self.randomRecord(&rng)
            let image = try Part2.encodeImage(record, options: .init(blockSize: blockSize))
            #expect(image.bytes.count % blockSize == 0)
            let tag = try Part2.decode(image.bytes)
            #expect(tag.record == record, "seed \(seed) iteration \(iteration)")
            // Locked data sets start and end on block boundaries.
            for ds in image.dataSets where ds.oid == 1 || ds.oid == 3 {
                #expect(ds.offset % blockSize == 0 && ds.end % blockSize == 0, "seed \(seed) iteration \(iteration)")
            }
            // Content parameter lists exactly the elements ≥ 3 present.
            #expect(Set(tag.contentParameter ?? []) == Set(record.elements.keys.map(\.rawValue).filter { $0 >= 3 }))
            // The gate agrees with the full decoder.
            let fast = image.bytes.withUnsafeBytes { GateFastPath.decode(hfMemory: $0, dsfid: 0x06) }
            if let pii = record.primaryItemIdentifier, pii.utf8.count <= 32,
                (record.ownerInstitution?.utf8.count ?? 0) <= 32
            {
                guard case .item(let item) = fast else { Issue.record("seed \(seed) iteration \(iteration): \(fast)"); continue }
                #expect(item.pii.string == pii)
                #expect(item.owner.string == record.ownerInstitution ?? "")
            }
        }
    }

    @Test(arguments: [UInt64(11), 12, 13])
    func userMemoryRoundTrips(seed: UInt64) throws {
        var rng = SeededRNG(seed: seed)
        for iteration in 0..<200 {
            let record = Self.randomRecord(&rng)
            let bytes = try [0x06] + Part2.encodeDataSets(record) + [0x00]
            #expect(try Part4.decodeUserMemory(bytes).record == record, "seed \(seed) iteration \(iteration)")
        }
    }

    @Test(arguments: [UInt64(21), 22, 23])
    func part3EncodeDecodeRoundTrips(seed: UInt64) throws {
        var rng = SeededRNG(seed: seed)
        let placeable = Part3.encodableElements
        for iteration in 0..<300 {
            var r = ItemRecord()
            r.primaryItemIdentifier = String(
                Alphabet.sevenBit.string(&rng, maxLength: 30).unicodeScalars.filter { $0.value > 0 }.map(Character.init))
            if Bool.random(using: &rng) {
                r.ownerInstitution = ["DK", "DE", "NO", "CN"].randomElement(using: &rng)! + "-" + Alphabet.isil.string(&rng, maxLength: 20)
            }
            r.typeOfUsage = UInt8.random(in: 0...9, using: &rng) << 4
            if Bool.random(using: &rng) {
                r.setInformation =
                    SetInformation(partsInItem: Int.random(in: 2...255, using: &rng), partNumber: Int.random(in: 0...255, using: &rng))
                    .description
            }
            // 22/23 share their field with a PII/owner that does not fit the basic block, and an
            // alternative owner alone reads back as the owner: only use them beside basic-block values.
            let piiFits = (r.primaryItemIdentifier?.unicodeScalars.count ?? 0) <= 16
            let ownerFits = r.ownerInstitution.map { $0.utf8.count >= 4 && $0.utf8.count - 3 <= 11 } ?? false
            for e in placeable.sorted() where ![1, 3, 4, 5].contains(e.rawValue) && Int.random(in: 0..<4, using: &rng) == 0 {
                if (e == .alternativeItemIdentifier && !piiFits) || (e == .alternativeOwnerInstitution && !ownerFits) { continue }
                if e.kind == .byte {
                    r[e] = .byte(UInt8.random(in: 1...255, using: &rng))
                } else {
                    let s = String(Alphabet.unicode.string(&rng, maxLength: 20).unicodeScalars.filter { $0.value > 0 }.map(Character.init))
                    if !s.isEmpty { r[e] = .text(s) }
                }
            }
            let reversed = Bool.random(using: &rng)
            let image = try Part3.encode(r, options: .init(reversedBlocks: reversed))
            let tag = try Part3.decodeVerified(image)
            #expect(tag.record == r, "seed \(seed) iteration \(iteration)")
            #expect(tag.reversedBlocks == reversed)
            let fast = image.withUnsafeBytes { GateFastPath.decode(hfMemory: $0, dsfid: 0) }
            if case .item(let item) = fast {
                #expect(item.pii.string == r.primaryItemIdentifier || (r.primaryItemIdentifier?.utf8.count ?? 0) > 32)
                #expect(item.format == (reversed ? .part3ReversedBlocks : .part3))
            } else if (r.primaryItemIdentifier?.utf8.count ?? 0) <= 32 && (r.ownerInstitution?.utf8.count ?? 0) <= 32 {
                Issue.record("seed \(seed) iteration \(iteration): \(fast)")
            }
        }
    }

    @Test(arguments: [UInt64(31), 32])
    func part4EncodeDecodeRoundTrips(seed: UInt64) throws {
        var rng = SeededRNG(seed: seed)
        for iteration in 0..<300 {
            var r = ItemRecord()
            let piiAlphabet: Alphabet = [.digits, .sixBit, .sevenBit, .unicode].randomElement(using: &rng)!
            var pii = String(
                piiAlphabet.string(&rng, maxLength: 14).unicodeScalars.filter { $0 != "." && $0.value < 0x10000 }.map(Character.init))
            if pii.isEmpty { pii = "1" }
            r.primaryItemIdentifier = pii
            if Bool.random(using: &rng) { r.ownerInstitution = "CH-" + Alphabet.digits.string(&rng, maxLength: 8) }
            if Bool.random(using: &rng) { r.setInformation = "31" }
            if Bool.random(using: &rng) { r.title = Alphabet.unicode.string(&rng, maxLength: 10) }
            let afi: UInt8 = Bool.random(using: &rng) ? 0xC2 : 0x07
            let (uii, user) = try Part4.encode(r, afi: afi)
            let tag = try Part4.decode(uii: uii, userMemory: user)
            #expect(tag.record == r, "seed \(seed) iteration \(iteration)")
            #expect(tag.pc.afi == afi && tag.pc.umi == (user != nil))
            let fast = uii.withUnsafeBytes { u in (user ?? []).withUnsafeBytes { GateFastPath.decode(uiiMemory: u, userMemory: $0) } }
            guard case .item(let item) = fast else { Issue.record("seed \(seed) iteration \(iteration): \(fast)"); continue }
            #expect(item.pii.string == pii)
            #expect(item.owner.string == r.ownerInstitution ?? "")
            #expect(item.security == (afi == 0x07 ? .secured : .checkedOut))
        }
    }

    /// Random bytes through every decoder with the fuzzer's oracle: no trap, and agreement.
    @Test(arguments: [UInt64(41), 42, 43, 44])
    func decodeNeverTrapsOnRandomBytes(seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        for _ in 0..<5000 {
            let n = Int.random(in: 0...96, using: &rng)
            var mem = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Bias towards structure: plausible precursors and part 3 headers.
            if n > 0 && Bool.random(using: &rng) {
                mem[0] = [0x11, 0x91, 0x21, 0xC1, 0x51, 0x7F, 0x03][Int.random(in: 0..<7, using: &rng)]
            }
            FuzzOracle.run(selector: UInt8.random(in: 0...255, using: &rng), mem: mem)
        }
    }
}
