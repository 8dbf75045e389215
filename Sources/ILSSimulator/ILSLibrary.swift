import SIP2

/// The simulated library's state and its answer to each request: the whole ILS with no sockets
/// and no clock of its own (the caller passes `now`). Lives behind the server's mutex.
struct ILSLibrary: Sendable {
    struct Undo: Sendable {
        var patron: String
        var status: SimulatedItem.Status
        var due: SIP2Date?
        var holdFor: String?
    }

    struct Record: Sendable {
        var item: SimulatedItem
        var state: SimulatedItemState
        /// What the last accepted checkout changed, so a cancel can put it back.
        var undo: Undo?
    }

    /// A response and what to record about it.
    struct Reply: Sendable {
        var message: SIP2Message
        var event: Event
    }

    /// The event's request-side facts; the server adds connection and times.
    struct Event: Sendable {
        var operation: SimulatedEvent.Operation
        var item: String?
        var patron: String?
        var ok: Bool
        var cancel = false
        var noBlock = false
        var renewal = false
        var transactionDate: SIP2Date?
        var dueDate: SIP2Date?
        var screenMessage: String?
    }

    let configuration: SimulatedILS.Configuration
    private(set) var patrons: [String: SimulatedPatron] = [:]
    private(set) var items: [String: Record] = [:]
    /// Catalog order, so lists (AU) come out the same every time.
    private let itemOrder: [String]

    init(catalog: SimulatedCatalog, configuration: SimulatedILS.Configuration, startUnix: Int64) {
        self.configuration = configuration
        for p in catalog.patrons { patrons[p.id] = p }
        var order: [String] = []
        let start = ILSLibrary.date(startUnix, utc: configuration.utcDates)
        for i in catalog.items where items[i.id] == nil {
            order.append(i.id)
            var s = SimulatedItemState(status: i.status, holdFor: i.holdFor)
            if case .charged = i.status { s.due = ILSLibrary.endOfDay(start, plusDays: i.dueInDays ?? configuration.loanDays) }
            items[i.id] = Record(item: i, state: s)
        }
        itemOrder = order
    }

    var snapshot: [String: SimulatedItemState] { items.mapValues(\.state) }

    // MARK: dates

    static func date(_ unix: Int64, utc: Bool) -> SIP2Date {
        utc ? SIP2Date(unixSeconds: unix, zone: "   Z") : SIP2Date(unixSeconds: unix, utcOffsetSeconds: WallClock.localOffset(at: unix))
    }

    /// 23:59:59 on the day `days` after `d` (wall-clock arithmetic: no time zone involved).
    static func endOfDay(_ d: SIP2Date, plusDays days: Int) -> SIP2Date {
        let t = SIP2Date(unixSeconds: d.secondsAsUTC + Int64(days) * 86_400, zone: d.zone)
        return SIP2Date(year: t.year, month: t.month, day: t.day, hour: 23, minute: 59, second: 59, zone: d.zone)
    }

    // MARK: dispatch

    /// The answer to a decoded request, or nil for a command this ILS does not implement.
    mutating func respond(to m: SIP2Message, nowUnix: Int64) -> Reply? {
        let now = ILSLibrary.date(nowUnix, utc: configuration.utcDates)
        switch m.code {
        case "93": return login(m)
        case "99": return status(now)
        case "23": return patronStatus(m, now)
        case "63": return patronInformation(m, now)
        case "17": return itemInformation(m, now)
        case "19": return itemStatusUpdate(m, now)
        case "11": return checkout(m, now)
        case "09": return checkin(m, now)
        case "29": return renew(m, now)
        case "35": return endSession(m, now)
        default: return nil
        }
    }

    // MARK: session

    private func login(_ m: SIP2Message) -> Reply {
        let ok = m["CN"] == configuration.login && m["CO"] == configuration.password
        return Reply(message: SIP2Message(code: "94", fixed: ok ? "1" : "0"), event: Event(operation: .login, ok: ok))
    }

