import CirculationModel
import ISO28560

/// Why the gate let an item pass or raised the alarm: logged with every alarm.
public enum GateReason: UInt8, BitwiseCopyable, Sendable, CaseIterable, CustomStringConvertible {
    /// The tag's AFI says checked out.
    case checkedOut
    /// The tag's AFI says secured (in library).
    case secured
    /// Neither the tag nor the cache knows whether the item is on loan.
    case unknownSecurity
    /// The tag's data could not be decoded (and its AFI does not decide).
    case undecodable
    /// The item is on the hot list (stolen, missing): alarms whatever else says.
    case hotList
    /// The circulation cache says on loan.
    case cacheOnLoan
    /// The circulation cache says in library (not on loan).
    case cacheInLibrary
    /// Owned by a consortium member, passed or alarmed by `consortium_items`.
    case consortiumItem
    /// Owned by another institution, passed or alarmed by `foreign_items`.
    case foreignItem
    /// The tag's type of usage is class 2 (reference copy, rare book), alarmed by
    /// `not_for_circulation_alarm` whatever the AFI says.
    case notForCirculation

    public var description: String {
        switch self {
        case .checkedOut: "checked out"
        case .secured: "secured (not checked out)"
        case .unknownSecurity: "security state unknown"
        case .undecodable: "tag data could not be decoded"
        case .hotList: "on the hot list"
        case .cacheOnLoan: "on loan in the cache"
        case .cacheInLibrary: "not on loan in the cache"
        case .consortiumItem: "consortium member's item"
        case .foreignItem: "another institution's item"
        case .notForCirculation: "not for circulation (type of usage 2x)"
        }
    }
}

public enum GateDecision: BitwiseCopyable, Sendable, Equatable {
    case pass(GateReason)
    case alarm(GateReason)

    public var isAlarm: Bool { if case .alarm = self { true } else { false } }
    public var reason: GateReason {
        switch self {
        case .pass(let r), .alarm(let r): r
        }
    }
}

/// How the tag's own security state and the cache's loan state combine when both are known.
public enum TagCacheRule: String, Sendable, CaseIterable {
    /// The tag decides; the cache decides only when the tag's AFI means nothing. A disagreement
    /// is reported, not alarmed. Default: the cache can lag (an item lent at the library
    /// system's desk is in the cache only after the next sync or import), and an alarm for a
    /// properly lent item is the false alarm that makes staff switch gates off.
    case tag
    /// The cache decides; the tag decides only for items the cache does not know.
    case cache
    /// Alarm when either says the item may not leave (strictest: catches tags rewritten to
    /// "checked out"; right where every loan goes through this box's stations).
    case either
    /// Alarm only when both say the item may not leave (fewest alarms).
    case both
}

/// What happens to items owned by another institution.
public enum OwnerRule: String, Sendable, CaseIterable {
    /// Judge them like the library's own items (tag, cache, hot list).
    case rule
    /// Let them pass (the hot list, and `not_for_circulation_alarm` when on, still alarm).
    case pass
    /// Always alarm.
    case alarm
}

public enum OwnerClass: UInt8, BitwiseCopyable, Sendable, CaseIterable {
    case own, consortium, foreign
}

/// Everything the gate knows about one item at one moment: the policy's whole input.
public struct GateFacts: BitwiseCopyable, Sendable, Equatable {
    /// From the tag's AFI per the profile; `.unknown` when no AFI was read or it means nothing.
    public var security: SecurityState
    /// The item id could be decoded (without it there is no cache entry and no owner).
    public var decoded: Bool
    public var cache: CacheEntry
    public var owner: OwnerClass
    /// The tag's type-of-usage class (`GateItem.usageClass`: 2 = not for circulation); nil when
    /// the tag carries none or the fast path did not see it.
    public var usageClass: UInt8?

    public init(
        security: SecurityState, decoded: Bool, cache: CacheEntry = .none, owner: OwnerClass = .own, usageClass: UInt8? = nil
    ) {
        self.security = security
        self.decoded = decoded
        self.cache = cache
        self.owner = owner
        self.usageClass = usageClass
    }
}

public struct GateJudgement: BitwiseCopyable, Sendable, Equatable {
    public var decision: GateDecision
    /// The tag and the cache disagree about whether the item is on loan (reported to staff,
    /// whatever the rule made of it).
    public var conflict: Bool
}

