/// Typed views of the responses the SC reads. Fixed fields are read leniently (real servers pad
/// numbers with blanks, swap fields, send "U"): a field that does not parse becomes nil instead of
/// failing the whole response. Unknown variable field IDs are ignored; `raw` keeps everything.

/// Y/N fixed field: nil for anything else (U, blank).
func flag(_ s: Substring) -> Bool? { s == "Y" ? true : s == "N" ? false : nil }
/// Numeric fixed field, blanks trimmed ("` 10`" from invenio); nil if not a number.
func number(_ s: Substring) -> Int? {
    let t = s.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()
    return t.isEmpty ? nil : Int(String(t))
}

public struct LoginResponse: Sendable, Equatable {
    public var ok: Bool
    public var raw: SIP2Message
    init(_ m: SIP2Message) { raw = m; ok = m.fixed(0, 1) == "1" }
}

public struct ACSStatus: Sendable, Equatable {
    public var online, checkinOK, checkoutOK, renewalPolicy, statusUpdateOK, offlineOK: Bool
    /// Tenths of a second; nil for 000 (off-line), 999 (unknown) or garbage.
    public var timeoutTenths: Int?
    /// nil for 999 (unknown) or garbage.
    public var retriesAllowed: Int?
    public var dateTime: SIP2Date?
    public var protocolVersion: String
    public var institution: String
    public var libraryName: String?
    /// 16 Y/N flags, see `supports(_:)`.
    public var supportedMessages: String
    public var screenMessages: [String]
    public var raw: SIP2Message

    init(_ m: SIP2Message) {
        raw = m
        online = flag(m.fixed(0, 1)) ?? false
        checkinOK = flag(m.fixed(1, 1)) ?? false
        checkoutOK = flag(m.fixed(2, 1)) ?? false
        renewalPolicy = flag(m.fixed(3, 1)) ?? false
        statusUpdateOK = flag(m.fixed(4, 1)) ?? false
        offlineOK = flag(m.fixed(5, 1)) ?? false
        let t = number(m.fixed(6, 3))
        timeoutTenths = t == nil || t == 999 || t == 0 ? nil : t
        // "000" means the ACS is not on-line whatever the flag says.
        if t == 0 { online = false }
        let r = number(m.fixed(9, 3))
        retriesAllowed = r == 999 ? nil : r
        dateTime = SIP2Date(sip: m.fixed(12, 18))
        protocolVersion = String(m.fixed(30, 4))
        institution = m["AO"] ?? ""
        libraryName = m["AM"]
        supportedMessages = m["BX"] ?? ""
        screenMessages = m.all("AF")
    }

    public enum Message: Int, Sendable {
        case patronStatus = 0, checkout, checkin, blockPatron, scStatus, resend, login, patronInformation,
            endPatronSession, feePaid, itemInformation, itemStatusUpdate, patronEnable, hold, renew, renewAll
    }

    /// BX flag for a message; unknown (BX missing or short) counts as supported for the core messages.
    public func supports(_ msg: Message) -> Bool {
        let u = Array(supportedMessages.utf8)
        guard msg.rawValue < u.count else { return msg != .itemStatusUpdate }
        return u[msg.rawValue] == 0x59
    }
}

/// 14 patron status flags (position = `Flag.rawValue`).
public struct PatronStatusFlags: Sendable, Equatable {
    public enum Flag: Int, Sendable, CaseIterable {
        case chargePrivilegesDenied = 0, renewalPrivilegesDenied, recallPrivilegesDenied, holdPrivilegesDenied,
            cardReportedLost, tooManyCharged, tooManyOverdue, tooManyRenewals, tooManyClaimsReturned,
            tooManyLost, excessiveFines, excessiveFees, recallOverdue, tooManyBilled
    }
    public var raw: String
    public init(_ raw: Substring) { self.raw = String(raw) }
    public func has(_ f: Flag) -> Bool {
        let u = Array(raw.utf8)
        return f.rawValue < u.count && u[f.rawValue] == 0x59
    }
    public var set: [Flag] { Flag.allCases.filter(has) }
    /// Whether any flag forbids a checkout (charge denied, lost card, too many…, excessive fines/fees).
    public var blocksCheckout: Bool { Self.checkoutBlocking.contains(where: has) }
    /// The flags that forbid a checkout.
    public static let checkoutBlocking: [Flag] = [
        .chargePrivilegesDenied, .cardReportedLost, .tooManyCharged, .tooManyOverdue, .excessiveFines, .excessiveFees, .tooManyBilled,
        .tooManyLost,
    ]
}

