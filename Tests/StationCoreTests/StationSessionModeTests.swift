import StationCore
import Testing

@Suite struct StationSessionModeTests {
    let receipt = Receipt(mode: .checkout, patronName: "Li Hua", outcomes: [], issuedAt: "2025-06-01 10:15", offline: false)

    @Test func aCheckoutNeedsAPatron() throws {
        var s = StationSession()
        #expect(s.start(.checkout, now: 0) == false)
        #expect(s.state == .idle)
        _ = s.card("P20250001", now: 1 * sec)
        #expect(s.start(.checkout, now: 1 * sec) == false)  // still identifying
        #expect(s.start(.checkin, now: 1 * sec) == false)
        let p = try answer("P20250001")
        _ = s.patronAnswer(p, now: 2 * sec)
        #expect(s.start(.checkout, now: 3 * sec) == true)
        #expect(s.state == .working(.checkout) && s.patron == p)
        #expect(s.start(.checkin, now: 3 * sec) == false)  // already working
    }

    @Test func aReturnWorksFromIdle() {
        var s = StationSession()
        #expect(s.start(.checkin, now: 0) == true)
        #expect(s.state == .working(.checkin) && s.patron == nil && s.number == 1)
    }

    @Test func aReturnNeedsNoPINEvenWhereCheckoutsDo() {
        var s = StationSession(settings: .init(requirePIN: true))
        #expect(s.start(.checkin, now: 0) == true)
    }

    @Test func thePatronsNextStackFollowsTheReceipt() throws {
        var s = StationSession()
        _ = s.card("P20250001", now: 0)
        _ = s.patronAnswer(try answer("P20250001"), now: 0)
        #expect(s.start(.checkout, now: 1 * sec) == true)
        s.finished(receipt, now: 2 * sec)
        #expect(s.start(.checkin, now: 3 * sec) == true)
        #expect(s.state == .working(.checkin) && s.patron?.id == "P20250001" && s.number == 1)
        s.finished(receipt, now: 4 * sec)
        #expect(s.start(.checkout, now: 5 * sec) == true)
        #expect(s.number == 1)
    }

    @Test func afterAnAnonymousReturnOnlyAnotherReturnMayStart() {
        var s = StationSession()
        #expect(s.start(.checkin, now: 0) == true)
        s.finished(Receipt(mode: .checkin, patronName: nil, outcomes: [], issuedAt: "2025-06-01 10:15", offline: false), now: 1 * sec)
        #expect(s.start(.checkout, now: 2 * sec) == false)
        #expect(s.start(.checkin, now: 2 * sec) == true)
        #expect(s.number == 2)
    }

    @Test func endReturnsThePatronAndGoesIdle() throws {
        var s = StationSession()
        #expect(s.end() == nil)
        _ = s.card("P20250001", now: 0)
        _ = s.patronAnswer(try answer("P20250001"), now: 0)
        #expect(s.end() == "P20250001")
        #expect(s.state == .idle && s.patron == nil && !s.pinEntered)
        #expect(s.start(.checkout, now: 1 * sec) == false)
    }

    @Test func eachVisitHasItsOwnNumber() throws {
        var s = StationSession()
        _ = s.card("P20250001", now: 0)
        #expect(s.number == 1)
        _ = s.patronAnswer(try answer("P20250001"), now: 0)
        _ = s.end()
        _ = s.card("P20250002", now: 1 * sec)
        #expect(s.number == 2)
        _ = s.end()
        _ = s.start(.checkin, now: 2 * sec)
        #expect(s.number == 3)
    }
}
