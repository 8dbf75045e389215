import StationCore
import Testing

@Suite struct StationSessionPINLockTests {
    let card = "P20250001"

    /// Card, PIN, the ILS's verdict on it.
    func tryPIN(_ s: inout StationSession, _ pin: String, right: Bool, at now: UInt64) throws -> StationSession.Step {
        let first = s.card(card, now: now)
        guard first == .askPIN else { return first }
        #expect(s.pin(pin, now: now) == .lookUp(card: card, pin: pin))
        return s.patronAnswer(try answer(card, pin: right ? "Y" : "N"), now: now)
    }

    @Test func threeWrongPINsLockTheCard() throws {
        var s = StationSession(
            settings: .init(requirePIN: true), pins: PinAttempts(limit: 3, windowNanos: 5 * minute, lockNanos: 15 * minute))
        #expect(try tryPIN(&s, "0000", right: false, at: 10 * sec) == .refuse("wrong PIN: please try again"))
        #expect(s.state == .idle)
        #expect(try tryPIN(&s, "1111", right: false, at: 20 * sec) == .refuse("wrong PIN: please try again"))
        #expect(try tryPIN(&s, "2222", right: false, at: 30 * sec) == .refuse("too many wrong PINs: please see staff"))
        #expect(s.state == .idle)
        // The fourth presentation is refused before a PIN is asked.
        #expect(s.card(card, now: 30 * sec) == .refuse("too many wrong PINs: this card can try again in 15 min"))
        #expect(s.state == .idle)
        #expect(s.card(card, now: 30 * sec + 60 * sec) == .refuse("too many wrong PINs: this card can try again in 14 min"))
        #expect(s.card(card, now: 30 * sec + 15 * minute - 1) == .refuse("too many wrong PINs: this card can try again in 1 min"))
        // Another card is not affected.
        #expect(s.card("P20250002", now: 40 * sec) == .askPIN)
    }

    @Test func theLockEndsAfterTheLockTime() throws {
        var s = StationSession(
            settings: .init(requirePIN: true), pins: PinAttempts(limit: 3, windowNanos: 5 * minute, lockNanos: 15 * minute))
        for i in 1...3 { _ = try tryPIN(&s, "0000", right: false, at: UInt64(i) * sec) }
        #expect(s.card(card, now: 3 * sec + 15 * minute) == .askPIN)
        let p = try answer(card, pin: "Y")
        #expect(s.pin("4711", now: 3 * sec + 15 * minute) == .lookUp(card: card, pin: "4711"))
        #expect(s.patronAnswer(p, now: 3 * sec + 15 * minute) == .welcome(p))
    }

    @Test func aRightPINClearsTheCount() throws {
        var s = StationSession(settings: .init(requirePIN: true))
        _ = try tryPIN(&s, "0000", right: false, at: 1 * sec)
        _ = try tryPIN(&s, "1111", right: false, at: 2 * sec)
        #expect(try tryPIN(&s, "4711", right: true, at: 3 * sec) == .welcome(try answer(card, pin: "Y")))
        _ = s.end()
        #expect(try tryPIN(&s, "0000", right: false, at: 4 * sec) == .refuse("wrong PIN: please try again"))
        #expect(try tryPIN(&s, "1111", right: false, at: 5 * sec) == .refuse("wrong PIN: please try again"))
        #expect(s.card(card, now: 6 * sec) == .askPIN)
    }

    @Test func wrongPINsOutsideTheWindowDoNotAddUp() throws {
        var s = StationSession(
            settings: .init(requirePIN: true), pins: PinAttempts(limit: 3, windowNanos: 5 * minute, lockNanos: 15 * minute))
        _ = try tryPIN(&s, "0000", right: false, at: 0)
        _ = try tryPIN(&s, "1111", right: false, at: 1 * minute)
        // Three wrong in all, but the first two are older than the window.
        #expect(try tryPIN(&s, "2222", right: false, at: 6 * minute + 1) == .refuse("wrong PIN: please try again"))
        #expect(try tryPIN(&s, "3333", right: false, at: 6 * minute + 2) == .refuse("wrong PIN: please try again"))
        #expect(try tryPIN(&s, "4444", right: false, at: 6 * minute + 3) == .refuse("too many wrong PINs: please see staff"))
    }

    @Test func wrongPINsAskedForByTheILSCountToo() throws {
        var s = StationSession()
        for i in 1...3 {
            #expect(s.card(card, now: UInt64(i) * sec) == .lookUp(card: card, pin: nil))
            #expect(s.patronAnswer(try answer(card, pin: "N"), now: UInt64(i) * sec) == .askPIN)
            _ = s.pin("000\(i)", now: UInt64(i) * sec)
            let step = s.patronAnswer(try answer(card, pin: "N"), now: UInt64(i) * sec)
            #expect(step == .refuse(i < 3 ? "wrong PIN: please try again" : "too many wrong PINs: please see staff"))
        }
        #expect(s.card(card, now: 4 * sec) == .refuse("too many wrong PINs: this card can try again in 15 min"))
    }

    @Test func theCleanedCardIsWhatIsLocked() throws {
        var s = StationSession(settings: .init(requirePIN: true))
        for i in 1...3 { _ = try tryPIN(&s, "0000", right: false, at: UInt64(i) * sec) }
        #expect(s.card(" \(card)\r\n", now: 4 * sec) == .refuse("too many wrong PINs: this card can try again in 15 min"))
    }
}

@Suite struct PinAttemptsTests {
    @Test func locksAfterTheLimitAndReportsTheTimeLeft() {
        var p = PinAttempts(limit: 2, windowNanos: 10 * sec, lockNanos: 60 * sec)
        #expect(p.locked(card: "A", now: 0) == nil)
        #expect(p.wrong(card: "A", now: 1 * sec) == false)
        #expect(p.locked(card: "A", now: 1 * sec) == nil)
        #expect(p.wrong(card: "A", now: 2 * sec) == true)
        #expect(p.locked(card: "A", now: 2 * sec) == 60 * sec)
        #expect(p.locked(card: "A", now: 32 * sec) == 30 * sec)
        #expect(p.locked(card: "A", now: 62 * sec) == nil)
        #expect(p.locked(card: "B", now: 32 * sec) == nil)
    }

    @Test func aRightPINLiftsALock() {
        var p = PinAttempts(limit: 1, windowNanos: 10 * sec, lockNanos: 60 * sec)
        #expect(p.wrong(card: "A", now: 0) == true)
        p.right(card: "A")
        #expect(p.locked(card: "A", now: 1) == nil)
    }

    @Test func pruneKeepsWhatStillCounts() {
        var p = PinAttempts(limit: 2, windowNanos: 10 * sec, lockNanos: 60 * sec)
        p.wrong(card: "A", now: 0)
        p.wrong(card: "B", now: 0)
        p.wrong(card: "B", now: 1 * sec)  // locked until 61 s
        p.wrong(card: "C", now: 20 * sec)
        p.prune(now: 25 * sec)
        #expect(p.locked(card: "B", now: 25 * sec) == 36 * sec)
        // A's old failure was dropped: one more is not a lock.
        #expect(p.wrong(card: "A", now: 26 * sec) == false)
        // C's is kept: one more locks.
        #expect(p.wrong(card: "C", now: 26 * sec) == true)
        p.prune(now: 100 * sec)
        #expect(p.locked(card: "B", now: 100 * sec) == nil)
    }
}
