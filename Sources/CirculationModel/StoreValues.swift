/// One item as the store holds it.
public struct StoredItem: Sendable, Equatable {
    public var pii: String
    public var ownerISIL: String?
    public var loanState: LoanState
    public var dueDate: String?
    public var title: String?
    public var updatedAt: Int64
    public var source: String
    public var hot: HotEntry?
    public var callNumber: String? = nil
    public var shelfLocation: String? = nil

    public init(
        pii: String, ownerISIL: String?, loanState: LoanState, dueDate: String?, title: String?, updatedAt: Int64, source: String,
        hot: HotEntry?
    ) {
        self.pii = pii
        self.ownerISIL = ownerISIL
        self.loanState = loanState
        self.dueDate = dueDate
        self.title = title
        self.updatedAt = updatedAt
        self.source = source
        self.hot = hot
    }
}

/// A change to one item's record (from a station, the sync, a CSV row or the CLI).
public struct ItemUpdate: Sendable, Equatable {
    public var pii: String
    public var loanState: LoanState
    public var dueDate: String?
    public var title: String?
    public var ownerISIL: String?
    /// Where staff find the item: its call number (索书号) and shelf location (馆藏地), from
    /// the ILS's export; shown with the gate's alarms.
    public var callNumber: String?
    public var shelfLocation: String?

    public init(
        pii: String, loanState: LoanState, dueDate: String? = nil, title: String? = nil, ownerISIL: String? = nil,
        callNumber: String? = nil, shelfLocation: String? = nil
    ) {
        self.pii = pii
        self.loanState = loanState
        self.dueDate = dueDate
        self.title = title
        self.ownerISIL = ownerISIL
        self.callNumber = callNumber
        self.shelfLocation = shelfLocation
    }
}

/// An item that must always alarm (stolen, missing).
public struct HotEntry: Sendable, Equatable {
    public var pii: String
    public var reason: String
    public var note: String?
    public var addedAt: Int64

    public init(pii: String, reason: String, note: String?, addedAt: Int64) {
        self.pii = pii
        self.reason = reason
        self.note = note
        self.addedAt = addedAt
    }
}

/// What loading the index from disk found.
public struct IndexLoad: Sendable {
    public var entries: Int
    /// The last `item_changes` row already reflected in the index.
    public var changeSeq: Int64
    public var generation: Int64
    /// The size the table was built for (from the previous load).
    public var expected: Int = 0

    public init(entries: Int, changeSeq: Int64, generation: Int64, expected: Int = 0) {
        self.entries = entries
        self.changeSeq = changeSeq
        self.generation = generation
        self.expected = expected
    }
}
