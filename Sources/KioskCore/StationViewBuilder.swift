import ISO28560
import StationCore

/// The items of the stack being worked, in pad order, each with its outcome once the desk has
/// one: what the screen's progress rows are made of.
public struct ProgressBoard: Sendable, Equatable {
    public private(set) var rows: [(item: String, title: String?, outcome: ItemOutcome?)] = []

    public init() {}

    public mutating func start(_ items: [PadItem]) { rows = items.map { ($0.pii, $0.title, nil) } }

    public mutating func done(_ o: ItemOutcome) {
        if let i = rows.firstIndex(where: { $0.item == o.item }) {
            rows[i].outcome = o
            if rows[i].title == nil { rows[i].title = o.title }
        } else {
            rows.append((o.item, o.title, o))
        }
    }

    public mutating func clear() { rows = [] }

    public static func == (a: ProgressBoard, b: ProgressBoard) -> Bool {
        a.rows.count == b.rows.count
            && zip(a.rows, b.rows).allSatisfy { $0.item == $1.item && $0.title == $1.title && $0.outcome == $1.outcome }
    }
}

/// Builds the screen's view from the desk's state: pure, so every screen is tested without a
/// browser. Every text from a tag or the ILS goes through `SafeText` here.
public enum StationViewBuilder {
    public struct Input: Sendable {
        public var state: StationSession.State
        public var pad: PadContents
        public var progress: ProgressBoard
        public var message: KioskMessage?
        public var language: KioskLanguage
        public var remainingNanos: UInt64?
        /// The countdown warns in its last this-many nanoseconds.
        public var warnNanos: UInt64 = 15_000_000_000
        public var printer = false
        public var speech = false
        public var simulated = false
        public var revision = 0

        public init(
            state: StationSession.State, pad: PadContents, progress: ProgressBoard = .init(), message: KioskMessage? = nil,
            language: KioskLanguage, remainingNanos: UInt64? = nil
        ) {
            self.state = state
            self.pad = pad
            self.progress = progress
            self.message = message
            self.language = language
            self.remainingNanos = remainingNanos
        }
    }

    public static func build(_ i: Input) -> StationView {
        var v = StationView(
            state: "idle", mode: nil, language: i.language, patron: nil, pad: pad(i.pad), progress: [], message: i.message,
            idle: nil, receipt: nil, printer: i.printer, speech: i.speech, simulated: i.simulated, revision: i.revision)
        switch i.state {
        case .idle: v.state = "idle"
        case .needPIN: v.state = "pin"
        case .identifying: v.state = "identifying"
        case .ready(let p):
            v.state = "patron"
            v.patron = patron(p)
        case .working(let mode):
            v.state = "working"
            v.mode = mode == .checkout ? "checkout" : "checkin"
        case .receipt(let r):
            v.state = "receipt"
            v.mode = r.mode == .checkout ? "checkout" : "checkin"
            v.receipt = receipt(r, i.language)
        }
        if case .working = i.state {
        } else if case .receipt = i.state {
        } else if case .ready = i.state {
        } else {
            // Progress rows belong to a stack being worked or just worked.
            v.progress = []
        }
        if v.state == "working" || v.state == "receipt" || v.state == "patron" {
            v.progress = i.progress.rows.map { progress($0.item, $0.title, $0.outcome, working: v.state == "working", i.language) }
        }
        if let left = i.remainingNanos {
            v.idle = StationView.Idle(secondsLeft: Double(left / 100_000_000) / 10, warning: left <= i.warnNanos)
        }
        return v
    }

    static func pad(_ c: PadContents) -> StationView.Pad {
        StationView.Pad(
            items: c.items.map { item in
                StationView.PadItemView(
                    item: SafeText.display(item.pii), title: item.title.map { SafeText.display($0) }, partsTotal: max(1, item.partsInItem),
                    partsPresent: item.presentParts.count, complete: item.isComplete, forLoan: !item.usage.notLendable)
            }, unreadable: c.unreadable.count, patronCard: !c.patronCards.isEmpty)
    }

    static func patron(_ p: PatronSummary) -> StationView.Patron {
        StationView.Patron(
            name: SafeText.display(p.name), holdsReady: p.holdsReady, charged: p.chargedCount, blocked: p.blocked,
            fines: p.fines.map { SafeText.display($0) }, messages: p.messages.prefix(20).map { SafeText.display($0) })
    }

    /// The API's name for an outcome, its due date and whether it was done offline.
    static func result(_ r: ItemOutcome.Result) -> (code: String, due: String?, offline: Bool) {
        switch r {
        case .checkedOut(let due): ("checked-out", due, false)
        case .renewed(let due): ("renewed", due, false)
        case .checkedOutOffline(let due): ("checked-out-offline", due, true)
        case .returned: ("returned", nil, false)
        case .returnedNotOnLoan: ("returned-not-on-loan", nil, false)
        case .returnedOffline: ("returned-offline", nil, true)
        case .refused: ("refused", nil, false)
        case .cancelled: ("cancelled", nil, false)
        case .needsStaff: ("needs-staff", nil, false)
        }
    }

    static func progress(
        _ item: String, _ title: String?, _ o: ItemOutcome?, working: Bool, _ lang: KioskLanguage
    )
        -> StationView.ItemProgress
    {
        var p = StationView.ItemProgress(
            item: SafeText.display(item), title: title.map { SafeText.display($0) }, status: working ? "working" : "waiting", result: nil,
            due: nil, offline: false, routing: nil, message: nil)
        guard let o else { return p }
        let r = result(o.result)
        p.result = r.code
        p.due = r.due.map { SafeText.display($0) }
        p.offline = r.offline
        switch o.result {
        case .refused(let why):
            p.status = "refused"
            p.message = KioskText.refusal(why, lang)
        case .cancelled(let why):
            p.status = "cancelled"
            p.message = KioskMessage(code: "cancelled", text: KioskText.sentence(why, lang))
        case .needsStaff(let why):
            p.status = "needs-staff"
            p.message = KioskMessage(code: "needs-staff", text: KioskText.sentence(why, lang))
        case .returned(let routing):
            p.status = "done"
            p.routing = routing.map {
                StationView.RoutingView(
                    kind: $0.kind.rawValue, destination: $0.destination.map { SafeText.display($0) },
                    sortBin: $0.sortBin.map { SafeText.display($0) }, text: KioskText.routing($0, lang))
            }
        default:
            p.status = "done"
            p.message = KioskMessage(code: r.code, text: KioskText.outcome(o.result, lang))
        }
        return p
    }

    public static func receipt(_ r: Receipt, _ lang: KioskLanguage) -> ReceiptView {
        ReceiptView(
            mode: r.mode == .checkout ? "checkout" : "checkin", language: lang, issuedAt: SafeText.display(r.issuedAt),
            patron: r.patronName.flatMap { $0.isEmpty ? nil : SafeText.display($0) }, offline: r.offline,
            items: r.outcomes.map { o in
                let x = result(o.result)
                return ReceiptView.Item(
                    item: SafeText.display(o.item), title: o.title.map { SafeText.display($0) }, result: x.code,
                    due: x.due.map { SafeText.display($0) }, offline: x.offline, text: KioskText.outcome(o.result, lang))
            }, done: r.outcomes.filter(\.succeeded).count, text: KioskText.receiptText(r, lang))
    }
}
