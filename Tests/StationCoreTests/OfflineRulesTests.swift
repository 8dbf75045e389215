import StationCore
import Testing

@Suite struct OfflineRulesTests {
    let rules = OfflineRules(enabled: true, maxItemsPerPatron: 5, maxItemsPerSession: 3, goodStandingDays: 30, loanDays: 14)
    static let now: Int64 = 1_748_772_900  // 2025-06-01
    static let day: Int64 = 86_400
    var now: Int64 { Self.now }
    var day: Int64 { Self.day }
    let circulating = ItemUsage(typeOfUsage: 0x10)

    /// A loan while the ILS is away; by default a patron seen in good standing two days ago.
    func lend(
        _ rules: OfflineRules? = nil, usage: ItemUsage? = nil, ils: Bool? = true,
        lastGood: Int64? = OfflineRulesTests.now - 2 * OfflineRulesTests.day, queued: Int = 0, done: Int = 0
    ) -> OfflineRules.Verdict {
        (rules ?? self.rules).checkout(
            usage: usage ?? circulating, ilsAllowsOffline: ils, patronLastGoodUnix: lastGood, nowUnix: now, queuedForPatron: queued,
            doneThisSession: done)
    }

    @Test func aPatronInGoodStandingBorrowsOffline() {
        #expect(lend() == .allowed)
        #expect(lend(usage: ItemUsage(typeOfUsage: nil)) == .allowed)
        #expect(lend(usage: ItemUsage(typeOfUsage: 0x14)) == .allowed)  // may not come back offline, may go out
        #expect(lend(queued: 4, done: 2) == .allowed)
        #expect(lend(lastGood: now - 30 * day) == .allowed)
    }

    @Test func nothingIsLentOfflineWhenTheSiteDisabledIt() {
        let off = OfflineRules()
        #expect(!off.enabled)
        #expect(lend(off) == .refused("the library system is not reachable and this station does not lend offline"))
        #expect(
            off.checkin(usage: circulating, ilsAllowsOffline: true)
                == .refused("the library system is not reachable: please use the book drop"))
    }

    @Test func theILSMustHaveAllowedOfflineWork() {
        #expect(lend(ils: false) == .refused("the library system does not allow offline loans"))
        #expect(lend(ils: nil) == .refused("the library system does not allow offline loans"))
        #expect(rules.checkin(usage: circulating, ilsAllowsOffline: false) == .refused("the library system does not allow offline returns"))
        #expect(rules.checkin(usage: circulating, ilsAllowsOffline: nil) == .refused("the library system does not allow offline returns"))
    }

    @Test func aPatronNeverSeenInGoodStandingIsRefused() {
        #expect(lend(lastGood: nil) == .refused("offline loans need an account this station has checked recently: please see staff"))
    }

    @Test func aGoodStandingOlderThanTheLimitIsRefused() {
        #expect(
            lend(lastGood: now - 30 * day - 1)
                == .refused("offline loans need an account this station has checked recently: please see staff"))
    }

    @Test func thePerPatronLimitCountsLoansStillQueued() {
        #expect(lend(queued: 5) == .refused("offline limit reached (5 items): please see staff"))
        #expect(lend(queued: 9) == .refused("offline limit reached (5 items): please see staff"))
    }

    @Test func thePerSessionLimit() {
        #expect(lend(done: 3) == .refused("at most 3 items per visit while the library system is offline"))
        #expect(lend(done: 2) == .allowed)
    }

    @Test(arguments: [0x13, 0x15] as [UInt8])
    func itemsMarkedNotForOfflineIssueStayIn(usage: UInt8) {
        #expect(lend(usage: ItemUsage(typeOfUsage: usage)) == .refused("this item cannot be lent while the library system is offline"))
    }

    @Test(arguments: [0x20, 0x70, 0x81, 0x90] as [UInt8])
    func itemsNotLendableAreNotLentOfflineEither(usage: UInt8) {
        #expect(lend(usage: ItemUsage(typeOfUsage: usage)) == .refused("this item cannot be lent while the library system is offline"))
    }

    @Test(arguments: [0x14, 0x15] as [UInt8])
    func itemsMarkedNotForOfflineReturnAreNotTakenBack(usage: UInt8) {
        #expect(
            rules.checkin(usage: ItemUsage(typeOfUsage: usage), ilsAllowsOffline: true)
                == .refused("this item cannot be returned while the library system is offline"))
    }

    @Test(arguments: [nil, 0x10, 0x13, 0x20] as [UInt8?])
    func otherItemsAreTakenBackOffline(usage: UInt8?) {
        #expect(rules.checkin(usage: ItemUsage(typeOfUsage: usage), ilsAllowsOffline: true) == .allowed)
    }

    @Test func theDefaults() {
        let d = OfflineRules()
        #expect(!d.enabled && d.maxItemsPerPatron == 5 && d.maxItemsPerSession == 3 && d.goodStandingDays == 30 && d.loanDays == 14)
    }
}
