import SIP2

/// When a station may lend without the ILS: only if configuration allows it, the ILS's last ACS
/// status said "off-line ok", the ILS has not been gone too long, and the patron is under the limit.
public struct OfflinePolicy: Sendable, Equatable {
    public var enabled: Bool
    public var maxItemsPerPatron: Int
    public var maxHoursOffline: Double
    /// Loan period told to the patron offline (the nb due date); due at 23:59:00 local time.
    public var loanDays: Int

    public init(enabled: Bool = false, maxItemsPerPatron: Int = 5, maxHoursOffline: Double = 24, loanDays: Int = 14) {
        self.enabled = enabled; self.maxItemsPerPatron = maxItemsPerPatron; self.maxHoursOffline = maxHoursOffline; self.loanDays = loanDays
    }

    public enum Decision: Sendable, Equatable {
        case allowed(nbDueDate: SIP2Date)
        case refused(Reason)
    }

    public enum Reason: String, Sendable, Equatable {
        case disabledByConfig = "offline lending is off in the configuration (sip2.offline.enabled)"
        case neverSawACSStatus = "the ILS has not been reached since this box started keeping status"
        case acsForbidsOffline = "the ILS's last status said off-line lending is not allowed"
        case offlineTooLong = "the ILS has been unreachable longer than sip2.offline.max_hours"
        case patronLimit = "this patron has reached the offline item limit (sip2.offline.max_items_per_patron)"
    }

    public func decide(
        lastStatus: StoredACSStatus?, offlineSinceUnix: Int64?, nowUnix: Int64, queuedForPatron: Int, utcOffsetSeconds: Int
    ) -> Decision {
        guard enabled else { return .refused(.disabledByConfig) }
        guard let s = lastStatus else { return .refused(.neverSawACSStatus) }
        guard s.offlineOK else { return .refused(.acsForbidsOffline) }
        let since = offlineSinceUnix ?? nowUnix
        guard Double(nowUnix - since) <= maxHoursOffline * 3600 else { return .refused(.offlineTooLong) }
        guard queuedForPatron < maxItemsPerPatron else { return .refused(.patronLimit) }
        return .allowed(nbDueDate: dueDate(nowUnix: nowUnix, utcOffsetSeconds: utcOffsetSeconds))
    }

    /// `loanDays` ahead, at 23:59:00 wall-clock time.
    public func dueDate(nowUnix: Int64, utcOffsetSeconds: Int) -> SIP2Date {
        var d = SIP2Date(unixSeconds: nowUnix + Int64(loanDays) * 86_400, utcOffsetSeconds: utcOffsetSeconds)
        d.hour = 23; d.minute = 59; d.second = 0
        return d
    }
}

/// The station's offline path: decide, then write the loan durably *before* the patron is told.
public struct OfflineDesk: Sendable {
    public let store: any OutboxStore
    public let policy: OfflinePolicy
    public init(store: any OutboxStore, policy: OfflinePolicy) { self.store = store; self.policy = policy }

    public enum Receipt: Sendable, Equatable {
        /// Queued and on disk: tell the patron "lent until `nbDueDate`".
        case accepted(id: Int64, nbDueDate: SIP2Date?)
        case refused(OfflinePolicy.Reason)
    }

    public func checkout(key: String, patron: String, item: String, nowUnix: Int64, utcOffsetSeconds: Int) throws(OutboxError) -> Receipt {
        let st = try store.status()
        let queued = try store.pendingCheckouts(patron: patron)
        switch policy.decide(
            lastStatus: st.lastACSStatus, offlineSinceUnix: st.offlineSinceUnix, nowUnix: nowUnix, queuedForPatron: queued,
            utcOffsetSeconds: utcOffsetSeconds)
        {
        case .refused(let r): return .refused(r)
        case .allowed(let due):
            let id = try store.enqueue(
                NewOutboxEntry(
                    key: key, kind: .checkout, patron: patron, item: item, transactionUnix: nowUnix,
                    transactionDate: SIP2Date(unixSeconds: nowUnix, utcOffsetSeconds: utcOffsetSeconds), nbDueDate: due))
            return .accepted(id: id, nbDueDate: due)
        }
    }

    /// Returns need no patron limit, but the ILS must still allow offline work.
    public func checkin(key: String, item: String, nowUnix: Int64, utcOffsetSeconds: Int) throws(OutboxError) -> Receipt {
        let st = try store.status()
        switch policy.decide(
            lastStatus: st.lastACSStatus, offlineSinceUnix: st.offlineSinceUnix, nowUnix: nowUnix, queuedForPatron: 0,
            utcOffsetSeconds: utcOffsetSeconds)
        {
        case .refused(let r) where r != .patronLimit: return .refused(r)
        default:
            let id = try store.enqueue(
                NewOutboxEntry(
                    key: key, kind: .checkin, patron: nil, item: item, transactionUnix: nowUnix,
                    transactionDate: SIP2Date(unixSeconds: nowUnix, utcOffsetSeconds: utcOffsetSeconds), nbDueDate: nil))
            return .accepted(id: id, nbDueDate: nil)
        }
    }
}
