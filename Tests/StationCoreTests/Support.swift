import ISO28560
import SIP2
import StationCore
import Testing

// Shared fixtures: tag records as the pad reader decodes them (written with the ISO 28560
// encoders and read back through `TagDecoder`), reads of the pad, and SIP2 64 answers as the
// client decodes them off the wire. Time is plain nanoseconds: nothing here sleeps.
//
// A mutating call that returns a Bool is checked as `#expect(x.call() == true)`: `#expect`
// captures a bare call's receiver as a constant, the operands of `==` it does not.

let ms: UInt64 = 1_000_000
let sec: UInt64 = 1_000_000_000
let minute: UInt64 = 60 * sec

/// The library's ISIL on its tags.
let ourISIL = "CN-BJ0001"

struct FixtureError: Error, CustomStringConvertible {
    var description: String
}

enum Tags {
    /// An HF tag in the ISO 28560-2 format (DSFID 0x06): keeps the usage sub-class.
    static func hf(
        _ pii: String, owner: String? = ourISIL, set: String? = nil, usage: UInt8? = 0x10, title: String? = nil
    ) throws -> ItemRecord {
        var r = ItemRecord(primaryItemIdentifier: pii, ownerInstitution: owner, setInformation: set, typeOfUsage: usage)
        r.title = title
        let memory = try Part2.encode(r, blockSize: 4)
        let decoded = try TagDecoder.decodeHF(memory, dsfid: 0x06)
        guard decoded.format == .part2, let record = decoded.record else {
            throw FixtureError(description: "part 2 memory read back as \(decoded.format)")
        }
        return record
    }

    /// An HF tag in the Danish ISO 28560-3 format: usage keeps only its class.
    static func hfPart3(_ pii: String, owner: String? = "DK-718500", set: String? = nil, usage: UInt8? = 0x10) throws -> ItemRecord {
        let r = ItemRecord(primaryItemIdentifier: pii, ownerInstitution: owner, setInformation: set, typeOfUsage: usage)
        let decoded = try TagDecoder.decodeHF(try Part3.encode(r), dsfid: 0)
        guard let record = decoded.record else { throw FixtureError(description: "part 3 memory read back as \(decoded.format)") }
        return record
    }

    /// A UHF tag (ISO 28560-4): the id with its PC word as the reader reports it, and the record.
    static func uhf(
        _ pii: String, owner: String? = ourISIL, usage: UInt8? = 0x10, title: String? = nil, afi: UInt8 = 0x07
    ) throws -> (id: PadTagID, record: ItemRecord) {
        var r = ItemRecord(primaryItemIdentifier: pii, ownerInstitution: owner, typeOfUsage: usage)
        r.title = title
        let (uii, user) = try Part4.encode(r, afi: afi)
        let decoded = try TagDecoder.decodeUHF(uii: uii, userMemory: user)
        guard let record = decoded.record else { throw FixtureError(description: "UHF memory read back as \(decoded.format)") }
        let pc = UInt16(uii[0]) << 8 | UInt16(uii[1])
        return (.uhf(epc: Array(uii[2...]), pc: pc), record)
    }
}

/// One read of a tag on the pad.
func read(
    _ id: PadTagID, _ record: ItemRecord?, at: UInt64, afi: UInt8? = 0x07, problem: String? = nil, reader: String = "pad-1"
) -> PadObservation {
    PadObservation(id: id, reader: reader, afi: afi, record: record, problem: problem, atNanos: at)
}

/// What lies on the pad after one read of each (uid, record), in that order.
func pad(_ tags: [(UInt64, ItemRecord?)]) -> PadTracker {
    var t = PadTracker()
    for (i, (uid, record)) in tags.enumerated() { t.observe(read(.hf(uid), record, at: UInt64(i) * ms)) }
    return t
}

/// The one item on a pad holding these tags.
func item(_ records: ItemRecord...) throws -> PadItem {
    let contents = pad(records.enumerated().map { (0xE004_0000_0000_0001 + UInt64($0.offset), $0.element) }).contents
    return try #require(contents.items.count == 1 ? contents.items.first : nil, "expected one item, got \(contents.items.map(\.pii))")
}

enum SIP2Fixtures {
    static let blankStatus = String(repeating: " ", count: 14)

    /// A patron information answer (64) as the client gets it: encoded to a frame with
    /// checksum, decoded and typed. The fixed part: 14 status flags, language, date, six counts.
    static func patronInformation(
        status: String = blankStatus, counts: [String] = ["0000", "0000", "0000", "0000", "0000", "0000"],
        _ fields: [(String, String)]
    ) throws -> PatronInformationResponse {
        let fixed = status + "019" + "20250601    101500" + counts.joined()
        guard fixed.utf8.count == 59 else { throw FixtureError(description: "fixed part of 64 is \(fixed.utf8.count) chars") }
        let message = SIP2Message(code: "64", fixed: fixed, fields: fields.map { SIP2Message.Field($0.0, $0.1) })
        let frame = try SIP2Encoder().encode(message, sequence: 3)
        let decoded = try SIP2Decoder().decode(Array(frame.dropLast()))
        guard decoded.checksum == .valid else { throw FixtureError(description: "checksum \(decoded.checksum)") }
        guard case .patronInformation(let r) = try SIP2Response(decoded) else { throw FixtureError(description: "not a 64") }
        return r
    }

    /// Status flags with "Y" at the given positions (0 charge privileges denied, 4 card lost, 10 excessive fines, ...).
    static func status(_ denied: PatronStatusFlags.Flag...) -> String {
        var chars = Array(repeating: Character(" "), count: 14)
        for f in denied { chars[f.rawValue] = "Y" }
        return String(chars)
    }
}

/// A patron as the ILS described them.
func patron(
    _ id: String = "P0001", name: String = "Li Hua", blocked: Bool = false, charged: [String] = [], pinValid: Bool? = nil
) -> PatronSummary {
    PatronSummary(id: id, name: name, pinValid: pinValid, blocked: blocked, charged: charged)
}
