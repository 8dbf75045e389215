import ISO28560
import Readers

/// The library's tagged items for the simulated gate: real ISO 28560 tag images, half of them
/// on loan. Built once at start; the tag images are what an emulated reader answers with.
public struct SimulatedCollection: Sendable {
    public struct Item: Sendable {
        public var pii: String
        public var tag: EmulatedTag
        public var onLoan: Bool
    }

    public let items: [Item]
    public let onLoan: [Int]
    public let inLibrary: [Int]

    /// UIDs of simulated tags: NXP ICODE-style (E0 04 01 …) with the item index in the low bits.
    public static func uid(index: Int) -> UInt64 { 0xE004_0150_0000_0000 | UInt64(index) }

    public static func pii(index: Int) -> String {
        // 14-digit barcodes starting 3901 (a common library barcode shape), no leading zero.
        let digits = String(index)
        return "3901" + String(repeating: "0", count: 10 - digits.count) + digits
    }

    public init(settings: SimulationSettings) throws {
        var rng = SplitMix64(seed: settings.seed ^ 0xC011_EC71)
        var items: [Item] = []
        var onLoan: [Int] = [], inLibrary: [Int] = []
        items.reserveCapacity(settings.population)
        for i in 0..<settings.population {
            let pii = Self.pii(index: i)
            let loaned = rng.unit() < settings.onLoanFraction
            let afi: UInt8 = loaned ? 0xC2 : 0x07  // ISO 28560-1: C2 on loan, 07 secured in library
            var record = ItemRecord(primaryItemIdentifier: pii)
            record.ownerInstitution = settings.ownerISIL
            let tag: EmulatedTag
            if rng.unit() < settings.part3Fraction {
                let memory = try ISO28560.Part3.encode(record)
                tag = EmulatedTag(uid: Self.uid(index: i), dsfid: 0x00, afi: afi, memory: memory + [UInt8](repeating: 0, count: 112 - min(112, memory.count)))
            } else {
                let memory = try ISO28560.Part2.encode(record, blockSize: 4)
                tag = EmulatedTag(uid: Self.uid(index: i), dsfid: 0x06, afi: afi, memory: memory + [UInt8](repeating: 0, count: 112 - min(112, memory.count)))
            }
            items.append(Item(pii: pii, tag: tag, onLoan: loaned))
            if loaned { onLoan.append(i) } else { inLibrary.append(i) }
        }
        precondition(!onLoan.isEmpty && !inLibrary.isEmpty, "population too small for the loan mix")
        self.items = items
        self.onLoan = onLoan
        self.inLibrary = inLibrary
    }
}
