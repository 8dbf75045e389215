/// When the station may lend or take back without the ILS: only while the ILS last said
/// offline work is fine and the site allows it, for patrons the station saw in good standing
/// online recently, a few items per patron and per session, never for items whose tag says
/// "not while offline" (type of usage 13/14/15). Pure.
public struct OfflineRules: Sendable, Equatable {
    public var enabled: Bool
    public var maxItemsPerPatron: Int
    public var maxItemsPerSession: Int
    /// A patron must have been seen online, valid and unblocked, within this many days.
    public var goodStandingDays: Int
    public var loanDays: Int

    public init(
        enabled: Bool = false, maxItemsPerPatron: Int = 5, maxItemsPerSession: Int = 3, goodStandingDays: Int = 30, loanDays: Int = 14
    ) {
        self.enabled = enabled
        self.maxItemsPerPatron = maxItemsPerPatron
        self.maxItemsPerSession = maxItemsPerSession
        self.goodStandingDays = goodStandingDays
        self.loanDays = loanDays
    }

    public enum Verdict: Sendable, Equatable {
        case allowed
        case refused(String)
    }

    /// - Parameters:
    ///   - ilsAllowsOffline: the ILS's last 98 had "offline OK" (nil: never heard from it).
    ///   - patronLastGoodUnix: when the patron was last seen online in good standing.
    ///   - queuedForPatron: offline loans of this patron still waiting in the outbox.
    ///   - doneThisSession: offline loans already made in this session.
    public func checkout(
        usage: ItemUsage, ilsAllowsOffline: Bool?, patronLastGoodUnix: Int64?, nowUnix: Int64, queuedForPatron: Int, doneThisSession: Int
    ) -> Verdict {
        guard enabled else { return .refused("the library system is not reachable and this station does not lend offline") }
        guard ilsAllowsOffline == true else { return .refused("the library system does not allow offline loans") }
        if usage.noOfflineIssue || usage.notLendable { return .refused("this item cannot be lent while the library system is offline") }
        guard let seen = patronLastGoodUnix, nowUnix - seen <= Int64(goodStandingDays) * 86_400 else {
            return .refused("offline loans need an account this station has checked recently: please see staff")
        }
        if queuedForPatron >= maxItemsPerPatron { return .refused("offline limit reached (\(maxItemsPerPatron) items): please see staff") }
        if doneThisSession >= maxItemsPerSession {
            return .refused("at most \(maxItemsPerSession) items per visit while the library system is offline")
        }
        return .allowed
    }

    public func checkin(usage: ItemUsage, ilsAllowsOffline: Bool?) -> Verdict {
        guard enabled else { return .refused("the library system is not reachable: please use the book drop") }
        guard ilsAllowsOffline == true else { return .refused("the library system does not allow offline returns") }
        if usage.noOfflineReturn { return .refused("this item cannot be returned while the library system is offline") }
        return .allowed
    }
}
