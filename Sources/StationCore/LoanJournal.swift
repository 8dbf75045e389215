/// The station's journal of one item's work, step by step. Each step is written (and
/// fsynced) before it is acted on, so after a kill -9 the station knows how far it got and
/// `Reconciliation` can finish or undo it: every item ends either checked out at the ILS with
/// its tag unsecured, or not checked out with its tag secured.
public enum LoanKind: String, Sendable, CaseIterable {
    case checkout, renewal, checkin

    /// The security state the tag must have when this work is done.
    public var tagAfterwards: TagTarget { self == .checkin ? .secured : .unsecured }
}

/// What a tag's security is set to: AFI / EAS "in library" or "on loan".
public enum TagTarget: String, Sendable { case secured, unsecured }

public enum JournalPhase: String, Sendable, CaseIterable {
    /// Chosen for work; nothing sent yet.
    case planned
    /// The SIP2 request may be on the wire: its outcome is unknown until the ILS answers.
    case ilsSent = "ils-sent"
    /// The ILS accepted (or the outbox took it offline): the tag still has the old state.
    case accepted
    /// A write of the new security state may have reached the tag.
    case tagWriting = "tag-writing"
    /// The loan's cancel (checkout with the cancel flag, or the outbox entry withdrawn) is
    /// under way because the tag could not be written.
    case cancelling
    // Terminal phases.
    /// ILS and tag agree on the new state.
    case done
    /// The ILS refused; the tag was not touched.
    case refused
    /// The loan was undone; the tag keeps (or got back) "secured".
    case cancelled
    /// Nothing was done (stopped before the ILS heard of it).
    case abandoned
    /// The ILS has the new state but the tag could not be set (it left the pad): staff are
    /// told, and the tag is put right the next time it lies on a pad.
    case unresolved

    public var isTerminal: Bool {
        switch self {
        case .done, .refused, .cancelled, .abandoned, .unresolved: true
        default: false
        }
    }
}

/// One row of the journal as the core sees it.
public struct JournalEntry: Sendable, Equatable {
    public var id: Int64
    public var session: String
    public var kind: LoanKind
    public var patron: String?
    public var item: String
    public var tag: PadTagID?
    public var phase: JournalPhase
    /// Accepted offline through the outbox (`outboxKey` names its row).
    public var offline: Bool
    public var outboxKey: String?
    public var note: String?

    public init(
        id: Int64, session: String, kind: LoanKind, patron: String?, item: String, tag: PadTagID?, phase: JournalPhase,
        offline: Bool = false, outboxKey: String? = nil, note: String? = nil
    ) {
        self.id = id
        self.session = session
        self.kind = kind
        self.patron = patron
        self.item = item
        self.tag = tag
        self.phase = phase
        self.offline = offline
        self.outboxKey = outboxKey
        self.note = note
    }
}

/// What to do with an unfinished journal entry after a restart. Pure: the caller says
/// whether the tag lies on the pad and, for a request whose answer was lost, what the ILS
/// says now.
public enum Reconciliation: Sendable, Equatable {
    /// Ask the ILS (item information) whether the request took effect, then decide again.
    case askILS
    /// Write the tag's new state (and verify it), then mark the entry done.
    case finishTagWrite(TagTarget)
    /// Undo the loan: checkout with the cancel flag (online) or withdraw the outbox entry.
    case cancelLoan(tagMayBeUnsecured: Bool)
    /// Close the entry with this terminal phase and why.
    case close(JournalPhase, String)
    /// Try again later (the ILS does not answer).
    case wait

    /// - Parameters:
    ///   - tagOnPad: the entry's tag lies on the pad now (after the pad settled).
    ///   - ilsSaysDone: for `ilsSent`: whether the ILS shows the request as done (checkout:
    ///     charged to this patron; checkin: not charged); nil when not asked or no answer.
    public static func decide(_ e: JournalEntry, tagOnPad: Bool, ilsSaysDone: Bool?, ilsReachable: Bool) -> Reconciliation {
        switch e.phase {
        case .planned:
            return .close(.abandoned, "stopped before the ILS was asked")
        case .ilsSent:
            guard ilsReachable else { return .wait }
            guard let ilsSaysDone else { return .askILS }
            if !ilsSaysDone { return .close(.abandoned, "the ILS never took the request; the tag was not touched") }
            // It did take effect: carry on as if the answer had arrived.
            var accepted = e
            accepted.phase = .accepted
            return decide(accepted, tagOnPad: tagOnPad, ilsSaysDone: nil, ilsReachable: ilsReachable)
        case .accepted, .tagWriting:
            if tagOnPad { return .finishTagWrite(e.kind.tagAfterwards) }
            if e.kind == .checkin {
                return .close(.unresolved, "returned at the ILS but the tag left the pad before it was secured")
            }
            if e.kind == .renewal {
                // A renewal leaves the loan as it was: the tag is unsecured already or will be
                // put right next time; nothing to undo.
                return .close(.done, "renewed; the tag left the pad before its state was confirmed")
            }
            if !e.offline && !ilsReachable { return .wait }
            return .cancelLoan(tagMayBeUnsecured: e.phase == .tagWriting)
        case .cancelling:
            if !e.offline && !ilsReachable { return .wait }
            return .cancelLoan(tagMayBeUnsecured: true)
        case .done, .refused, .cancelled, .abandoned, .unresolved:
            return .close(e.phase, e.note ?? "")
        }
    }
}
