/// The simulated pad behind the API (`/api/sim/*`): lets a browser or a test lay tagged items
/// on the pad and take them off, and read every emulated tag's security byte. Only a station
/// with a simulated reader has one.
public protocol PadSimulating: Sendable {
    func catalog() -> [SimCatalogEntry]
    func tags() -> [SimTag]
    /// Lays the items' tags on the pad (making tags for items it has not seen), leaving out
    /// the parts named missing; returns the tags on the pad.
    func lay(_ items: [SimItem]) async throws -> [SimTag]
    /// Takes every tag off the pad; returns the tags left (none).
    func clear() async -> [SimTag]
}

public struct SimTag: Sendable, Equatable, Codable {
    public var uid: String
    public var item: String
    public var part: Int
    public var parts: Int
    public var afi: Int
    public var onPad: Bool
    public var patronCard: Bool

    public init(uid: String, item: String, part: Int, parts: Int, afi: Int, onPad: Bool, patronCard: Bool) {
        self.uid = uid
        self.item = item
        self.part = part
        self.parts = parts
        self.afi = afi
        self.onPad = onPad
        self.patronCard = patronCard
    }

    enum CodingKeys: String, CodingKey {
        case uid, item, part, parts, afi
        case onPad = "on_pad", patronCard = "patron_card"
    }
}

public struct SimItem: Sendable, Equatable {
    public var item: String
    public var parts = 1
    public var missing: [Int] = []
    public var forLoan = true
    public var patronCard = false
    public var title: String?

    public init(item: String, parts: Int = 1, missing: [Int] = [], forLoan: Bool = true, patronCard: Bool = false, title: String? = nil) {
        self.item = item
        self.parts = parts
        self.missing = missing
        self.forLoan = forLoan
        self.patronCard = patronCard
        self.title = title
    }
}

public struct SimCatalogEntry: Sendable, Equatable, Codable {
    public var item: String
    public var title: String?
    public var parts: Int
    /// "item", "patron-card", "reference", "lost", "on-hold", ...
    public var kind: String

    public init(item: String, title: String?, parts: Int, kind: String) {
        self.item = item
        self.title = title
        self.parts = parts
        self.kind = kind
    }
}
