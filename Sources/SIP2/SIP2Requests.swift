/// Typed requests the SC sends. Each builds an untyped `SIP2Message` with only standard field IDs
/// (invenio-sip2 1.0.0 exits on an ID it does not know), required-but-empty fields present
/// (`AC|`, `AD|` in 23) and optional fields left out when nil.
public protocol SIP2Request: Sendable {
    /// The response command this request expects (e.g. "12" for "11").
    static var responseCode: String { get }
    var message: SIP2Message { get }
}

func yn(_ b: Bool) -> String { b ? "Y" : "N" }

public struct LoginRequest: SIP2Request {
    public static let responseCode = "94"
    public var user, password: String
    public var location: String?
    public init(user: String, password: String, location: String? = nil) {
        self.user = user; self.password = password; self.location = location
    }
    public var message: SIP2Message {
        var f: [SIP2Message.Field] = [.init("CN", user), .init("CO", password)]
        if let location { f.append(.init("CP", location)) }
        return SIP2Message(code: "93", fixed: "00", fields: f)
    }
}

public struct SCStatusRequest: SIP2Request {
    public static let responseCode = "98"
    public enum Status: String, Sendable { case ok = "0", outOfPaper = "1", shuttingDown = "2" }
    public var status: Status
    public var maxPrintWidth: Int
    public init(status: Status = .ok, maxPrintWidth: Int = 30) { self.status = status; self.maxPrintWidth = maxPrintWidth }
    public var message: SIP2Message {
        SIP2Message(code: "99", fixed: status.rawValue + pad(min(999, max(0, maxPrintWidth)), 3) + "2.00")
    }
}

public struct PatronStatusRequest: SIP2Request {
    public static let responseCode = "24"
    public var date: SIP2Date
    public var institution, patron: String
    public var terminalPassword = "", patronPassword = ""
    public var language = "000"
    public init(date: SIP2Date, institution: String, patron: String, terminalPassword: String = "", patronPassword: String = "") {
        self.date = date; self.institution = institution; self.patron = patron
        self.terminalPassword = terminalPassword; self.patronPassword = patronPassword
    }
    public var message: SIP2Message {
        // AC and AD are required even when empty (php-sip2 #2: an ACS answered 96 without them).
        SIP2Message(
            code: "23", fixed: language + date.description,
            fields: [
                .init("AO", institution), .init("AA", patron), .init("AC", terminalPassword), .init("AD", patronPassword),
            ])
    }
}

public struct PatronInformationRequest: SIP2Request {
    public static let responseCode = "64"
    /// Which list to ask for (at most one, per the spec).
    public enum Summary: Int, Sendable { case holds = 0, overdue, charged, fines, recalls, unavailableHolds }
    public var date: SIP2Date
    public var institution, patron: String
    public var terminalPassword: String? = ""
    public var patronPassword: String?
    public var summary: Summary?
    public var range: ClosedRange<Int>?
    public var language = "000"
    public init(
        date: SIP2Date, institution: String, patron: String, terminalPassword: String? = "", patronPassword: String? = nil,
        summary: Summary? = nil, range: ClosedRange<Int>? = nil
    ) {
        self.date = date; self.institution = institution; self.patron = patron
        self.terminalPassword = terminalPassword; self.patronPassword = patronPassword
        self.summary = summary; self.range = range
    }
    public var message: SIP2Message {
        var s = Array(repeating: " ", count: 10)
        if let summary { s[summary.rawValue] = "Y" }
        var f: [SIP2Message.Field] = [.init("AO", institution), .init("AA", patron)]
        if let terminalPassword { f.append(.init("AC", terminalPassword)) }
        if let patronPassword { f.append(.init("AD", patronPassword)) }
        if let range { f.append(.init("BP", String(range.lowerBound))); f.append(.init("BQ", String(range.upperBound))) }
        return SIP2Message(code: "63", fixed: language + date.description + s.joined(), fields: f)
    }
}

public struct CheckoutRequest: SIP2Request {
    public static let responseCode = "12"
    public var scRenewalPolicy: Bool
    /// Y = the SC already lent the item offline; the ACS must not refuse it for a block.
    public var noBlock: Bool
    /// When the loan happened (the original time for queued loans).
    public var transactionDate: SIP2Date
    /// The due date the patron was told offline; nil sends 18 blanks ("ACS decides").
    public var nbDueDate: SIP2Date?
    public var institution, patron, item: String
    public var terminalPassword = ""
    public var patronPassword: String?
    public var feeAcknowledged: Bool?
    public var cancel: Bool?
    public init(
        scRenewalPolicy: Bool = true, noBlock: Bool = false, transactionDate: SIP2Date, nbDueDate: SIP2Date? = nil,
        institution: String, patron: String, item: String, terminalPassword: String = "", patronPassword: String? = nil,
        feeAcknowledged: Bool? = nil, cancel: Bool? = nil
    ) {
        self.scRenewalPolicy = scRenewalPolicy; self.noBlock = noBlock; self.transactionDate = transactionDate
        self.nbDueDate = nbDueDate; self.institution = institution; self.patron = patron; self.item = item
        self.terminalPassword = terminalPassword; self.patronPassword = patronPassword
        self.feeAcknowledged = feeAcknowledged; self.cancel = cancel
    }
    public var message: SIP2Message {
        var f: [SIP2Message.Field] = [.init("AO", institution), .init("AA", patron), .init("AB", item), .init("AC", terminalPassword)]
        if let patronPassword { f.append(.init("AD", patronPassword)) }
        if let feeAcknowledged { f.append(.init("BO", yn(feeAcknowledged))) }
        if let cancel { f.append(.init("BI", yn(cancel))) }
        let due = nbDueDate?.description ?? SIP2Date.blank
        return SIP2Message(code: "11", fixed: yn(scRenewalPolicy) + yn(noBlock) + transactionDate.description + due, fields: f)
    }
}