/// The gate's rule. Pure: facts in, decision out; no I/O, no clock, no allocation.
///
/// Order of precedence:
/// 1. Hot list: always alarms.
/// 2. Undecodable tag (no id, so no cache entry or owner): the AFI decides when it means
///    something, else `alarmOnUndecodable`.
/// 3. Not for circulation (type of usage class 2), when `notForCirculationAlarms`: alarms
///    whatever the AFI, the cache or the owner rules say.
/// 4. Owner: a consortium member's item follows `consortiumItems`, another institution's
///    `foreignItems` (`.rule` = judge like our own).
/// 5. Tag and cache: when only one knows, it decides; when both know and disagree, `rule`
///    decides (and the judgement is marked `conflict`); when neither knows,
///    `alarmOnUnknownSecurity`.
public struct GatePolicy: Sendable, Equatable {
    public var afiProfile: AFIProfile
    /// Alarm when neither the tag's AFI nor the cache says anything. Default true: an unknown
    /// AFI on a library item more often means an unprogrammed security state than a foreign
    /// item, and a missed theft costs more than a walk back to the desk.
    public var alarmOnUnknownSecurity = true
    /// Alarm when the tag's data cannot be decoded and the AFI does not decide. Default false:
    /// corrupt tags should be fixed at the desk rather than block the exit.
    public var alarmOnUndecodable = false
    public var rule: TagCacheRule = .tag
    /// This library's ISILs. Empty: every owner counts as our own (no owner rules).
    public var ownISILs: [ItemID] = []
    /// ISILs of consortium members whose items follow `consortiumItems`.
    public var consortiumISILs: [ItemID] = []
    public var consortiumItems: OwnerRule = .rule
    public var foreignItems: OwnerRule = .rule
    /// Alarm on items whose tag says not for circulation (type of usage class 2: reference
    /// copies, rare books) even when the AFI says checked out: someone unsecured one. Default
    /// false: sites that never wrote the element, or use class 2 otherwise, behave as before.
    public var notForCirculationAlarms = false

    public init(afiProfile: AFIProfile = .iso28560) { self.afiProfile = afiProfile }

    /// The AFI-only decision (no cache entry, own item): what the foundation's gate did.
    @inline(__always)
    public func decide(afi: UInt8, afiKnown: Bool, decoded: Bool) -> GateDecision {
        judge(GateFacts(security: afiKnown ? afiProfile.state(afi: afi) : .unknown, decoded: decoded)).decision
    }

    /// Who owns an item, from the owner ISIL on its tag (ISILs compare case-insensitively,
    /// ISO 15511). A tag without an owner element is taken to be the library's own.
    @inline(__always)
    public func ownerClass(_ owner: ItemID) -> OwnerClass {
        if owner.isEmpty { return .own }
        for isil in ownISILs where Self.sameISIL(isil, owner) { return .own }
        for isil in consortiumISILs where Self.sameISIL(isil, owner) { return .consortium }
        return ownISILs.isEmpty ? .own : .foreign
    }

    @inline(__always)
    static func sameISIL(_ a: ItemID, _ b: ItemID) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count {
            var x = a[i], y = b[i]
            if x >= 0x61 && x <= 0x7A { x -= 0x20 }
            if y >= 0x61 && y <= 0x7A { y -= 0x20 }
            if x != y { return false }
        }
        return true
    }

    @inline(__always)
    public func judge(_ f: GateFacts) -> GateJudgement {
        if f.cache.hot { return GateJudgement(decision: .alarm(.hotList), conflict: false) }
        if !f.decoded {
            let d: GateDecision
            switch f.security {
            case .secured: d = .alarm(.secured)
            case .checkedOut: d = .pass(.checkedOut)
            case .unknown: d = alarmOnUndecodable ? .alarm(.undecodable) : .pass(.undecodable)
            }
            return GateJudgement(decision: d, conflict: false)
        }
        if notForCirculationAlarms && f.usageClass == 2 {
            return GateJudgement(decision: .alarm(.notForCirculation), conflict: false)
        }
        switch f.owner {
        case .own: break
        case .consortium:
            if consortiumItems == .pass { return GateJudgement(decision: .pass(.consortiumItem), conflict: false) }
            if consortiumItems == .alarm { return GateJudgement(decision: .alarm(.consortiumItem), conflict: false) }
        case .foreign:
            if foreignItems == .pass { return GateJudgement(decision: .pass(.foreignItem), conflict: false) }
            if foreignItems == .alarm { return GateJudgement(decision: .alarm(.foreignItem), conflict: false) }
        }
        // May the item leave? nil = this source does not know.
        let tag: Bool? = f.security == .checkedOut ? true : f.security == .secured ? false : nil
        let cache: Bool? = f.cache.loan == .onLoan ? true : f.cache.loan == .inLibrary ? false : nil
        let byTag: GateDecision = tag == true ? .pass(.checkedOut) : .alarm(.secured)
        let byCache: GateDecision = cache == true ? .pass(.cacheOnLoan) : .alarm(.cacheInLibrary)
        switch (tag, cache) {
        case (nil, nil):
            return GateJudgement(decision: alarmOnUnknownSecurity ? .alarm(.unknownSecurity) : .pass(.unknownSecurity), conflict: false)
        case (.some, nil):
            return GateJudgement(decision: byTag, conflict: false)
        case (nil, .some):
            return GateJudgement(decision: byCache, conflict: false)
        case (.some(let t), .some(let c)) where t == c:
            return GateJudgement(decision: byTag, conflict: false)
        case (.some(let t), .some):
            // They disagree: the rule says who wins.
            let d: GateDecision
            switch rule {
            case .tag: d = byTag
            case .cache: d = byCache
            case .either: d = !t ? byTag : byCache
            case .both: d = t ? byTag : byCache
            }
            return GateJudgement(decision: d, conflict: true)
        }
    }
}