public struct PatronStatusResponse: Sendable, Equatable {
    public var status: PatronStatusFlags
    public var language: String
    public var institution, patron, name: String
    public var validPatron: Bool?
    public var validPassword: Bool?
    public var screenMessages: [String]
    public var raw: SIP2Message
    init(_ m: SIP2Message) {
        raw = m
        status = PatronStatusFlags(m.fixed(0, 14)); language = String(m.fixed(14, 3))
        institution = m["AO"] ?? ""; patron = m["AA"] ?? ""; name = m["AE"] ?? ""
        validPatron = m["BL"].flatMap { flag(Substring($0)) }
        validPassword = m["CQ"].flatMap { flag(Substring($0)) }
        screenMessages = m.all("AF")
    }
}

public struct PatronInformationResponse: Sendable, Equatable {
    public var status: PatronStatusFlags
    public var language: String
    /// holds, overdue, charged, fines, recalls, unavailable holds; nil where the ACS sent blanks.
    public var counts: [Int?]
    public var institution, patron, name: String
    public var validPatron: Bool?
    public var validPassword: Bool?
    public var holdItems, overdueItems, chargedItems, fineItems, recallItems, unavailableHoldItems: [String]
    public var email, phone, address: String?
    public var screenMessages: [String]
    public var raw: SIP2Message
    init(_ m: SIP2Message) {
        raw = m
        status = PatronStatusFlags(m.fixed(0, 14)); language = String(m.fixed(14, 3))
        counts = (0..<6).map { number(m.fixed(35 + $0 * 4, 4)) }
        institution = m["AO"] ?? ""; patron = m["AA"] ?? ""; name = m["AE"] ?? ""
        validPatron = m["BL"].flatMap { flag(Substring($0)) }
        validPassword = m["CQ"].flatMap { flag(Substring($0)) }
        holdItems = m.all("AS"); overdueItems = m.all("AT"); chargedItems = m.all("AU")
        fineItems = m.all("AV"); recallItems = m.all("BU"); unavailableHoldItems = m.all("CD")
        email = m["BE"]; phone = m["BF"]; address = m["BD"]
        screenMessages = m.all("AF")
    }
}

/// AH due date: the SIP form or ISO when it parses, the text as sent otherwise.
public struct SIP2DueDate: Sendable, Equatable, CustomStringConvertible {
    public var text: String
    public var date: SIP2Date?
    public init(_ text: String) { self.text = text; date = SIP2Date(dueDate: text) }
    public var description: String { text }
}

public struct CheckoutResponse: Sendable, Equatable {
    public var ok: Bool
    /// Y = this was a renewal (the patron already had the item).
    public var renewal: Bool
    public var magneticMedia: Bool?
    /// Y = switch the item's security (AFI/EAS) off.
    public var desensitize: Bool?
    public var transactionDate: SIP2Date?
    public var institution, patron, item, title: String
    public var dueDate: SIP2DueDate?
    public var feeType, feeAmount, currency, mediaType, transactionID: String?
    public var screenMessages: [String]
    public var raw: SIP2Message
    init(_ m: SIP2Message) {
        raw = m
        ok = m.fixed(0, 1) == "1"; renewal = flag(m.fixed(1, 1)) ?? false
        magneticMedia = flag(m.fixed(2, 1)); desensitize = flag(m.fixed(3, 1))
        transactionDate = SIP2Date(sip: m.fixed(4, 18))
        institution = m["AO"] ?? ""; patron = m["AA"] ?? ""; item = m["AB"] ?? ""; title = m["AJ"] ?? ""
        dueDate = m["AH"].flatMap { $0.allSatisfy { $0 == " " } ? nil : SIP2DueDate($0) }
        feeType = m["BT"]; feeAmount = m["BV"]; currency = m["BH"]; mediaType = m["CK"]; transactionID = m["BK"]
        screenMessages = m.all("AF")
    }
}

public struct CheckinResponse: Sendable, Equatable {
    public var ok: Bool
    public var resensitize: Bool?
    public var magneticMedia: Bool?
    /// Y = put the item aside (hold or transit); not an error.
    public var alert: Bool
    public var transactionDate: SIP2Date?
    public var institution, item, permanentLocation: String
    public var title, sortBin, patron, mediaType, alertType, destination: String?
    public var screenMessages: [String]
    public var raw: SIP2Message
    init(_ m: SIP2Message) {
        raw = m
        ok = m.fixed(0, 1) == "1"; resensitize = flag(m.fixed(1, 1)); magneticMedia = flag(m.fixed(2, 1))
        alert = flag(m.fixed(3, 1)) ?? false
        transactionDate = SIP2Date(sip: m.fixed(4, 18))
        institution = m["AO"] ?? ""; item = m["AB"] ?? ""; permanentLocation = m["AQ"] ?? ""
        title = m["AJ"]; sortBin = m["CL"]; patron = m["AA"]; mediaType = m["CK"]
        alertType = m["CV"]; destination = m["CT"]
        screenMessages = m.all("AF")
    }
}

