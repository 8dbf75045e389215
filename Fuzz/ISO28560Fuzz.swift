// libFuzzer target over every ISO28560 decoder. Built by scripts/fuzz-iso28560.sh together with
// Sources/ISO28560/*.swift (one module, so internal checks are reachable too).
//
// Input: byte 0 picks the decoder mix and DSFID, the rest is tag memory. Besides "never traps",
// it checks that the gate fast path and the full decoder agree, and that whatever decodes
// re-encodes and decodes to the same record.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let selector = data[0]
    let mem = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch selector % 4 {
    case 0: fuzzHF(mem, dsfid: 0x06)
    case 1: fuzzHF(mem, dsfid: selector >> 2 == 0 ? 0x00 : selector)
    case 2: fuzzUHF(mem, split: Int(selector >> 2))
    default:
        _ = try? Part3.decode(mem)
        _ = try? Part4.decodeUserMemory(mem)
        _ = try? Part2.decode(mem)
    }
    return 0
}

func fuzzHF(_ mem: [UInt8], dsfid: UInt8) {
    let fast = mem.withUnsafeBytes { GateFastPath.decode(hfMemory: $0, dsfid: dsfid, afi: 0x07) }
    let full = try? TagDecoder.decodeHF(mem, dsfid: dsfid)
    _ = full.map { $0.json }
    switch fast {
    case .item(let item):
        guard let full, let record = full.record, full.error == nil else { fatalError("fast path item, full decode failed") }
        check(item.pii.string == record.primaryItemIdentifier, "PII differs")
        if let owner = record.ownerInstitution, owner.utf8.count <= 32 {
            check(item.owner.string == owner, "owner differs")
        }
        // Type of usage as the full decoder holds it (part 3: the class alone, in the high nibble).
        check(item.typeOfUsage == record.typeOfUsage, "type of usage differs")
        check(item.usageClass == record.typeOfUsage.map { $0 >> 4 }, "type of usage class differs")
        roundTrip(full)
    case .malformed:
        // The full decoder may still read it when the fast path only hit its 32-byte limit.
        break
    case .blank:
        check(full?.format == .blank, "blank differs")
    case .unrecognised:
        break
    }
}

func roundTrip(_ tag: DecodedTag) {
    if let p2 = tag.part2 {
        guard let image = try? Part2.encode(p2.record, blockSize: 4) else { return }
        guard let again = try? Part2.decode(image) else { fatalError("re-encoded part 2 does not decode") }
        check(again.record == p2.record, "part 2 round trip differs")
    }
    if let p3 = tag.part3 {
        guard let image = try? Part3.encode(p3.record) else { return }
        guard let again = try? Part3.decode(image) else { fatalError("re-encoded part 3 does not decode") }
        check(again.crcOK, "re-encoded part 3 CRC")
        check(again.record == p3.record, "part 3 round trip differs")
    }
}

func fuzzUHF(_ mem: [UInt8], split: Int) {
    let k = min(split, mem.count)
    let uii = Array(mem[..<k]), user = Array(mem[k...])
    let fast = uii.withUnsafeBytes { u in user.withUnsafeBytes { GateFastPath.decode(uiiMemory: u, userMemory: $0) } }
    let full = try? TagDecoder.decodeUHF(uii: uii, userMemory: user)
    _ = full.map { $0.json }
    if case .item(let item) = fast {
        guard let record = full?.record else { fatalError("UHF fast path item, full decode failed") }
        check(item.pii.string == record.primaryItemIdentifier, "UHF PII differs")
        check(item.typeOfUsage == record.typeOfUsage, "UHF type of usage differs")
        if let r = full?.part4?.record, let (uii2, user2) = try? Part4.encode(r, afi: 0xC2),
            let again = try? Part4.decode(uii: uii2, userMemory: user2)
        {
            check(again.record.primaryItemIdentifier == r.primaryItemIdentifier, "UHF round trip PII")
        }
    }
}

func check(_ ok: Bool, _ what: String) {
    if !ok { fatalError(what) }
}
