import SIP2
import Testing

@testable import SIP2Client

/// The exchange loop driven directly: no sockets, time is a number the test passes in.
struct ExchangeStateMachineTests {
    static let second: UInt64 = 1_000_000_000
    let encoder = SIP2Encoder(charset: .utf8, errorDetection: true)
    let login = LoginRequest(user: "u", password: "p", location: nil).message

    func frame(_ m: SIP2Message, sequence: Int) throws -> SIP2Framer.Frame {
        let bytes = try encoder.encode(m, sequence: sequence)
        return SIP2Framer.Frame(bytes: Array(bytes.dropLast()), truncated: false, discarded: 0)
    }
    func loginOK(_ seq: Int) throws -> SIP2Framer.Frame { try frame(SIP2Message(code: "94", fixed: "1"), sequence: seq) }
    func resend96() throws -> SIP2Framer.Frame { try frame(SIP2Message(code: "96"), sequence: 0) }
    /// A 94 whose AZ does not match its bytes.
    func corrupted(_ seq: Int) throws -> SIP2Framer.Frame {
        var f = try loginOK(seq)
        f.bytes[2] = UInt8(ascii: "0")
        return f
    }
    func machine() -> SIP2ExchangeStateMachine { SIP2ExchangeStateMachine(charset: .utf8, errorDetection: true) }
    func start(_ m: inout SIP2ExchangeStateMachine, now: UInt64 = 0, limit: Int = 2) -> SIP2ExchangeStateMachine.Action {
        m.start(login, expecting: "94", timeoutNanos: 10 * Self.second, resendLimit: limit, now: now)
    }

    @Test func sequenceNumbersRunZeroToNineAndWrap() throws {
        var m = machine()
        for i in 0..<12 {
            guard case .send(let bytes) = start(&m) else { Issue.record("no send"); return }
            #expect(String(decoding: bytes, as: UTF8.self).contains("AY\(i % 10)AZ"))
            guard case .answer(let a, nil) = m.received(try loginOK(i % 10), now: 1) else { Issue.record("no answer"); return }
            #expect(a.code == "94")
        }
        #expect(m.framesSent == 12)
    }

    @Test func answerWithAnotherSequenceIsALateAnswerAndDiscarded() throws {
        var m = machine()
        _ = start(&m)
        guard case .discard = m.received(try loginOK(7), now: 1) else { Issue.record("taken"); return }
        guard case .answer = m.received(try loginOK(0), now: 2) else { Issue.record("no answer"); return }
    }

    @Test func otherCommandCodesAreDiscardedWhileWaiting() throws {
        var m = machine()
        _ = start(&m)
        guard
            case .discard(let why) = m.received(
                try frame(SIP2Message(code: "36", fixed: "Y" + String(repeating: " ", count: 18)), sequence: 0), now: 1)
        else {
            Issue.record("taken"); return
        }
        #expect(why.contains("36 while waiting for 94"))
        #expect(!m.isIdle)
    }

    @Test func resend96SendsTheSameFrameUpToTheLimit() throws {
        var m = machine()
        guard case .send(let first) = start(&m, limit: 2) else { Issue.record("no send"); return }
        for n in 1...2 {
            guard case .resend(let again, let note) = m.received(try resend96(), now: UInt64(n)) else { Issue.record("no resend"); return }
            #expect(again == first)  // same AY
            #expect(note.contains("resend \(n)"))
        }
        #expect(m.received(try resend96(), now: 3) == .fail(.resendLimit(command: "93", resends: 2)))
        #expect(m.isIdle && m.framesSent == 3)
        #expect(SIP2ClientError.resendLimit(command: "93", resends: 2).outcomeUnknown)
    }

    @Test func badChecksumAsksWith97ThenAcceptsAnyAY() throws {
        var m = machine()
        _ = start(&m, limit: 1)
        guard case .resend(let bytes, _) = m.received(try corrupted(0), now: 1) else { Issue.record("no 97"); return }
        #expect(bytes.starts(with: Array("97AZ".utf8)))
        // Evergreen rebuilds the trailer on a resend: the AY may differ now.
        guard case .answer = m.received(try loginOK(5), now: 2) else { Issue.record("no answer"); return }
    }

    @Test func badChecksumLimit() throws {
        var m = machine()
        _ = start(&m, limit: 1)
        _ = m.received(try corrupted(0), now: 1)
        #expect(m.received(try corrupted(0), now: 2) == .fail(.badChecksum(command: "93")))
    }

    @Test func timeoutIsAnEventAndRunsFromTheLastSend() throws {
        var m = machine()
        _ = start(&m, now: 0)
        #expect(m.deadline == 10 * Self.second)
        _ = m.received(try resend96(), now: 4 * Self.second)
        #expect(m.deadline == 14 * Self.second)
        #expect(m.timerFired(now: 10 * Self.second) == .none)  // a stale timer
        #expect(m.timerFired(now: 14 * Self.second) == .fail(.timeout(command: "93", seconds: 10)))
        #expect(m.isIdle)
    }