public struct ItemInformationResponse: Sendable, Equatable {
    public enum CirculationStatus: Int, Sendable {
        case other = 1, onOrder, available, charged, chargedNoRecall, inProcess, recalled, waitingOnHoldShelf,
            waitingToBeReshelved, inTransit, claimedReturned, lost, missing
    }
    public var circulationStatusCode: String
    public var circulationStatus: CirculationStatus?
    public var securityMarker, feeType: String
    public var transactionDate: SIP2Date?
    public var item, title: String
    public var dueDate: SIP2DueDate?
    public var holdQueueLength: Int?
    public var owner, mediaType, permanentLocation, currentLocation, properties: String?
    public var screenMessages: [String]
    public var raw: SIP2Message
    init(_ m: SIP2Message) {
        raw = m
        circulationStatusCode = String(m.fixed(0, 2))
        circulationStatus = number(m.fixed(0, 2)).flatMap(CirculationStatus.init(rawValue:))
        securityMarker = String(m.fixed(2, 2)); feeType = String(m.fixed(4, 2))
        transactionDate = SIP2Date(sip: m.fixed(6, 18))
        item = m["AB"] ?? ""; title = m["AJ"] ?? ""
        dueDate = m["AH"].flatMap { $0.allSatisfy { $0 == " " } ? nil : SIP2DueDate($0) }
        holdQueueLength = m["CF"].flatMap { Int($0) }
        owner = m["BG"]; mediaType = m["CK"]; permanentLocation = m["AQ"]; currentLocation = m["AP"]; properties = m["CH"]
        screenMessages = m.all("AF")
    }
    /// Charged (04/05) with a due date: the ILS has the loan.
    public var isCharged: Bool { circulationStatus == .charged || circulationStatus == .chargedNoRecall }
}

public struct ItemStatusUpdateResponse: Sendable, Equatable {
    public var ok: Bool
    public var item: String
    public var screenMessages: [String]
    public var raw: SIP2Message
    init(_ m: SIP2Message) { raw = m; ok = m.fixed(0, 1) == "1"; item = m["AB"] ?? ""; screenMessages = m.all("AF") }
}

public struct RenewResponse: Sendable, Equatable {
    public var ok, renewal: Bool
    public var item, title: String
    public var dueDate: SIP2DueDate?
    public var screenMessages: [String]
    public var raw: SIP2Message
    init(_ m: SIP2Message) {
        raw = m; ok = m.fixed(0, 1) == "1"; renewal = flag(m.fixed(1, 1)) ?? false
        item = m["AB"] ?? ""; title = m["AJ"] ?? ""
        dueDate = m["AH"].flatMap { $0.allSatisfy { $0 == " " } ? nil : SIP2DueDate($0) }
        screenMessages = m.all("AF")
    }
}

public struct EndSessionResponse: Sendable, Equatable {
    public var ended: Bool
    public var patron: String
    public var screenMessages: [String]
    public var raw: SIP2Message
    init(_ m: SIP2Message) { raw = m; ended = flag(m.fixed(0, 1)) ?? false; patron = m["AA"] ?? ""; screenMessages = m.all("AF") }
}

/// Every response the SC can receive.
public enum SIP2Response: Sendable, Equatable {
    case login(LoginResponse)
    case acsStatus(ACSStatus)
    case patronStatus(PatronStatusResponse)
    case patronInformation(PatronInformationResponse)
    case checkout(CheckoutResponse)
    case checkin(CheckinResponse)
    case itemInformation(ItemInformationResponse)
    case itemStatusUpdate(ItemStatusUpdateResponse)
    case renew(RenewResponse)
    case endSession(EndSessionResponse)
    /// 96: the ACS could not read our request; resend it.
    case resendRequest

    public init(_ m: SIP2Message) throws(SIP2DecodeError) {
        switch m.code {
        case "94": self = .login(LoginResponse(m))
        case "98": self = .acsStatus(ACSStatus(m))
        case "24": self = .patronStatus(PatronStatusResponse(m))
        case "64": self = .patronInformation(PatronInformationResponse(m))
        case "12": self = .checkout(CheckoutResponse(m))
        case "10": self = .checkin(CheckinResponse(m))
        case "18": self = .itemInformation(ItemInformationResponse(m))
        case "20": self = .itemStatusUpdate(ItemStatusUpdateResponse(m))
        case "30": self = .renew(RenewResponse(m))
        case "36": self = .endSession(EndSessionResponse(m))
        case "96": self = .resendRequest
        default: throw .unknownCommand(m.code)
        }
    }

    public var raw: SIP2Message {
        switch self {
        case .login(let r): return r.raw
        case .acsStatus(let r): return r.raw
        case .patronStatus(let r): return r.raw
        case .patronInformation(let r): return r.raw
        case .checkout(let r): return r.raw
        case .checkin(let r): return r.raw
        case .itemInformation(let r): return r.raw
        case .itemStatusUpdate(let r): return r.raw
        case .renew(let r): return r.raw
        case .endSession(let r): return r.raw
        case .resendRequest: return SIP2Message(code: "96")
        }
    }
}
