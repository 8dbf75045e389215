import CirculationModel
import Gate
import ISO28560
import Testing

/// The gate policy over every combination of tag security state × cache loan state × hot list
/// × owner × type of usage × decode failure, under every rule and owner setting.
@Suite("Gate policy decision table")
struct PolicyTableTests {
    static let securities: [SecurityState] = [.secured, .checkedOut, .unknown]
    static let loans: [CacheEntry.Loan] = [.unknown, .inLibrary, .onLoan]
    /// No type of usage, circulating, not for circulation.
    static let usageClasses: [UInt8?] = [nil, 1, 2]

    /// The rule in docs/technician.md, stated as the specification (independently of the implementation's
    /// structure): returns (alarms, conflict).
    static func expected(_ f: GateFacts, _ p: GatePolicy) -> (Bool, Bool) {
        if f.cache.hot { return (true, false) }
        if !f.decoded {
            switch f.security {
            case .secured: return (true, false)
            case .checkedOut: return (false, false)
            case .unknown: return (p.alarmOnUndecodable, false)
            }
        }
        if p.notForCirculationAlarms && f.usageClass == 2 { return (true, false) }
        if f.owner == .consortium && p.consortiumItems != .rule { return (p.consortiumItems == .alarm, false) }
        if f.owner == .foreign && p.foreignItems != .rule { return (p.foreignItems == .alarm, false) }
        var says: [Bool] = []  // true = may leave
        if f.security != .unknown { says.append(f.security == .checkedOut) }
        if f.cache.loan != .unknown { says.append(f.cache.loan == .onLoan) }
        if says.isEmpty { return (p.alarmOnUnknownSecurity, false) }
        if says.count == 1 || says[0] == says[1] { return (!says[0], false) }
        let tagSays = says[0], cacheSays = says[1]
        switch p.rule {
        case .tag: return (!tagSays, true)
        case .cache: return (!cacheSays, true)
        case .either: return (true, true)
        case .both: return (false, true)
        }
    }

