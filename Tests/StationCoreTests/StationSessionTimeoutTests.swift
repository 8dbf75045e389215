import StationCore
import Testing

@Suite struct StationSessionTimeoutTests {
    let settings = StationSession.Settings(idleTimeoutNanos: 60 * sec, receiptNanos: 15 * sec)

    func ready(_ s: inout StationSession, at now: UInt64) throws {
        _ = s.card("P20250001", now: now)
        _ = s.patronAnswer(try answer("P20250001"), now: now)
    }

    @Test func anIdlePatronSessionEndsAndNamesThePatron() throws {
        var s = StationSession(settings: settings)
        try ready(&s, at: 100 * sec)
        #expect(s.tick(now: 159 * sec) == (false, nil))
        #expect(s.tick(now: 160 * sec) == (true, "P20250001"))
        #expect(s.state == .idle && s.patron == nil)
        #expect(s.tick(now: 500 * sec) == (false, nil))
    }

    @Test func activityStartsTheIdleTimerAgain() throws {
        var s = StationSession(settings: settings)
        try ready(&s, at: 100 * sec)
        s.activity(now: 150 * sec)
        #expect(s.tick(now: 200 * sec) == (false, nil))
        #expect(s.tick(now: 210 * sec) == (true, "P20250001"))
    }

    @Test func anUnansweredPINPromptTimesOutWithoutAPatron() {
        var s = StationSession(settings: StationSession.Settings(requirePIN: true, idleTimeoutNanos: 60 * sec))
        _ = s.card("P20250001", now: 0)
        #expect(s.tick(now: 59 * sec) == (false, nil))
        #expect(s.tick(now: 60 * sec) == (true, nil))
        #expect(s.state == .idle)
        #expect(s.pin("4711", now: 61 * sec) == .refuse("no card to check a PIN for"))
    }

    @Test func theReceiptIsShownForTheReceiptTime() throws {
        var s = StationSession(settings: settings)
        try ready(&s, at: 0)
        #expect(s.start(.checkout, now: 1 * sec) == true)
        s.finished(Receipt(mode: .checkout, patronName: "Li Hua", outcomes: [], issuedAt: "2025-06-01 10:15", offline: false), now: 2 * sec)
        guard case .receipt = s.state else {
            Issue.record("not showing a receipt: \(s.state)")
            return
        }
        #expect(s.tick(now: 16 * sec) == (false, nil))
        #expect(s.tick(now: 17 * sec) == (true, "P20250001"))
        #expect(s.state == .idle)
    }

    @Test func aReturnReceiptEndsWithoutAPatron() {
        var s = StationSession(settings: settings)
        #expect(s.start(.checkin, now: 0) == true)
        s.finished(Receipt(mode: .checkin, patronName: nil, outcomes: [], issuedAt: "2025-06-01 10:15", offline: false), now: 1 * sec)
        #expect(s.tick(now: 16 * sec) == (true, nil))
    }

    @Test func workingNeverTimesOut() throws {
        var s = StationSession(settings: settings)
        try ready(&s, at: 0)
        #expect(s.start(.checkout, now: 1 * sec) == true)
        #expect(s.tick(now: 1 * sec + 3_600 * sec) == (false, nil))
        #expect(s.state == .working(.checkout))
        #expect(s.end() == nil)  // nor can it be ended mid-stack
        #expect(s.state == .working(.checkout))
    }

    @Test func aClockThatWentBackDoesNotEndTheSession() throws {
        var s = StationSession(settings: settings)
        try ready(&s, at: 100 * sec)
        #expect(s.tick(now: 10 * sec) == (false, nil))
        #expect(s.state != .idle)
    }
}
