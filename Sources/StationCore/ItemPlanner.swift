/// Checkout or return: what the patron asked the station to do with the stack.
public enum StationMode: String, Sendable, CaseIterable { case checkout, checkin }

/// What a multi-part item missing parts does: refuse it (default) or lend it with a warning.
public enum IncompleteSetRule: String, Sendable, CaseIterable { case refuse, warn }

/// Why the station will not work an item, in words for the patron (the kiosk translates the
/// code; `text` is the English default).
public enum ItemRefusal: Sendable, Equatable {
    case incompleteSet(missing: [Int], of: Int)
    case notForLoan
    case patronBlocked
    case notOurs(owner: String)
    case ils(String)
    case offlineNotAllowed(String)
    case unreadable

    public var code: String {
        switch self {
        case .incompleteSet: "incomplete-set"
        case .notForLoan: "not-for-loan"
        case .patronBlocked: "patron-blocked"
        case .notOurs: "not-ours"
        case .ils: "ils-refused"
        case .offlineNotAllowed: "offline-not-allowed"
        case .unreadable: "unreadable"
        }
    }

    public var text: String {
        switch self {
        case .incompleteSet(let missing, let of):
            let parts = missing.prefix(5).map { "\($0)" }.joined(separator: ", ") + (missing.count > 5 ? ", …" : "")
            return missing.count == 1
                ? "part \(parts) of \(of) is missing: put the whole set on the pad"
                : "parts \(parts) of \(of) are missing: put the whole set on the pad"
        case .notForLoan: return "this item is for use in the library only"
        case .patronBlocked: return "your account is blocked: please see staff"
        case .notOurs(let owner): return "this item belongs to another library (\(owner)): please return it there"
        case .ils(let message): return message.isEmpty ? "the library system refused this item" : message
        case .offlineNotAllowed(let why): return why
        case .unreadable: return "this tag cannot be read: please see staff"
        }
    }
}

/// What the station does with one item of the stack.
public enum ItemPlan: Sendable, Equatable {
    case checkout
    /// Already charged to this patron: renew (29) instead of a second checkout.
    case renew
    case checkin
    case refuse(ItemRefusal)
}

/// Decides per item, before anything is sent: pure, from what lies on the pad, the patron
/// and the site's rules.
public struct ItemPlanner: Sendable {
    public var incompleteSets: IncompleteSetRule
    /// Owner ISILs this station works for; empty = any (single-library sites whose tags carry
    /// no owner, or carry it inconsistently).
    public var owners: Set<String>

    public init(incompleteSets: IncompleteSetRule = .refuse, owners: Set<String> = []) {
        self.incompleteSets = incompleteSets
        self.owners = owners
    }

    public func plan(_ item: PadItem, mode: StationMode, patron: PatronSummary?) -> ItemPlan {
        if !owners.isEmpty, !item.owner.isEmpty, !owners.contains(item.owner) {
            return .refuse(.notOurs(owner: item.owner))
        }
        if !item.isComplete && incompleteSets == .refuse {
            return .refuse(.incompleteSet(missing: item.missingParts, of: item.partsInItem))
        }
        switch mode {
        case .checkin:
            return .checkin
        case .checkout:
            if item.usage.notLendable { return .refuse(.notForLoan) }
            guard let patron else { return .refuse(.patronBlocked) }
            if patron.charged.contains(item.pii) { return .renew }
            if patron.blocked { return .refuse(.patronBlocked) }
            return .checkout
        }
    }
}
