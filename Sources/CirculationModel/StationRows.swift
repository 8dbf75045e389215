/// A row of `station_journal`: one item's work at a self-checkout station, step by step.
/// `kind` and `phase` are the station core's names (`LoanKind`, `JournalPhase`); the store
/// keeps them as text so it does not depend on the station.
public struct StationJournalRow: Sendable, Equatable {
    public var id: Int64
    public var session: String
    public var kind: String
    public var patron: String?
    public var item: String
    public var title: String?
    /// The tag's address as text (`hf:E004…`, `uhf:<EPC>`), nil for a typed-in item.
    public var tag: String?
    public var phase: String
    public var offline: Bool
    public var outboxKey: String?
    public var note: String?
    public var createdUnix: Int64
    public var updatedUnix: Int64

    public init(
        id: Int64, session: String, kind: String, patron: String?, item: String, title: String?, tag: String?, phase: String,
        offline: Bool, outboxKey: String?, note: String?, createdUnix: Int64, updatedUnix: Int64
    ) {
        self.id = id
        self.session = session
        self.kind = kind
        self.patron = patron
        self.item = item
        self.title = title
        self.tag = tag
        self.phase = phase
        self.offline = offline
        self.outboxKey = outboxKey
        self.note = note
        self.createdUnix = createdUnix
        self.updatedUnix = updatedUnix
    }
}

/// A tag whose security state disagreed with the ILS and was put right at a station.
public struct TagFixRow: Sendable, Equatable {
    public var atUnix: Int64
    public var item: String
    public var tag: String
    public var fromAFI: Int?
    public var toAFI: Int
    public var reason: String

    public init(atUnix: Int64, item: String, tag: String, fromAFI: Int?, toAFI: Int, reason: String) {
        self.atUnix = atUnix
        self.item = item
        self.tag = tag
        self.fromAFI = fromAFI
        self.toAFI = toAFI
        self.reason = reason
    }
}
