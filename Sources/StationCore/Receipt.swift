import ISO28560

/// What happened to one item, for the screen and the receipt.
public struct ItemOutcome: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        case checkedOut(due: String)
        case renewed(due: String)
        /// Lent while the ILS was away: queued in the outbox, sent when it is back.
        case checkedOutOffline(due: String)
        case returned(instruction: ReturnRouting?)
        /// Taken back, but the ILS says it was not on loan (shelved without being lent, or
        /// already returned): told apart, with the ILS's words.
        case returnedNotOnLoan(String)
        case returnedOffline
        case refused(ItemRefusal)
        /// Accepted by the ILS, then undone because the tag could not be set.
        case cancelled(String)
        /// Needs staff (the tag left the pad mid-write; the return is done at the ILS).
        case needsStaff(String)
    }

    public var item: String
    public var title: String?
    public var result: Result

    public init(item: String, title: String?, result: Result) {
        self.item = item
        self.title = title
        self.result = result
    }

    public var succeeded: Bool {
        switch result {
        case .checkedOut, .renewed, .checkedOutOffline, .returned, .returnedNotOnLoan, .returnedOffline: true
        default: false
        }
    }
}

/// Where a returned item goes next, from the ILS's checkin answer (alert type CV, destination
/// CT, sort bin CL): shown to the patron as an instruction.
public struct ReturnRouting: Sendable, Equatable {
    public enum Kind: String, Sendable { case holdShelf = "hold-shelf", otherBranch = "other-branch", sortBin = "sort-bin", staff }
    public var kind: Kind
    public var destination: String?
    public var sortBin: String?

    public init(kind: Kind, destination: String? = nil, sortBin: String? = nil) {
        self.kind = kind
        self.destination = destination
        self.sortBin = sortBin
    }

    /// From SIP2's alert flag and alert type (01 hold here, 02 hold elsewhere, 04 send to
    /// another library, 99 other); nil when the item simply goes back to the shelf.
    public init?(alert: Bool, alertType: String?, destination: String?, sortBin: String?) {
        let dest = destination.flatMap { $0.isEmpty ? nil : $0 }
        let bin = sortBin.flatMap { $0.isEmpty ? nil : $0 }
        switch alertType {
        case "01": kind = .holdShelf
        case "02", "04": kind = .otherBranch
        default:
            if !alert && bin == nil { return nil }
            kind = alert ? .staff : .sortBin
        }
        self.destination = dest
        self.sortBin = bin
    }
}

/// The end of a session: who, what, when; rendered in Chinese or English.
public struct Receipt: Sendable, Equatable {
    public var mode: StationMode
    public var patronName: String?
    public var outcomes: [ItemOutcome]
    /// "YYYY-MM-DD HH:MM" in the station's time zone.
    public var issuedAt: String
    public var offline: Bool

    public init(mode: StationMode, patronName: String?, outcomes: [ItemOutcome], issuedAt: String, offline: Bool) {
        self.mode = mode
        self.patronName = patronName
        self.outcomes = outcomes
        self.issuedAt = issuedAt
        self.offline = offline
    }

    public enum Language: String, Sendable, CaseIterable { case zh, en }

    /// Plain text for a receipt printer or a screen reader. Titles and ids come from tags and
    /// the ILS: shown through `SafeText`, so no control character reaches the printer.
    /// `translate` turns the core's English sentences (refusals, cancellations) into `lang`
    /// (the kiosk's catalogue); it gets raw text and its result is shown through `SafeText`.
    public func text(_ lang: Language, translate: (String) -> String = { $0 }) -> String {
        var lines: [String] = []
        let zh = lang == .zh
        lines.append(zh ? (mode == .checkout ? "借书凭条" : "还书凭条") : (mode == .checkout ? "Checkout receipt" : "Return receipt"))
        lines.append(issuedAt)
        if let patronName { lines.append((zh ? "读者：" : "Patron: ") + SafeText.display(patronName)) }
        for o in outcomes {
            let name = SafeText.display(o.title ?? o.item) + " [" + SafeText.display(o.item) + "]"
            lines.append(name)
            lines.append("  " + Self.describe(o.result, zh: zh, translate: translate))
        }
        let ok = outcomes.filter(\.succeeded).count
        lines.append(zh ? "成功 \(ok) 件，共 \(outcomes.count) 件" : "\(ok) of \(outcomes.count) items done")
        if offline {
            lines.append(
                zh ? "图书馆系统离线：借阅已记录，系统恢复后自动提交" : "Library system offline: your loans are recorded and will be sent when it is back")
        }
        return lines.joined(separator: "\n")
    }

    public static func describe(_ r: ItemOutcome.Result, zh: Bool, translate: (String) -> String = { $0 }) -> String {
        switch r {
        case .checkedOut(let due): return zh ? "已借出，应还日期 \(SafeText.display(due))" : "checked out, due \(SafeText.display(due))"
        case .renewed(let due): return zh ? "已续借，应还日期 \(SafeText.display(due))" : "renewed, due \(SafeText.display(due))"
        case .checkedOutOffline(let due):
            return zh ? "离线借出，应还日期 \(SafeText.display(due))" : "checked out offline, due \(SafeText.display(due))"
        case .returned(let routing):
            guard let routing else { return zh ? "已归还" : "returned" }
            let dest = routing.destination.map { " " + SafeText.display($0) } ?? ""
            let bin = routing.sortBin.map { (zh ? " 分拣箱 " : " sort bin ") + SafeText.display($0) } ?? ""
            switch routing.kind {
            case .holdShelf: return (zh ? "已归还：请放到预约架" : "returned: put it on the hold shelf") + dest + bin
            case .otherBranch: return (zh ? "已归还：请交给工作人员转送" : "returned: leave it for transfer to") + dest + bin
            case .sortBin: return (zh ? "已归还" : "returned") + bin
            case .staff: return (zh ? "已归还：请交给工作人员" : "returned: please hand it to staff") + dest + bin
            }
        case .returnedNotOnLoan(let message):
            let m = message.isEmpty ? "" : ": " + SafeText.display(message)
            return (zh ? "已收回（此书未在借）" : "taken back (it was not on loan)") + m
        case .returnedOffline: return zh ? "离线归还，系统恢复后提交" : "returned offline; sent when the library system is back"
        case .refused(let why): return (zh ? "未处理：" : "not done: ") + SafeText.display(translate(why.text))
        case .cancelled(let why): return (zh ? "已取消：" : "cancelled: ") + SafeText.display(translate(why))
        case .needsStaff(let why): return (zh ? "请联系工作人员：" : "please see staff: ") + SafeText.display(translate(why))
        }
    }
}