    @Test func everyCombinationUnderEveryRule() {
        var cases = 0
        for rule in TagCacheRule.allCases {
            for consortium in OwnerRule.allCases {
                for foreign in OwnerRule.allCases {
                    for unknownAlarms in [false, true] {
                        for undecodableAlarms in [false, true] {
                            for usageAlarms in [false, true] {
                                var p = GatePolicy()
                                p.rule = rule
                                p.consortiumItems = consortium
                                p.foreignItems = foreign
                                p.alarmOnUnknownSecurity = unknownAlarms
                                p.alarmOnUndecodable = undecodableAlarms
                                p.notForCirculationAlarms = usageAlarms
                                for security in Self.securities {
                                    for decoded in [true, false] {
                                        for loan in Self.loans {
                                            for hot in [false, true] {
                                                for owner in OwnerClass.allCases {
                                                    for usage in Self.usageClasses where decoded || usage == nil {
                                                        let f = GateFacts(
                                                            security: security, decoded: decoded,
                                                            cache: CacheEntry(loan: decoded ? loan : .unknown, hot: decoded && hot),
                                                            owner: owner,
                                                            usageClass: usage)
                                                        let j = p.judge(f)
                                                        let (alarm, conflict) = Self.expected(f, p)
                                                        #expect(j.decision.isAlarm == alarm, "\(f) under \(rule)/\(consortium)/\(foreign)")
                                                        #expect(j.conflict == conflict, "\(f) under \(rule)")
                                                        cases += 1
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Usage classes only on decoded tags (an undecodable tag has none).
        #expect(cases == 4 * 3 * 3 * 2 * 2 * 2 * 3 * (3 + 1) * 3 * 2 * 3)
    }

    /// The default policy, spelt out row by row with the reason logged.
    @Test func defaultPolicyTable() {
        let p = GatePolicy()
        typealias Row = (SecurityState, CacheEntry.Loan, Bool, GateDecision, Bool)
        let rows: [Row] = [
            // tag          cache        hot    decision                     conflict
            (.secured, .unknown, false, .alarm(.secured), false),
            (.secured, .inLibrary, false, .alarm(.secured), false),
            (.secured, .onLoan, false, .alarm(.secured), true),  // tag wins; staff told
            (.checkedOut, .unknown, false, .pass(.checkedOut), false),
            (.checkedOut, .inLibrary, false, .pass(.checkedOut), true),  // tag wins; staff told
            (.checkedOut, .onLoan, false, .pass(.checkedOut), false),
            (.unknown, .unknown, false, .alarm(.unknownSecurity), false),
            (.unknown, .inLibrary, false, .alarm(.cacheInLibrary), false),
            (.unknown, .onLoan, false, .pass(.cacheOnLoan), false),
            (.checkedOut, .onLoan, true, .alarm(.hotList), false),
            (.checkedOut, .unknown, true, .alarm(.hotList), false),
            (.unknown, .unknown, true, .alarm(.hotList), false),
        ]
        for (security, loan, hot, decision, conflict) in rows {
            let j = p.judge(GateFacts(security: security, decoded: true, cache: CacheEntry(loan: loan, hot: hot)))
            #expect(j.decision == decision, "\(security) / \(loan) / hot \(hot)")
            #expect(j.conflict == conflict, "\(security) / \(loan) / hot \(hot)")
        }
        // Undecodable: the AFI decides, else the item passes (reported).
        #expect(p.judge(GateFacts(security: .secured, decoded: false)).decision == .alarm(.secured))
        #expect(p.judge(GateFacts(security: .checkedOut, decoded: false)).decision == .pass(.checkedOut))
        #expect(p.judge(GateFacts(security: .unknown, decoded: false)).decision == .pass(.undecodable))
    }

    @Test func stricterRulesOnADisagreement() {
        var p = GatePolicy()
        let rewritten = GateFacts(security: .checkedOut, decoded: true, cache: CacheEntry(loan: .inLibrary, hot: false))
        let notUnsecured = GateFacts(security: .secured, decoded: true, cache: CacheEntry(loan: .onLoan, hot: false))
        p.rule = .either
        #expect(p.judge(rewritten).decision == .alarm(.cacheInLibrary))
        #expect(p.judge(notUnsecured).decision == .alarm(.secured))
        p.rule = .both
        #expect(p.judge(rewritten).decision == .pass(.checkedOut))
        #expect(p.judge(notUnsecured).decision == .pass(.cacheOnLoan))
        p.rule = .cache
        #expect(p.judge(rewritten).decision == .alarm(.cacheInLibrary))
        #expect(p.judge(notUnsecured).decision == .pass(.cacheOnLoan))
    }

    @Test func ownersByISIL() {
        var p = GatePolicy()
        #expect(p.ownerClass("SE-ABC") == .own)  // no own ISILs configured: no owner rules
        p.ownISILs = ["DK-718500"]
        p.consortiumISILs = ["DK-715700", "DK-716700"]
        #expect(p.ownerClass("DK-718500") == .own)
        #expect(p.ownerClass("dk-718500") == .own)  // ISILs are case-insensitive
        #expect(p.ownerClass(ItemID()) == .own)  // no owner on the tag: ours
        #expect(p.ownerClass("DK-716700") == .consortium)
        #expect(p.ownerClass("SE-ABC") == .foreign)
        p.consortiumItems = .pass
        p.foreignItems = .alarm
        let secured = GateFacts(security: .secured, decoded: true, owner: .consortium)
        #expect(p.judge(secured).decision == .pass(.consortiumItem))
        #expect(p.judge(GateFacts(security: .checkedOut, decoded: true, owner: .foreign)).decision == .alarm(.foreignItem))
        // The hot list beats every owner rule.
        #expect(
            p.judge(GateFacts(security: .checkedOut, decoded: true, cache: CacheEntry(loan: .unknown, hot: true), owner: .consortium))
                .decision == .alarm(.hotList))
    }

    /// A reference copy (type of usage 2x) someone unsecured: with `not_for_circulation_alarm`
    /// it alarms whatever the AFI, the cache or the owner rules say; without, nothing changes.
    @Test func notForCirculationAlarmsWhateverTheAFISays() {
        let unsecured = GateFacts(security: AFIProfile.iso28560.state(afi: 0xC2), decoded: true, usageClass: 2)
        var p = GatePolicy()
        #expect(!p.notForCirculationAlarms)  // existing sites behave as before
        #expect(p.judge(unsecured).decision == .pass(.checkedOut))
        p.notForCirculationAlarms = true
        #expect(p.judge(unsecured).decision == .alarm(.notForCirculation))
        #expect(GateReason.notForCirculation.description == "not for circulation (type of usage 2x)")
        // The cache saying "on loan" does not let it out either.
        var lent = unsecured
        lent.cache = CacheEntry(loan: .onLoan, hot: false)
        #expect(p.judge(lent).decision == .alarm(.notForCirculation) && !p.judge(lent).conflict)
        // Nor does an owner rule that lets other institutions' items pass.
        p.ownISILs = ["DK-718500"]
        p.foreignItems = .pass
        var foreign = unsecured
        foreign.owner = .foreign
        #expect(p.judge(foreign).decision == .alarm(.notForCirculation))
        // The hot list keeps its own reason; circulating items and tags without a class are judged as before.
        var hot = unsecured
        hot.cache = CacheEntry(loan: .onLoan, hot: true)
        #expect(p.judge(hot).decision == .alarm(.hotList))
        for usage: UInt8? in [nil, 0, 1, 7, 8] {
            var f = unsecured
            f.usageClass = usage
            #expect(p.judge(f).decision == .pass(.checkedOut), "class \(String(describing: usage))")
        }
    }
}
