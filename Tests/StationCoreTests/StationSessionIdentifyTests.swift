import SIP2
import StationCore
import Testing

/// The ILS's answer to a 63 for this card, as the desk turns it into a summary.
func answer(
    _ card: String, name: String = "Li Hua", valid: String? = "Y", pin: String? = nil, status: String = SIP2Fixtures.blankStatus
) throws -> PatronSummary {
    var fields = [("AO", "BJLIB"), ("AA", card), ("AE", name)]
    if let valid { fields.append(("BL", valid)) }
    if let pin { fields.append(("CQ", pin)) }
    return PatronSummary(try SIP2Fixtures.patronInformation(status: status, fields), patron: card)
}

@Suite struct StationSessionIdentifyTests {
    @Test func aCardIsLookedUp() throws {
        var s = StationSession()
        #expect(s.state == .idle && s.number == 0)
        #expect(s.card("P20250001", now: sec) == .lookUp(card: "P20250001", pin: nil))
        #expect(s.state == .identifying(card: "P20250001") && s.number == 1 && s.patron == nil)
        let p = try answer("P20250001")
        #expect(s.patronAnswer(p, now: 2 * sec) == .welcome(p))
        #expect(s.state == .ready(p) && s.patron == p && !s.pinEntered)
    }

    @Test func aSiteRequiringPINsAsksForOneFirst() throws {
        var s = StationSession(settings: .init(requirePIN: true))
        #expect(s.card("P20250001", now: sec) == .askPIN)
        #expect(s.state == .needPIN(card: "P20250001"))
        #expect(s.pin("4711", now: 2 * sec) == .lookUp(card: "P20250001", pin: "4711"))
        #expect(s.state == .identifying(card: "P20250001") && s.pinEntered)
        let p = try answer("P20250001", pin: "Y")
        #expect(s.patronAnswer(p, now: 3 * sec) == .welcome(p))
        #expect(s.state == .ready(p))
    }

    @Test func theILSAskingForAPINNotSentAsksThePatron() throws {
        var s = StationSession()
        #expect(s.card("P20250001", now: sec) == .lookUp(card: "P20250001", pin: nil))
        #expect(s.patronAnswer(try answer("P20250001", pin: "N"), now: 2 * sec) == .askPIN)
        #expect(s.state == .needPIN(card: "P20250001") && !s.pinEntered)
        #expect(s.pin("4711", now: 3 * sec) == .lookUp(card: "P20250001", pin: "4711"))
        let p = try answer("P20250001", pin: "Y")
        #expect(s.patronAnswer(p, now: 4 * sec) == .welcome(p))
        #expect(s.number == 1)  // one visit throughout
    }

    @Test func anInvalidPatronIsRefused() throws {
        var s = StationSession()
        _ = s.card("P99999999", now: sec)
        #expect(
            s.patronAnswer(try answer("P99999999", name: "", valid: "N"), now: 2 * sec)
                == .refuse("this card is not known to the library: please see staff"))
        #expect(s.state == .idle && s.patron == nil)
        // BL absent and no name: not found either.
        _ = s.card("P99999999", now: 3 * sec)
        #expect(
            s.patronAnswer(try answer("P99999999", name: "", valid: nil), now: 4 * sec)
                == .refuse("this card is not known to the library: please see staff"))
    }

    @Test func aBlockedPatronIsWelcomedAndTheItemsAreRefusedLater() throws {
        var s = StationSession()
        _ = s.card("P20250002", now: sec)
        let p = try answer("P20250002", status: SIP2Fixtures.status(.excessiveFines))
        #expect(p.blocked)
        #expect(s.patronAnswer(p, now: 2 * sec) == .welcome(p))
    }

    @Test func controlCharactersAndPipesAreCleanedFromTheCard() {
        var s = StationSession()
        #expect(s.card(" P2025\u{1B}[2J0001|AC\r\n\u{7F}\t", now: sec) == .lookUp(card: "P2025[2J0001AC", pin: nil))
        #expect(s.state == .identifying(card: "P2025[2J0001AC"))
        // A card that is nothing but noise is not sent at all.
        var t = StationSession()
        #expect(t.card(" \r\n|\u{07}", now: sec) == .refuse("that card number cannot be read"))
        #expect(t.state == .idle && t.number == 0)
        // At most 64 characters go to the ILS.
        var u = StationSession()
        #expect(u.card(String(repeating: "7", count: 100), now: sec) == .lookUp(card: String(repeating: "7", count: 64), pin: nil))
    }

    @Test func theSameCardAgainWhileReadyIsIgnored() throws {
        var s = StationSession()
        _ = s.card("P20250001", now: sec)
        let p = try answer("P20250001")
        _ = s.patronAnswer(p, now: sec)
        #expect(s.card("P20250001\r", now: 2 * sec) == .none)
        #expect(s.state == .ready(p) && s.number == 1)
        // Another card starts another visit.
        #expect(s.card("P20250002", now: 3 * sec) == .lookUp(card: "P20250002", pin: nil))
        #expect(s.number == 2 && s.patron == nil)
    }

    @Test func aCardWhileTheStackIsWorkedIsRefused() throws {
        var s = StationSession()
        _ = s.card("P20250001", now: sec)
        _ = s.patronAnswer(try answer("P20250001"), now: sec)
        #expect(s.start(.checkout, now: 2 * sec) == true)
        #expect(s.card("P20250002", now: 3 * sec) == .refuse("please wait: the station is busy with the items on the pad"))
        #expect(s.state == .working(.checkout))
    }

    @Test func aPINWithoutACardIsRefused() {
        var s = StationSession(settings: .init(requirePIN: true))
        #expect(s.pin("4711", now: sec) == .refuse("no card to check a PIN for"))
        _ = s.card("P20250001", now: sec)
        _ = s.pin("4711", now: sec)
        #expect(s.pin("4711", now: sec) == .refuse("no card to check a PIN for"))  // already identifying
    }

    @Test func answersNobodyWaitsForAreIgnored() throws {
        var s = StationSession()
        #expect(s.patronAnswer(try answer("P20250001"), now: sec) == .none)
        #expect(s.patronUnreachable(card: "P20250001", lastKnown: patron("P20250001"), now: sec) == .none)
        #expect(s.state == .idle && s.patron == nil)
    }

    @Test func anUnreachableILSWelcomesAPatronSeenRecently() {
        var s = StationSession()
        _ = s.card("P20250001", now: sec)
        let known = PatronSummary(id: "P20250001", name: "", messages: ["offline"])
        #expect(s.patronUnreachable(card: "P20250001", lastKnown: known, now: 2 * sec) == .welcome(known))
        #expect(s.state == .ready(known) && s.patron == known)
        #expect(s.start(.checkout, now: 3 * sec) == true)
    }

    @Test func anUnreachableILSRefusesAPatronNotSeenRecently() {
        var s = StationSession()
        _ = s.card("P20250001", now: sec)
        #expect(
            s.patronUnreachable(card: "P20250001", lastKnown: nil, now: 2 * sec)
                == .refuse("the library system is not reachable and this card was not seen recently: please see staff"))
        #expect(s.state == .idle && s.patron == nil)
        #expect(s.start(.checkout, now: 3 * sec) == false)
    }
}