    private func status(_ now: SIP2Date) -> Reply {
        let tenths = min(999, max(1, Int(configuration.advertisedTimeout / .milliseconds(100))))
        let fixed =
            "YYYYY" + yn(configuration.offlineAllowed) + digits(tenths, 3) + digits(min(999, max(0, configuration.retriesAllowed)), 3)
            + now.description + "2.00"
        // BX: patron status, checkout, checkin, (no block patron), SC status, resend, login, patron
        // information, end session, (no fee paid), item information, item status update, (no patron
        // enable, no hold), renew, (no renew all).
        let fields: [SIP2Message.Field] = [
            .init("AO", configuration.institution), .init("AM", configuration.libraryName),
            .init("BX", "YYYNYYYYYNYYNNYN"), .init("AN", configuration.currentBranch),
        ]
        return Reply(message: SIP2Message(code: "98", fixed: fixed, fields: fields), event: Event(operation: .scStatus, ok: true))
    }

    private func endSession(_ m: SIP2Message, _ now: SIP2Date) -> Reply {
        let patron = m["AA"] ?? ""
        let fields: [SIP2Message.Field] = [
            .init("AO", configuration.institution), .init("AA", patron), .init("AF", "Thank you for using self-checkout"),
        ]
        return Reply(
            message: SIP2Message(code: "36", fixed: "Y" + now.description, fields: fields),
            event: Event(operation: .endSession, patron: patron, ok: true))
    }

    // MARK: patrons

    /// 14 patron status flags: a blocked patron has charge, renewal, recall and hold privileges
    /// denied, plus excessive fines when he owes any.
    private func statusFlags(_ p: SimulatedPatron?) -> String {
        guard let p else { return "YYYY          " }
        var f = Array(repeating: " ", count: 14)
        if p.blocked {
            for i in 0..<4 { f[i] = "Y" }
            if p.fines != nil { f[10] = "Y" }
        }
        return f.joined()
    }

    /// CQ: only when a PIN was sent; a patron without PIN accepts any.
    private func pinField(_ p: SimulatedPatron?, _ m: SIP2Message) -> [SIP2Message.Field] {
        guard let ad = m["AD"], !ad.isEmpty else { return [] }
        return [.init("CQ", yn(p.map { $0.pin == nil || $0.pin == ad } ?? false))]
    }

    private func patronFields(_ p: SimulatedPatron?, _ id: String, _ m: SIP2Message) -> [SIP2Message.Field] {
        var f: [SIP2Message.Field] = [
            .init("AO", configuration.institution), .init("AA", id), .init("AE", p?.name ?? ""), .init("BL", yn(p != nil)),
        ]
        f += pinField(p, m)
        if let fines = p?.fines { f += [.init("BV", fines), .init("BH", configuration.currency)] }
        return f
    }

    private func patronScreenMessages(_ p: SimulatedPatron?) -> [SIP2Message.Field] {
        guard let p else { return [.init("AF", ILSMessages.unknownPatron)] }
        var f: [SIP2Message.Field] = []
        if p.blocked { f.append(.init("AF", ILSMessages.patronBlocked)) }
        if let fines = p.fines { f.append(.init("AF", "You owe \(fines) \(configuration.currency) in fines")) }
        if !p.holdsReady.isEmpty { f.append(.init("AF", "\(p.holdsReady.count) hold(s) ready for pickup")) }
        return f
    }

    private func patronStatus(_ m: SIP2Message, _ now: SIP2Date) -> Reply {
        let id = m["AA"] ?? ""
        let p = patrons[id]
        let fixed = statusFlags(p) + (p?.language ?? "000") + now.description
        let fields = patronFields(p, id, m) + patronScreenMessages(p)
        return Reply(
            message: SIP2Message(code: "24", fixed: fixed, fields: fields),
            event: Event(operation: .patronStatus, patron: id, ok: p != nil, screenMessage: fields.first { $0.id == "AF" }?.value))
    }

    private func charged(to patron: String) -> [String] {
        itemOrder.filter { items[$0]?.state.patron == patron }
    }

