import CirculationModel
import ISO28560
import ReaderEmulators
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
    /// On the cache's hot list; tags say checked out.
    public let hot: [Int]
    /// Another institution's items, lent there; not in this library's cache.
    public let foreign: [Int]
    /// Owned by the library (in the cache): the first `population` items.
    public let ownCount: Int

    /// UIDs of simulated tags: NXP ICODE-style (E0 04 01 …) with the item index in the low bits.
    public static func uid(index: Int) -> UInt64 { 0xE004_0150_0000_0000 | UInt64(index) }

    public static func pii(index: Int) -> String {
        // 14-digit barcodes starting 3901 (a common library barcode shape), no leading zero.
        let digits = String(index)
        return "3901" + String(repeating: "0", count: 10 - digits.count) + digits
    }

    static func tag(index i: Int, pii: String, owner: String, afi: UInt8, part3: Bool) throws -> EmulatedTag {
        var record = ItemRecord(primaryItemIdentifier: pii)
        record.ownerInstitution = owner
        let memory = part3 ? try ISO28560.Part3.encode(record) : try ISO28560.Part2.encode(record, blockSize: 4)
        return EmulatedTag(
            uid: uid(index: i), dsfid: part3 ? 0x00 : 0x06, afi: afi,
            memory: memory + [UInt8](repeating: 0, count: 112 - min(112, memory.count)))
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
                tag = EmulatedTag(
                    uid: Self.uid(index: i), dsfid: 0x00, afi: afi,
                    memory: memory + [UInt8](repeating: 0, count: 112 - min(112, memory.count)))
            } else {
                let memory = try ISO28560.Part2.encode(record, blockSize: 4)
                tag = EmulatedTag(
                    uid: Self.uid(index: i), dsfid: 0x06, afi: afi,
                    memory: memory + [UInt8](repeating: 0, count: 112 - min(112, memory.count)))
            }
            items.append(Item(pii: pii, tag: tag, onLoan: loaned))
            if loaned { onLoan.append(i) } else { inLibrary.append(i) }
        }
        precondition(!onLoan.isEmpty && !inLibrary.isEmpty, "population too small for the loan mix")
        ownCount = items.count
        // Extra items after the collection, from their own generator so the collection (and
        // so every patron's loans) stays what it was for a seed.
        var extra = SplitMix64(seed: settings.seed ^ 0xF0E1_6A11)
        var hot: [Int] = [], foreign: [Int] = []
        for _ in 0..<max(0, settings.hotItems) {
            let i = items.count
            let pii = Self.pii(index: i)
            items.append(
                Item(
                    pii: pii,
                    tag: try Self.tag(
                        index: i, pii: pii, owner: settings.ownerISIL, afi: 0xC2, part3: extra.unit() < settings.part3Fraction),
                    onLoan: false))
            hot.append(i)
        }
        for _ in 0..<max(0, settings.foreignItems) {
            let i = items.count
            let pii = "7157" + Self.pii(index: i).dropFirst(4)
            items.append(
                Item(
                    pii: pii,
                    tag: try Self.tag(
                        index: i, pii: pii, owner: settings.foreignISIL, afi: 0xC2, part3: extra.unit() < settings.part3Fraction),
                    onLoan: true))
            foreign.append(i)
        }
        self.hot = hot
        self.foreign = foreign
        self.items = items
        self.onLoan = onLoan
        self.inLibrary = inLibrary
    }

    /// The library's own items as the library system would export them (on loan or not).
    public func cacheUpdates(ownerISIL: String) -> [ItemUpdate] {
        var out: [ItemUpdate] = []
        out.reserveCapacity(ownCount + hot.count)
        for i in 0..<ownCount {
            let item = items[i]
            out.append(
                ItemUpdate(
                    pii: item.pii, loanState: item.onLoan ? .onLoan : .available, dueDate: item.onLoan ? "2030-06-30" : nil,
                    title: Self.title(index: i), ownerISIL: ownerISIL, callNumber: Self.callNumber(index: i),
                    shelfLocation: Self.shelf(index: i)))
        }
        for i in hot {
            out.append(
                ItemUpdate(
                    pii: items[i].pii, loanState: .missing, title: Self.title(index: i), ownerISIL: ownerISIL,
                    callNumber: Self.callNumber(index: i), shelfLocation: Self.shelf(index: i)))
        }
        return out
    }

    /// Fills `index` as the cache would (for tests and benchmarks without a store).
    public func fill(_ index: GateIndex) {
        for i in 0..<ownCount {
            index.set(CirculationKey.of(items[i].pii), CacheEntry(loan: items[i].onLoan ? .onLoan : .inLibrary, hot: false))
        }
        for i in hot { index.set(CirculationKey.of(items[i].pii), CacheEntry(loan: .inLibrary, hot: true)) }
    }

    static let titleWords = [
        "Atlas", "Garden", "Winter", "River", "Letters", "Night", "Harbour", "Stone", "Journey", "Silence", "Orchard", "Lanterns",
    ]

    /// A Chinese Library Classification call number (class letter, number, author mark).
    public static func callNumber(index: Int) -> String {
        let classes = ["I247.5", "K825.6", "TP311", "O41", "H319.4", "B82", "F830", "G252"]
        return "\(classes[index % classes.count])/\(index % 97 + 1)"
    }

    public static func shelf(index: Int) -> String {
        ["2F 中文图书借阅区", "3F 外文图书区", "1F 新书展示区", "4F 社科图书区"][index % 4]
    }

    public static func title(index: Int) -> String {
        let w = titleWords
        return "The \(w[index % w.count]) of \(w[(index / w.count) % w.count]), vol. \(index % 7 + 1)"
    }
}
