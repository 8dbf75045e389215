/// What lies on the pad: tags appear with their first read and disappear when no reader has
/// seen them for `presenceNanos` (a stack of HF tags is read in turns, so one missed cycle
/// must not make an item vanish). Pure: reads and time come in as values.
public struct PadTracker: Sendable {
    public var presenceNanos: UInt64
    public private(set) var tags: [PadTag] = []
    /// Bumped on every change of the pad's contents (a tag came, went, or read differently).
    public private(set) var generation: UInt64 = 0

    public init(presenceNanos: UInt64 = 1_500_000_000) { self.presenceNanos = presenceNanos }

    /// Takes one read. Returns whether the pad's contents changed.
    @discardableResult
    public mutating func observe(_ o: PadObservation) -> Bool {
        if let i = tags.firstIndex(where: { $0.id.sameTag(o.id) }) {
            var t = tags[i]
            let before = (t.afi, t.record, t.problem)
            t.lastSeenNanos = max(t.lastSeenNanos, o.atNanos)
            t.id = o.id  // a UHF tag's PC word changes when its AFI is written
            t.reader = o.reader
            if let afi = o.afi { t.afi = afi }
            // A read whose memory failed keeps the last good decode of the same tag.
            if o.record != nil || t.record == nil {
                t.record = o.record
                t.problem = o.problem
            }
            tags[i] = t
            let changed = before.0 != t.afi || before.1 != t.record || before.2 != t.problem
            if changed { generation &+= 1 }
            return changed
        }
        tags.append(
            PadTag(
                id: o.id, reader: o.reader, afi: o.afi, record: o.record, problem: o.problem, firstSeenNanos: o.atNanos,
                lastSeenNanos: o.atNanos))
        generation &+= 1
        return true
    }

    /// Forgets tags unseen since `now - presenceNanos`. Returns whether any went.
    @discardableResult
    public mutating func expire(now: UInt64) -> Bool {
        let before = tags.count
        tags.removeAll { now > $0.lastSeenNanos && now - $0.lastSeenNanos > presenceNanos }
        if tags.count != before { generation &+= 1 }
        return tags.count != before
    }

    /// Empties the pad (the reader stopped: nothing can be said about what lies on it).
    public mutating func clear() {
        if !tags.isEmpty { generation &+= 1 }
        tags.removeAll()
    }

    public func tag(_ id: PadTagID) -> PadTag? { tags.first { $0.id.sameTag(id) } }

    public var contents: PadContents { PadContents(tags: tags) }
}

/// The pad's tags grouped the way a patron sees them: items (a multi-part item's parts
/// together), patron cards, and tags that could not be read as either.
public struct PadContents: Sendable, Equatable {
    public var items: [PadItem]
    public var patronCards: [PadTag]
    public var unreadable: [PadTag]

    public init(tags: [PadTag]) {
        var items: [PadItem] = []
        var cards: [PadTag] = []
        var unreadable: [PadTag] = []
        for t in tags.sorted(by: { $0.firstSeenNanos < $1.firstSeenNanos }) {
            if t.usage.isPatronCard {
                cards.append(t)
                continue
            }
            guard let pii = t.pii else {
                unreadable.append(t)
                continue
            }
            let owner = t.owner ?? ""
            if let i = items.firstIndex(where: { $0.pii == pii && $0.owner == owner }) {
                items[i].add(t)
            } else {
                items.append(PadItem(first: t, pii: pii, owner: owner))
            }
        }
        self.items = items
        patronCards = cards
        self.unreadable = unreadable
    }

    public var isEmpty: Bool { items.isEmpty && patronCards.isEmpty && unreadable.isEmpty }
}

/// One item on the pad: all tags with the same owner and primary item identifier. A set
/// (ISO 28560 "parts in item" > 1: the discs and booklet of an audio book) is complete when
/// every part number from 1 to N lies on the pad.
public struct PadItem: Sendable, Equatable {
    public var pii: String
    /// The owner institution (ISIL) from the tag; "" when the tag has none.
    public var owner: String
    public var tags: [PadTag]

    init(first: PadTag, pii: String, owner: String) {
        self.pii = pii
        self.owner = owner
        tags = [first]
    }

    mutating func add(_ t: PadTag) { tags.append(t) }

    /// Parts the tags say the item has (the largest claim: a tag that says fewer is damaged or
    /// rewritten, and the set must not be taken for complete because of it).
    public var partsInItem: Int { tags.map { $0.set?.partsInItem ?? 1 }.max() ?? 1 }
    public var presentParts: [Int] { Array(Set(tags.map { $0.set?.partNumber ?? 1 })).sorted() }
    public var missingParts: [Int] {
        let have = Set(presentParts)
        return partsInItem > 64 ? [] : (1...max(1, partsInItem)).filter { !have.contains($0) }
    }
    public var isComplete: Bool { partsInItem <= 64 && missingParts.isEmpty }
    /// The strictest usage any part carries: not lendable first, then "not while offline" (a
    /// part that may not go out or come back offline holds the whole set to it).
    public var usage: ItemUsage {
        let all = tags.map(\.usage)
        if let u = all.first(where: \.notLendable) { return u }
        let noIssue = all.contains(where: \.noOfflineIssue), noReturn = all.contains(where: \.noOfflineReturn)
        if noIssue && noReturn { return ItemUsage(typeOfUsage: 0x15) }
        return all.first { $0.noOfflineIssue || $0.noOfflineReturn } ?? all.first { $0.raw != nil } ?? ItemUsage(typeOfUsage: nil)
    }
    public var title: String? { tags.compactMap { $0.record?.title }.first }
}