    /// 64: counts always; lists as asked by the summary field (holds AS, overdue AT, charged AU, fines
    /// AV), and holds plus charged items when no list is asked for. BP/BQ (1-based) cut the list.
    private func patronInformation(_ m: SIP2Message, _ now: SIP2Date) -> Reply {
        let id = m["AA"] ?? ""
        let p = patrons[id]
        let holds = p?.holdsReady ?? []
        let chargedItems = p == nil ? [] : charged(to: id)
        let overdue = chargedItems.filter { (items[$0]?.state.due?.secondsAsUTC ?? .max) < now.secondsAsUTC }
        let fineItems: [String] = []
        let counts = [holds.count, overdue.count, chargedItems.count, fineItems.count, 0, 0].map { digits($0, 4) }.joined()
        let fixed = statusFlags(p) + (p?.language ?? "000") + now.description + counts
        var fields = patronFields(p, id, m)

        let summary = Array(m.fixed(21, 10).utf8)
        let asked = summary.firstIndex(of: 0x59)  // "Y"
        let lo = max(1, m["BP"].flatMap { Int($0) } ?? 1)
        let hi = m["BQ"].flatMap { Int($0) } ?? Int.max
        func window(_ l: [String]) -> [String] {
            guard lo <= l.count, hi >= lo else { return [] }
            return Array(l[(lo - 1)..<min(l.count, hi)])
        }
        switch asked {
        case 0: fields += window(holds).map { .init("AS", $0) }
        case 1: fields += window(overdue).map { .init("AT", $0) }
        case 2: fields += window(chargedItems).map { .init("AU", $0) }
        case 3: fields += window(fineItems).map { .init("AV", $0) }
        case nil:
            fields += window(holds).map { .init("AS", $0) }
            fields += window(chargedItems).map { .init("AU", $0) }
        default: break
        }
        fields += patronScreenMessages(p)
        return Reply(
            message: SIP2Message(code: "64", fixed: fixed, fields: fields),
            event: Event(operation: .patronInformation, patron: id, ok: p != nil, screenMessage: fields.first { $0.id == "AF" }?.value))
    }

    // MARK: items

    private func itemInformation(_ m: SIP2Message, _ now: SIP2Date) -> Reply {
        let id = m["AB"] ?? ""
        guard let r = items[id] else {
            let fields: [SIP2Message.Field] = [.init("AB", id), .init("AJ", ""), .init("AF", ILSMessages.unknownItem)]
            return Reply(
                message: SIP2Message(code: "18", fixed: "01" + "00" + "01" + now.description, fields: fields),
                event: Event(operation: .itemInformation, item: id, ok: false, screenMessage: ILSMessages.unknownItem))
        }
        let circulation: String
        switch r.state.status {
        case .available: circulation = r.state.holdFor == nil ? "03" : "08"
        case .charged: circulation = "04"
        case .lost: circulation = "12"
        case .notForLoan: circulation = "01"
        }
        var fields: [SIP2Message.Field] = [.init("AB", id), .init("AJ", r.item.title)]
        if let due = r.state.due { fields.append(.init("AH", due.description)) }
        if r.state.holdFor != nil { fields.append(.init("CF", "1")) }
        fields += [
            .init("BG", configuration.institution), .init("CK", r.item.mediaType.rawValue),
            .init("AQ", r.item.homeBranch ?? configuration.currentBranch), .init("AP", configuration.currentBranch),
        ]
        var properties: [String] = []
        if r.item.partsInItem > 1 { properties.append("\(r.item.partsInItem) parts") }
        if let p = r.state.properties { properties.append(p) }
        if !properties.isEmpty { fields.append(.init("CH", properties.joined(separator: "; "))) }
        if case .notForLoan = r.state.status { fields.append(.init("AF", ILSMessages.referenceOnly)) }
        return Reply(
            message: SIP2Message(code: "18", fixed: circulation + "00" + "01" + now.description, fields: fields),
            event: Event(operation: .itemInformation, item: id, ok: true))
    }

