/// What the station screen shows, as the API sends it (`/api/station`, and whole on every
/// change over `/api/station/events`). Field names follow `Sources/Kiosk/openapi.json`.
/// Text in it may come from tags or the ILS: the page renders it as text, never as markup.
public struct StationView: Sendable, Equatable, Codable {
    public var state: String
    public var mode: String?
    public var language: KioskLanguage
    public var patron: Patron?
    public var pad: Pad
    public var progress: [ItemProgress]
    public var message: KioskMessage?
    public var idle: Idle?
    public var receipt: ReceiptView?
    public var printer: Bool
    public var speech: Bool
    public var simulated: Bool
    public var revision: Int

    public struct Patron: Sendable, Equatable, Codable {
        public var name: String
        public var holdsReady: Int
        public var charged: Int
        public var blocked: Bool
        public var fines: String?
        public var messages: [String]
        enum CodingKeys: String, CodingKey {
            case name, charged, blocked, fines, messages
            case holdsReady = "holds_ready"
        }
    }

    public struct Pad: Sendable, Equatable, Codable {
        public var items: [PadItemView]
        public var unreadable: Int
        public var patronCard: Bool
        enum CodingKeys: String, CodingKey {
            case items, unreadable
            case patronCard = "patron_card"
        }
    }

    public struct PadItemView: Sendable, Equatable, Codable {
        public var item: String
        public var title: String?
        public var partsTotal: Int
        public var partsPresent: Int
        public var complete: Bool
        public var forLoan: Bool
        enum CodingKeys: String, CodingKey {
            case item, title, complete
            case partsTotal = "parts_total", partsPresent = "parts_present", forLoan = "for_loan"
        }
    }

    public struct ItemProgress: Sendable, Equatable, Codable {
        public var item: String
        public var title: String?
        /// waiting, working, done, refused, cancelled, needs-staff
        public var status: String
        public var result: String?
        public var due: String?
        public var offline: Bool
        public var routing: RoutingView?
        public var message: KioskMessage?
    }

    public struct RoutingView: Sendable, Equatable, Codable {
        public var kind: String
        public var destination: String?
        public var sortBin: String?
        public var text: String
        enum CodingKeys: String, CodingKey {
            case kind, destination, text
            case sortBin = "sort_bin"
        }
    }

    public struct Idle: Sendable, Equatable, Codable {
        public var secondsLeft: Double
        public var warning: Bool
        enum CodingKeys: String, CodingKey {
            case warning
            case secondsLeft = "seconds_left"
        }
    }
}

/// A message for the patron: a stable code (for tests and the page's icons) and the words, in
/// the session's language, saying what happened and what to do.
public struct KioskMessage: Sendable, Equatable, Codable {
    public var code: String
    public var text: String
    public init(code: String, text: String) {
        self.code = code
        self.text = text
    }
}

/// A receipt as JSON: per item the title, due date and whether it was accepted offline, and
/// the whole receipt as text (what a printer or a screen reader gets).
public struct ReceiptView: Sendable, Equatable, Codable {
    public var mode: String
    public var language: KioskLanguage
    public var issuedAt: String
    public var patron: String?
    public var offline: Bool
    public var items: [Item]
    public var done: Int
    public var text: String

    public struct Item: Sendable, Equatable, Codable {
        public var item: String
        public var title: String?
        public var result: String
        public var due: String?
        public var offline: Bool
        public var text: String
    }

    enum CodingKeys: String, CodingKey {
        case mode, language, patron, offline, items, done, text
        case issuedAt = "issued_at"
    }
}
