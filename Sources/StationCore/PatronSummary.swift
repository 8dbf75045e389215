import SIP2

/// What the ILS says about the patron at the station: shown on the screen and the receipt,
/// and what decides whether they may borrow. Built from a patron information (64) answer.
public struct PatronSummary: Sendable, Equatable {
    public var id: String
    public var name: String
    public var valid: Bool
    /// nil: the ILS did not check a PIN (none sent, or it does not do PINs).
    public var pinValid: Bool?
    public var blocked: Bool
    /// The flags that block, as SIP2 names them (for staff; the patron sees `messages`).
    public var blocks: [String]
    /// Item ids the patron has out (AU), used to tell a renewal from a checkout.
    public var charged: [String]
    public var chargedCount: Int
    /// Holds ready for pick-up. ILSs differ: some list only available holds in AS, some list
    /// every hold there and put the waiting ones in CD; some send only counts. Ready =
    /// AS items that are not also in CD, else the hold count minus the unavailable count.
    public var holdsReady: Int
    public var fines: String?
    public var messages: [String]

    public init(
        id: String, name: String, valid: Bool = true, pinValid: Bool? = nil, blocked: Bool = false, blocks: [String] = [],
        charged: [String] = [], holdsReady: Int = 0, fines: String? = nil, messages: [String] = []
    ) {
        self.id = id
        self.name = name
        self.valid = valid
        self.pinValid = pinValid
        self.blocked = blocked
        self.blocks = blocks
        self.charged = charged
        self.chargedCount = charged.count
        self.holdsReady = holdsReady
        self.fines = fines
        self.messages = messages
    }

    public init(_ r: PatronInformationResponse, patron: String) {
        id = patron
        name = r.name
        // BL absent: an ILS that does not say; a non-empty name means it found the patron.
        valid = r.validPatron ?? !r.name.isEmpty
        pinValid = r.validPassword
        blocked = r.status.blocksCheckout
        blocks = r.status.set.filter(PatronStatusFlags.checkoutBlocking.contains).map { "\($0)" }
        charged = r.chargedItems
        chargedCount = max(r.chargedItems.count, r.counts.count > 2 ? (r.counts[2] ?? 0) : 0)
        let unavailable = Set(r.unavailableHoldItems)
        if !r.holdItems.isEmpty {
            holdsReady = r.holdItems.filter { !unavailable.contains($0) }.count
        } else {
            let all = r.counts.first.flatMap { $0 } ?? 0
            let waiting = r.counts.count > 5 ? (r.counts[5] ?? 0) : 0
            holdsReady = max(0, all - waiting)
        }
        let fee = r.raw["BV"].flatMap { $0.trimmingCharacters(in: " ").isEmpty ? nil : $0 }
        fines = fee.map { f in r.raw["BH"].map { "\(f) \($0)" } ?? f }
        messages = r.screenMessages
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