    private mutating func itemStatusUpdate(_ m: SIP2Message, _ now: SIP2Date) -> Reply {
        let id = m["AB"] ?? ""
        var fields: [SIP2Message.Field] = [.init("AO", configuration.institution), .init("AB", id)]
        let ok = items[id] != nil
        if ok {
            items[id]?.state.properties = m["CH"] ?? ""
            fields.append(.init("AJ", items[id]?.item.title ?? ""))
        } else {
            fields.append(.init("AF", ILSMessages.unknownItem))
        }
        return Reply(
            message: SIP2Message(code: "20", fixed: (ok ? "1" : "0") + now.description, fields: fields),
            event: Event(operation: .itemStatusUpdate, item: id, ok: ok, screenMessage: ok ? nil : ILSMessages.unknownItem))
    }

    // MARK: checkout

    /// 12 for a checkout (or 30 for a renew): `due` empty when refused or cancelled.
    private func loanReply(
        code: String, ok: Bool, renewal: Bool, desensitize: Bool, patron: String, item: String, due: SIP2Date?, screen: String?,
        _ now: SIP2Date
    ) -> SIP2Message {
        let r = items[item]
        let magnetic = r.map { yn($0.item.mediaType.isMagnetic) } ?? "U"
        let fixed = (ok ? "1" : "0") + yn(renewal) + magnetic + yn(desensitize) + now.description
        var fields: [SIP2Message.Field] = [
            .init("AO", configuration.institution), .init("AA", patron), .init("AB", item), .init("AJ", r?.item.title ?? ""),
            .init("AH", due?.description ?? ""),
        ]
        if let r { fields.append(.init("CK", r.item.mediaType.rawValue)) }
        if let p = patrons[patron], let fines = p.fines, ok { fields += [.init("BV", fines), .init("BH", configuration.currency)] }
        if let screen { fields.append(.init("AF", screen)) }
        return SIP2Message(code: code, fixed: fixed, fields: fields)
    }

    private mutating func checkout(_ m: SIP2Message, _ now: SIP2Date) -> Reply {
        let patron = m["AA"] ?? "", id = m["AB"] ?? ""
        let renewalAllowed = m.fixed(0, 1) != "N"
        let noBlock = m.fixed(1, 1) == "Y"
        let transactionDate = SIP2Date(sip: m.fixed(2, 18))
        let nbDue = SIP2Date(sip: m.fixed(20, 18))
        let cancel = m["BI"] == "Y"
        var event = Event(
            operation: .checkout, item: id, patron: patron, ok: false, cancel: cancel, noBlock: noBlock, transactionDate: transactionDate)

        func refuse(_ why: String) -> Reply {
            items[id]?.state.refusals += 1
            event.screenMessage = why
            return Reply(
                message: loanReply(
                    code: "12", ok: false, renewal: false, desensitize: false, patron: patron, item: id, due: nil, screen: why, now),
                event: event)
        }

        guard let p = patrons[patron] else { return refuse(ILSMessages.unknownPatron) }
        if let ad = m["AD"], !ad.isEmpty, let pin = p.pin, pin != ad { return refuse(ILSMessages.wrongPIN) }
        guard var r = items[id] else { return refuse(ILSMessages.unknownItem) }

        if cancel {
            guard r.state.patron == patron else { return refuse(ILSMessages.cancelNotCharged) }
            // Undo exactly what this patron's last checkout did (a cancelled renewal keeps the loan).
            if let u = r.undo, u.patron == patron {
                r.state.status = u.status; r.state.due = u.due; r.state.holdFor = u.holdFor
                if let h = u.holdFor, h == patron, !(patrons[h]?.holdsReady.contains(id) ?? true) { patrons[h]?.holdsReady.append(id) }
            } else {
                r.state.status = .available; r.state.due = nil
            }
            r.undo = nil
            r.state.cancels += 1
            items[id] = r
            event.ok = true
            event.screenMessage = ILSMessages.cancelled
            return Reply(
                message: loanReply(
                    code: "12", ok: true, renewal: false, desensitize: false, patron: patron, item: id, due: nil,
                    screen: ILSMessages.cancelled, now), event: event)
        }

        if !noBlock && p.blocked { return refuse(ILSMessages.patronBlocked) }
        var renewal = false
        switch r.state.status {
        case .notForLoan: return refuse(ILSMessages.referenceOnly)
        case .lost: if !noBlock { return refuse(ILSMessages.lost) }
        case .charged(let other) where other != patron:
            if !noBlock { return refuse(ILSMessages.chargedToOther) }
        case .charged:
            guard renewalAllowed else { return refuse(ILSMessages.alreadyCharged) }
            renewal = true
        case .available: break
        }
        if let h = r.state.holdFor, h != patron, !noBlock { return refuse(ILSMessages.onHoldForOther) }

        let undo = Undo(patron: patron, status: r.state.status, due: r.state.due, holdFor: r.state.holdFor)
        let due: SIP2Date
        if renewal {
            // Renewals run from the later of the old due date and today (Koha's RenewalPeriodBase).
            let base = max(r.state.due?.secondsAsUTC ?? now.secondsAsUTC, now.secondsAsUTC)
            due = ILSLibrary.endOfDay(SIP2Date(unixSeconds: base, zone: now.zone), plusDays: configuration.loanDays)
            r.state.renewals += 1
        } else {
            // An offline loan keeps the due date the patron was told.
            due =
                noBlock
                ? (nbDue ?? ILSLibrary.endOfDay(now, plusDays: configuration.loanDays))
                : ILSLibrary.endOfDay(now, plusDays: configuration.loanDays)
            r.state.checkouts += 1
        }
        if let h = r.state.holdFor, h == patron {
            r.state.holdFor = nil
            patrons[h]?.holdsReady.removeAll { $0 == id }
        }
        r.state.status = .charged(patron: patron)
        r.state.due = due
        r.undo = undo
        items[id] = r
        event.ok = true; event.renewal = renewal; event.dueDate = due
        let screen = renewal ? ILSMessages.renewed : nil
        event.screenMessage = screen
        return Reply(
            message: loanReply(
                code: "12", ok: true, renewal: renewal, desensitize: true, patron: patron, item: id, due: due, screen: screen, now),
            event: event)
    }

