import StationCore
import Testing

func entry(_ kind: LoanKind, _ phase: JournalPhase, offline: Bool = false, note: String? = nil) -> JournalEntry {
    JournalEntry(
        id: 42, session: "7", kind: kind, patron: kind == .checkin ? nil : "P20250001", item: "31110000001",
        tag: .hf(0xE004_0150_0000_0001),
        phase: phase, offline: offline, outboxKey: offline ? "station-1-42" : nil, note: note)
}

/// The cases one by one, as the crash-recovery section of the journal describes them.
@Suite struct ReconciliationTests {
    @Test func aPlannedEntryWasNeverSent() {
        for kind in LoanKind.allCases {
            #expect(
                Reconciliation.decide(entry(kind, .planned), tagOnPad: true, ilsSaysDone: nil, ilsReachable: true)
                    == .close(.abandoned, "stopped before the ILS was asked"))
            #expect(
                Reconciliation.decide(entry(kind, .planned), tagOnPad: false, ilsSaysDone: nil, ilsReachable: false)
                    == .close(.abandoned, "stopped before the ILS was asked"))
        }
    }

    @Test func aLostAnswerIsAskedForThenSettled() {
        let sent = entry(.checkout, .ilsSent)
        #expect(Reconciliation.decide(sent, tagOnPad: true, ilsSaysDone: nil, ilsReachable: false) == .wait)
        #expect(Reconciliation.decide(sent, tagOnPad: true, ilsSaysDone: true, ilsReachable: false) == .wait)
        #expect(Reconciliation.decide(sent, tagOnPad: true, ilsSaysDone: nil, ilsReachable: true) == .askILS)
        #expect(
            Reconciliation.decide(sent, tagOnPad: true, ilsSaysDone: false, ilsReachable: true)
                == .close(.abandoned, "the ILS never took the request; the tag was not touched"))
        #expect(Reconciliation.decide(sent, tagOnPad: true, ilsSaysDone: true, ilsReachable: true) == .finishTagWrite(.unsecured))
        #expect(
            Reconciliation.decide(sent, tagOnPad: false, ilsSaysDone: true, ilsReachable: true) == .cancelLoan(tagMayBeUnsecured: false))
    }

    @Test func anAcceptedCheckoutWithItsTagOnThePadIsFinished() {
        for phase in [JournalPhase.accepted, .tagWriting] {
            for reachable in [true, false] {
                #expect(
                    Reconciliation.decide(entry(.checkout, phase), tagOnPad: true, ilsSaysDone: nil, ilsReachable: reachable)
                        == .finishTagWrite(.unsecured))
            }
        }
    }

    @Test func anAcceptedCheckoutWhoseTagLeftIsCancelled() {
        #expect(
            Reconciliation.decide(entry(.checkout, .accepted), tagOnPad: false, ilsSaysDone: nil, ilsReachable: true)
                == .cancelLoan(tagMayBeUnsecured: false))
        #expect(
            Reconciliation.decide(entry(.checkout, .tagWriting), tagOnPad: false, ilsSaysDone: nil, ilsReachable: true)
                == .cancelLoan(tagMayBeUnsecured: true))
        // The cancel needs the ILS; an offline loan is withdrawn from the outbox without it.
        #expect(Reconciliation.decide(entry(.checkout, .accepted), tagOnPad: false, ilsSaysDone: nil, ilsReachable: false) == .wait)
        #expect(
            Reconciliation.decide(entry(.checkout, .accepted, offline: true), tagOnPad: false, ilsSaysDone: nil, ilsReachable: false)
                == .cancelLoan(tagMayBeUnsecured: false))
    }

    @Test func aCancelUnderWayIsCarriedOn() {
        for onPad in [true, false] {
            #expect(
                Reconciliation.decide(entry(.checkout, .cancelling), tagOnPad: onPad, ilsSaysDone: nil, ilsReachable: true)
                    == .cancelLoan(tagMayBeUnsecured: true))
            #expect(Reconciliation.decide(entry(.checkout, .cancelling), tagOnPad: onPad, ilsSaysDone: nil, ilsReachable: false) == .wait)
            #expect(
                Reconciliation.decide(entry(.checkout, .cancelling, offline: true), tagOnPad: onPad, ilsSaysDone: nil, ilsReachable: false)
                    == .cancelLoan(tagMayBeUnsecured: true))
        }
    }

    @Test func aReturnWhoseTagLeftNeedsStaff() {
        for phase in [JournalPhase.accepted, .tagWriting] {
            #expect(
                Reconciliation.decide(entry(.checkin, phase), tagOnPad: true, ilsSaysDone: nil, ilsReachable: false)
                    == .finishTagWrite(.secured))
            #expect(
                Reconciliation.decide(entry(.checkin, phase), tagOnPad: false, ilsSaysDone: nil, ilsReachable: true)
                    == .close(.unresolved, "returned at the ILS but the tag left the pad before it was secured"))
        }
        #expect(
            Reconciliation.decide(entry(.checkin, .ilsSent), tagOnPad: false, ilsSaysDone: true, ilsReachable: true)
                == .close(.unresolved, "returned at the ILS but the tag left the pad before it was secured"))
    }

    @Test func aRenewalWhoseTagLeftIsDone() {
        #expect(
            Reconciliation.decide(entry(.renewal, .tagWriting), tagOnPad: false, ilsSaysDone: nil, ilsReachable: false)
                == .close(.done, "renewed; the tag left the pad before its state was confirmed"))
        #expect(
            Reconciliation.decide(entry(.renewal, .accepted), tagOnPad: true, ilsSaysDone: nil, ilsReachable: false)
                == .finishTagWrite(.unsecured))
    }

    @Test func terminalEntriesKeepTheirPhaseAndNote() {
        for phase in JournalPhase.allCases where phase.isTerminal {
            #expect(
                Reconciliation.decide(entry(.checkout, phase, note: "why"), tagOnPad: true, ilsSaysDone: nil, ilsReachable: true)
                    == .close(phase, "why"))
            #expect(
                Reconciliation.decide(entry(.checkin, phase), tagOnPad: false, ilsSaysDone: true, ilsReachable: false) == .close(phase, ""))
        }
    }

    @Test func phasesAndKinds() {
        #expect(JournalPhase.allCases.filter(\.isTerminal) == [.done, .refused, .cancelled, .abandoned, .unresolved])
        #expect(JournalPhase.ilsSent.rawValue == "ils-sent" && JournalPhase.tagWriting.rawValue == "tag-writing")
        #expect(JournalPhase(rawValue: "tag-writing") == .tagWriting)
        #expect(LoanKind.checkout.tagAfterwards == .unsecured)
        #expect(LoanKind.renewal.tagAfterwards == .unsecured)
        #expect(LoanKind.checkin.tagAfterwards == .secured)
    }
}