    @Test func anAnswerAfterTheDeadlineIsLateEvenBeforeTheTimerFires() throws {
        var m = machine()
        _ = start(&m, now: 0)
        #expect(m.received(try loginOK(0), now: 10 * Self.second + 1) == .fail(.timeout(command: "93", seconds: 10)))
    }

    @Test func afterAFailureTheConnectionTakesNoMoreRequests() throws {
        var m = machine()
        _ = start(&m)
        _ = m.timerFired(now: 11 * Self.second)
        #expect(start(&m) == .fail(.connectionClosed(command: "93", sent: false)))
    }

    @Test func unsolicitedFramesAreCountedNotKept() throws {
        var m = machine()
        for _ in 0..<1000 {
            guard case .discard = m.received(try loginOK(0), now: 0) else { Issue.record("kept"); return }
        }
        #expect(m.discardedUnsolicited == 1000)
        // The next request is answered by its own answer, not by a queued one.
        _ = start(&m)
        #expect(!m.isIdle)
        guard case .answer = m.received(try loginOK(0), now: 1) else { Issue.record("no answer"); return }
    }

    @Test func closedConnectionAndWriteFailureOutcomes() throws {
        var m = machine()
        _ = start(&m)
        #expect(m.writeFailed() == .fail(.connectionClosed(command: "93", sent: false)))
        var n = machine()
        _ = start(&n)
        _ = n.received(try resend96(), now: 1)
        #expect(n.writeFailed() == .fail(.connectionClosed(command: "93", sent: true)))
        var c = machine()
        _ = start(&c)
        #expect(c.connectionClosed() == .fail(.connectionClosed(command: "93", sent: true)))
        var t = machine()
        _ = start(&t)
        #expect(t.connectionClosed(tlsError: "bad cert", endpoint: "h:1") == .fail(.tlsFailed(endpoint: "h:1", reason: "bad cert")))
        var idle = machine()
        #expect(idle.connectionClosed() == .none)
    }

    @Test func unreadableFramesAreDiscarded() {
        var m = machine()
        _ = start(&m)
        guard case .discard = m.received(SIP2Framer.Frame(bytes: Array("x".utf8), truncated: false, discarded: 0), now: 1) else {
            Issue.record("taken"); return
        }
    }

    @Test func truncatedAnswerCarriesANote() throws {
        var m = machine()
        _ = start(&m)
        var f = try loginOK(0)
        f.truncated = true; f.discarded = 12
        guard case .answer(_, let note?) = m.received(f, now: 1) else { Issue.record("no note"); return }
        #expect(note.contains("12 bytes"))
    }
}

struct KeepaliveScheduleTests {
    @Test func dueAfterTheIntervalOfIdleness() {
        let t0 = ContinuousClock.Instant.now
        var k = SIP2KeepaliveSchedule(interval: .seconds(240), start: t0)
        #expect(!k.isDue(at: t0 + .seconds(239)))
        #expect(k.isDue(at: t0 + .seconds(240)))
        #expect(k.wait(at: t0 + .seconds(40)) == .seconds(200))
        #expect(k.wait(at: t0 + .seconds(400)) == .milliseconds(100))
        k.noteActivity(at: t0 + .seconds(200))
        #expect(!k.isDue(at: t0 + .seconds(400)))
    }
}

struct UnknownOutcomeRuleTests {
    func info(_ status: String) throws -> ItemInformationResponse {
        let m = SIP2Message(code: "18", fixed: status + "0000" + "20240102    120000", fields: [.init("AB", "I1"), .init("AJ", "T")])
        guard case .itemInformation(let i) = try SIP2Response(m) else { throw SIP2DecodeError.unknownCommand("18") }
        return i
    }

    @Test func checkoutIsNotSentAgainWhenTheItemIsCharged() throws {
        #expect(SIP2UnknownOutcomeRule.afterLostCheckout(try info("04")) == .alreadyApplied)
        #expect(SIP2UnknownOutcomeRule.afterLostCheckout(try info("05")) == .alreadyApplied)
        #expect(SIP2UnknownOutcomeRule.afterLostCheckout(try info("03")) == .sendAgain)
    }

    @Test func checkinIsDoneWhenTheItemHasAKnownUnchargedStatus() throws {
        #expect(SIP2UnknownOutcomeRule.afterLostCheckin(try info("03")) == .alreadyApplied)
        #expect(SIP2UnknownOutcomeRule.afterLostCheckin(try info("04")) == .sendAgain)
        #expect(SIP2UnknownOutcomeRule.afterLostCheckin(try info("01")) == .sendAgain)  // "other": unknown
        #expect(SIP2UnknownOutcomeRule.afterLostCheckin(try info("  ")) == .sendAgain)
    }
}