    // MARK: renew

    private mutating func renew(_ m: SIP2Message, _ now: SIP2Date) -> Reply {
        let patron = m["AA"] ?? "", id = m["AB"] ?? ""
        let noBlock = m.fixed(1, 1) == "Y"
        var event = Event(
            operation: .renew, item: id, patron: patron, ok: false, noBlock: noBlock, transactionDate: SIP2Date(sip: m.fixed(2, 18)))
        func refuse(_ why: String) -> Reply {
            items[id]?.state.refusals += 1
            event.screenMessage = why
            return Reply(
                message: loanReply(
                    code: "30", ok: false, renewal: false, desensitize: false, patron: patron, item: id, due: nil, screen: why, now),
                event: event)
        }
        guard let p = patrons[patron] else { return refuse(ILSMessages.unknownPatron) }
        if let ad = m["AD"], !ad.isEmpty, let pin = p.pin, pin != ad { return refuse(ILSMessages.wrongPIN) }
        guard var r = items[id] else { return refuse(ILSMessages.unknownItem) }
        guard r.state.patron == patron else { return refuse(ILSMessages.notChargedToYou) }
        if !noBlock && p.blocked { return refuse(ILSMessages.patronBlocked) }
        if let h = r.state.holdFor, h != patron, !noBlock { return refuse(ILSMessages.onHoldForOther) }
        let base = max(r.state.due?.secondsAsUTC ?? now.secondsAsUTC, now.secondsAsUTC)
        let due = ILSLibrary.endOfDay(SIP2Date(unixSeconds: base, zone: now.zone), plusDays: configuration.loanDays)
        r.state.due = due
        r.state.renewals += 1
        r.undo = nil
        items[id] = r
        event.ok = true; event.renewal = true; event.dueDate = due; event.screenMessage = ILSMessages.renewed
        return Reply(
            message: loanReply(
                code: "30", ok: true, renewal: true, desensitize: true, patron: patron, item: id, due: due, screen: ILSMessages.renewed, now
            ),
            event: event)
    }

