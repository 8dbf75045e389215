import StationCore
import Testing

/// Every phase × tag on the pad or not × ILS reachable or not × what the ILS says, for each
/// kind online and offline: the journal's promise is that every item ends either checked out
/// at the ILS with its tag unsecured, or not checked out with its tag secured (a return: the
/// other way round), and where a tag left the pad the entry is cancelled or handed to staff,
/// never closed as if it agreed.
@Suite struct ReconciliationContractTests {
    static let open = JournalPhase.allCases.filter { !$0.isTerminal }
    static let answers: [Bool?] = [nil, true, false]

    /// Whether the ILS holds the new state for this entry, as far as the phase shows it.
    static func ilsHasIt(_ phase: JournalPhase, says: Bool?) -> Bool? {
        switch phase {
        case .planned: false
        case .ilsSent: says
        case .accepted, .tagWriting: true
        case .cancelling, .done, .refused, .cancelled, .abandoned, .unresolved: nil
        }
    }

    @Test(arguments: LoanKind.allCases, [false, true])
    func everyDecisionKeepsTheContract(kind: LoanKind, offline: Bool) {
        // Only a checkout is ever cancelled: the desk writes `cancelling` for nothing else.
        for phase in Self.open where phase != .cancelling || kind == .checkout {
            for onPad in [true, false] {
                for reachable in [true, false] {
                    for says in Self.answers {
                        let e = entry(kind, phase, offline: offline)
                        let d = Reconciliation.decide(e, tagOnPad: onPad, ilsSaysDone: says, ilsReachable: reachable)
                        let known = phase == .ilsSent && !reachable ? nil : Self.ilsHasIt(phase, says: says)
                        let at =
                            "\(kind) offline=\(offline) \(phase) onPad=\(onPad) reachable=\(reachable) says=\(String(describing: says)) → \(d)"
                        switch d {
                        case .finishTagWrite(let target):
                            // Only a tag that lies on the pad, only to the state the ILS now has.
                            #expect(onPad, "\(at)")
                            #expect(target == kind.tagAfterwards, "\(at)")
                            #expect(known == true, "\(at)")
                        case .cancelLoan(let mayBeUnsecured):
                            // Only a checkout is cancelled, and only one the ILS (or the outbox) may hold.
                            #expect(kind == .checkout, "\(at)")
                            #expect(!onPad || phase == .cancelling, "\(at)")
                            #expect(known != false, "\(at)")
                            #expect(offline || reachable, "\(at)")
                            #expect(mayBeUnsecured == (phase == .tagWriting || phase == .cancelling), "\(at)")
                        case .close(let closed, _):
                            #expect(closed.isTerminal, "\(at)")
                            switch closed {
                            case .abandoned:
                                // The ILS never had it and the tag was never written.
                                #expect(known == false, "\(at)")
                            case .unresolved:
                                #expect(kind == .checkin && !onPad && known == true, "\(at)")
                            case .done:
                                // A renewal only: the tag was unsecured before and after.
                                #expect(kind == .renewal && !onPad && known == true, "\(at)")
                            default:
                                Issue.record("an open entry closed as \(closed): \(at)")
                            }
                        case .askILS:
                            #expect(phase == .ilsSent && reachable && says == nil, "\(at)")
                        case .wait:
                            #expect(!reachable, "\(at)")
                            #expect(phase == .ilsSent || (kind == .checkout && !offline), "\(at)")
                        }
                        // A checkout the ILS holds is never closed while its tag is not unsecured.
                        if kind == .checkout, known == true || phase == .cancelling, case .close = d {
                            Issue.record("a loan the ILS holds was closed: \(at)")
                        }
                        // What the ILS says matters only for a request whose answer was lost.
                        if phase != .ilsSent {
                            #expect(d == Reconciliation.decide(e, tagOnPad: onPad, ilsSaysDone: nil, ilsReachable: reachable), "\(at)")
                        }
                    }
                }
            }
        }
    }

    /// A world to run the decisions in: whether the request took effect at the ILS, the tag's
    /// state, whether it lies on the pad. Decisions are carried out the way the desk does.
    struct World {
        var ilsHasIt: Bool
        var tag: TagTarget
        var onPad: Bool
        var reachable: Bool
    }

    enum End: Equatable {
        case settled
        case waiting
        case needsStaff
    }

    static func run(_ start: JournalEntry, in world: inout World) -> End {
        var e = start
        var says: Bool?
        for _ in 0..<5 {
            switch Reconciliation.decide(e, tagOnPad: world.onPad, ilsSaysDone: says, ilsReachable: world.reachable) {
            case .wait:
                return .waiting
            case .askILS:
                says = world.ilsHasIt
                if world.ilsHasIt { e.phase = .accepted }
            case .finishTagWrite(let target):
                world.tag = target
                return .settled
            case .cancelLoan:
                world.ilsHasIt = false
                if world.onPad { world.tag = .secured }
                return .settled
            case .close(let phase, _):
                return phase == .unresolved ? .needsStaff : .settled
            }
        }
        Issue.record("no decision after 5 rounds for \(start)")
        return .waiting
    }

    /// The states a crash can leave behind for each phase: (the ILS has it, the tag's state).
    static func leftBehind(_ kind: LoanKind, _ phase: JournalPhase) -> [(Bool, TagTarget)] {
        let before: TagTarget = kind == .checkin ? .unsecured : kind == .renewal ? .unsecured : .secured
        let after = kind.tagAfterwards
        switch phase {
        case .planned: return [(false, before)]
        case .ilsSent: return [(false, before), (true, before)]
        case .accepted: return [(true, before)]
        case .tagWriting: return [(true, before), (true, after)]
        case .cancelling: return [(true, before), (true, after), (false, before), (false, after)]
        default: return []
        }
    }

    @Test(arguments: LoanKind.allCases, [false, true])
    func everyCrashEndsInAgreementOrWithStaff(kind: LoanKind, offline: Bool) {
        for phase in Self.open where phase != .cancelling || kind == .checkout {
            for (ilsHasIt, tag) in Self.leftBehind(kind, phase) {
                for onPad in [true, false] {
                    for reachable in [true, false] {
                        var world = World(ilsHasIt: ilsHasIt, tag: tag, onPad: onPad, reachable: reachable)
                        let end = Self.run(entry(kind, phase, offline: offline), in: &world)
                        let at =
                            "\(kind) offline=\(offline) \(phase) ils=\(ilsHasIt) tag=\(tag) onPad=\(onPad) reachable=\(reachable) → \(end) \(world)"
                        switch end {
                        case .waiting:
                            #expect(!reachable, "\(at)")
                        case .needsStaff:
                            #expect(kind == .checkin && !onPad && world.ilsHasIt, "\(at)")
                        case .settled:
                            let lent: Bool =
                                switch kind {
                                case .checkout: world.ilsHasIt
                                case .checkin: !world.ilsHasIt
                                case .renewal: true
                                }
                            if onPad {
                                // The tag on the pad says what the ILS says.
                                #expect((world.tag == .unsecured) == lent, "\(at)")
                            } else if kind != .renewal {
                                // A tag that left: the request is not in force (a return in force
                                // without its tag secured went to staff above).
                                #expect(!world.ilsHasIt, "\(at)")
                            } else {
                                #expect(world.tag == .unsecured, "\(at)")
                            }
                        }
                    }
                }
            }
        }
    }
}