public struct CheckinRequest: SIP2Request {
    public static let responseCode = "10"
    public var noBlock: Bool
    public var transactionDate: SIP2Date
    public var returnDate: SIP2Date
    public var currentLocation, institution, item: String
    public var terminalPassword = ""
    public var cancel: Bool?
    public init(
        noBlock: Bool = false, transactionDate: SIP2Date, returnDate: SIP2Date, currentLocation: String, institution: String, item: String,
        terminalPassword: String = "", cancel: Bool? = nil
    ) {
        self.noBlock = noBlock; self.transactionDate = transactionDate; self.returnDate = returnDate
        self.currentLocation = currentLocation; self.institution = institution; self.item = item
        self.terminalPassword = terminalPassword; self.cancel = cancel
    }
    public var message: SIP2Message {
        var f: [SIP2Message.Field] = [
            .init("AP", currentLocation), .init("AO", institution), .init("AB", item), .init("AC", terminalPassword),
        ]
        if let cancel { f.append(.init("BI", yn(cancel))) }
        return SIP2Message(code: "09", fixed: yn(noBlock) + transactionDate.description + returnDate.description, fields: f)
    }
}

public struct ItemInformationRequest: SIP2Request {
    public static let responseCode = "18"
    public var date: SIP2Date
    public var institution, item: String
    public var terminalPassword: String? = ""
    public init(date: SIP2Date, institution: String, item: String, terminalPassword: String? = "") {
        self.date = date; self.institution = institution; self.item = item; self.terminalPassword = terminalPassword
    }
    public var message: SIP2Message {
        var f: [SIP2Message.Field] = [.init("AO", institution), .init("AB", item)]
        if let terminalPassword { f.append(.init("AC", terminalPassword)) }
        return SIP2Message(code: "17", fixed: date.description, fields: f)
    }
}

public struct ItemStatusUpdateRequest: SIP2Request {
    public static let responseCode = "20"
    public var date: SIP2Date
    public var institution, item, properties: String
    public var terminalPassword: String? = ""
    public init(date: SIP2Date, institution: String, item: String, properties: String, terminalPassword: String? = "") {
        self.date = date; self.institution = institution; self.item = item; self.properties = properties;
        self.terminalPassword = terminalPassword
    }
    public var message: SIP2Message {
        var f: [SIP2Message.Field] = [.init("AO", institution), .init("AB", item)]
        if let terminalPassword { f.append(.init("AC", terminalPassword)) }
        f.append(.init("CH", properties))
        return SIP2Message(code: "19", fixed: date.description, fields: f)
    }
}

public struct RenewRequest: SIP2Request {
    public static let responseCode = "30"
    public var thirdPartyAllowed = false, noBlock = false
    public var transactionDate: SIP2Date
    public var nbDueDate: SIP2Date?
    public var institution, patron: String
    public var item: String?
    public var terminalPassword: String? = ""
    public var patronPassword: String?
    public init(
        transactionDate: SIP2Date, institution: String, patron: String, item: String?, terminalPassword: String? = "",
        patronPassword: String? = nil, noBlock: Bool = false, nbDueDate: SIP2Date? = nil
    ) {
        self.transactionDate = transactionDate; self.institution = institution; self.patron = patron; self.item = item
        self.terminalPassword = terminalPassword; self.patronPassword = patronPassword; self.noBlock = noBlock; self.nbDueDate = nbDueDate
    }
    public var message: SIP2Message {
        var f: [SIP2Message.Field] = [.init("AO", institution), .init("AA", patron)]
        if let patronPassword { f.append(.init("AD", patronPassword)) }
        if let item { f.append(.init("AB", item)) }
        if let terminalPassword { f.append(.init("AC", terminalPassword)) }
        return SIP2Message(
            code: "29",
            fixed: yn(thirdPartyAllowed) + yn(noBlock) + transactionDate.description + (nbDueDate?.description ?? SIP2Date.blank), fields: f
        )
    }
}

public struct EndPatronSessionRequest: SIP2Request {
    public static let responseCode = "36"
    public var date: SIP2Date
    public var institution, patron: String
    public var terminalPassword: String? = ""
    public var patronPassword: String?
    public init(date: SIP2Date, institution: String, patron: String, terminalPassword: String? = "", patronPassword: String? = nil) {
        self.date = date; self.institution = institution; self.patron = patron
        self.terminalPassword = terminalPassword; self.patronPassword = patronPassword
    }
    public var message: SIP2Message {
        var f: [SIP2Message.Field] = [.init("AO", institution), .init("AA", patron)]
        if let terminalPassword { f.append(.init("AC", terminalPassword)) }
        if let patronPassword { f.append(.init("AD", patronPassword)) }
        return SIP2Message(code: "35", fixed: date.description, fields: f)
    }
}

/// 97: "please resend your last response" (no AY, only AZ).
public struct RequestACSResend: Sendable {
    public static var message: SIP2Message { SIP2Message(code: "97") }
}