    // MARK: checkin

    /// 10: the item is back on the shelf (a lost one is found); routing says where it goes next:
    /// the hold shelf (CV 01) before another branch (CV 04).
    private mutating func checkin(_ m: SIP2Message, _ now: SIP2Date) -> Reply {
        let id = m["AB"] ?? ""
        let noBlock = m.fixed(0, 1) == "Y"
        let transactionDate = SIP2Date(sip: m.fixed(1, 18))
        guard var r = items[id] else {
            let fields: [SIP2Message.Field] = [
                .init("AO", configuration.institution), .init("AB", id), .init("AQ", ""), .init("AF", ILSMessages.unknownItem),
            ]
            return Reply(
                message: SIP2Message(code: "10", fixed: "0NUY" + now.description, fields: fields),
                event: Event(
                    operation: .checkin, item: id, ok: false, noBlock: noBlock, transactionDate: transactionDate,
                    screenMessage: ILSMessages.unknownItem))
        }
        let borrower = r.state.patron
        var screens: [String] = []
        var alert = false
        var route: [SIP2Message.Field] = []
        if let h = r.state.holdFor {
            alert = true
            route = [.init("CL", "HOLDS"), .init("CV", "01"), .init("CT", "Hold shelf"), .init("CY", h)]
            if let name = patrons[h]?.name { route.append(.init("DA", name)) }
            screens.append(ILSMessages.holdShelf)
        } else if let home = r.item.homeBranch, home != configuration.currentBranch {
            alert = true
            route = [.init("CL", "TRANSIT-\(home)"), .init("CV", "04"), .init("CT", home)]
            screens.append("Send to \(home)")
        }
        switch r.state.status {
        case .charged: r.state.status = .available
        case .lost:
            r.state.status = .available
            screens.append(ILSMessages.lostFound)
        case .available, .notForLoan: screens.append(ILSMessages.notCheckedOut)
        }
        r.state.due = nil
        r.state.checkins += 1
        r.undo = nil
        items[id] = r

        var fields: [SIP2Message.Field] = [
            .init("AO", configuration.institution), .init("AB", id), .init("AQ", r.item.homeBranch ?? configuration.currentBranch),
            .init("AJ", r.item.title),
        ]
        if let borrower { fields.append(.init("AA", borrower)) }
        fields.append(.init("CK", r.item.mediaType.rawValue))
        fields += route
        fields += screens.map { .init("AF", $0) }
        let fixed = "1" + "Y" + yn(r.item.mediaType.isMagnetic) + yn(alert) + now.description
        return Reply(
            message: SIP2Message(code: "10", fixed: fixed, fields: fields),
            event: Event(
                operation: .checkin, item: id, patron: borrower, ok: true, noBlock: noBlock, transactionDate: transactionDate,
                screenMessage: screens.first))
    }
}

/// The ILS's own words, what a station shows the patron.
public enum ILSMessages {
    public static let patronBlocked = "Patron blocked: please see staff"
    public static let onHoldForOther = "Item is on hold for another patron"
    public static let referenceOnly = "Item cannot be lent: reference only"
    public static let lost = "Item is lost"
    public static let unknownItem = "Unknown item"
    public static let unknownPatron = "Unknown patron"
    public static let wrongPIN = "Wrong PIN"
    public static let chargedToOther = "Item is checked out to another patron"
    public static let alreadyCharged = "Item is already checked out to you"
    public static let notChargedToYou = "Item is not checked out to you"
    public static let cancelNotCharged = "Cannot cancel: item is not checked out to this patron"
    public static let cancelled = "Checkout cancelled"
    public static let renewed = "Item renewed"
    public static let holdShelf = "Put on the hold shelf"
    public static let notCheckedOut = "Item was not checked out"
    public static let lostFound = "Lost item found: check it before shelving"
}

func yn(_ b: Bool) -> String { b ? "Y" : "N" }

/// Zero-padded decimal of a fixed width (counts, timeouts).
func digits(_ v: Int, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? String(s.suffix(width)) : String(repeating: "0", count: width - s.count) + s
}
