/// An item's circulation status as the library system reports it: the SIP2 circulation
/// status values (item information response, field 2), under the names the CSV import and
/// `rfidgatectl` accept. Stored as these names in `items.loan_state`.
public enum LoanState: String, Sendable, CaseIterable, Codable {
    case other
    case onOrder = "on-order"
    case available
    case onLoan = "on-loan"
    case onLoanNoRecall = "on-loan-no-recall"
    case inProcess = "in-process"
    case recalled
    case onHoldShelf = "on-hold-shelf"
    case awaitingReshelving = "awaiting-reshelving"
    case inTransit = "in-transit"
    case claimedReturned = "claimed-returned"
    case lost
    case missing

    /// SIP2 circulation status code (01...13).
    public var sip2Code: Int {
        switch self {
        case .other: 1
        case .onOrder: 2
        case .available: 3
        case .onLoan: 4
        case .onLoanNoRecall: 5
        case .inProcess: 6
        case .recalled: 7
        case .onHoldShelf: 8
        case .awaitingReshelving: 9
        case .inTransit: 10
        case .claimedReturned: 11
        case .lost: 12
        case .missing: 13
        }
    }

    /// What the gate makes of it: only charged items (04, 05, 07: a recalled item is still on
    /// loan) may leave. Lost, missing and claimed-returned items are not on loan either; sites
    /// that want them to alarm whatever the tag says put them on the hot list.
    public var gateLoan: CacheEntry.Loan {
        switch self {
        case .onLoan, .onLoanNoRecall, .recalled: .onLoan
        default: .inLibrary
        }
    }

    /// Accepts the names above, common spellings from library-system exports ("on_loan",
    /// "charged", "checked out", "loaned", "in library", "on shelf") and SIP2 codes "1"..."13".
    public init?(parsing text: some StringProtocol) {
        var key = ""
        for c in text.lowercased() where !c.isWhitespace || !key.isEmpty {
            key.append(c == "_" || c == " " ? "-" : c)
        }
        while key.hasSuffix("-") { key.removeLast() }
        if let v = LoanState(rawValue: key) { self = v; return }
        if let n = Int(key), let v = LoanState.allCases.first(where: { $0.sip2Code == n }) { self = v; return }
        switch key {
        case "charged", "checked-out", "checkedout", "loaned", "loan", "out", "on-loan-overdue", "overdue": self = .onLoan
        case "in-library", "on-shelf", "shelf", "in", "checked-in", "returned": self = .available
        case "hold", "on-hold", "reserved": self = .onHoldShelf
        case "transit": self = .inTransit
        default: return nil
        }
    }
}
