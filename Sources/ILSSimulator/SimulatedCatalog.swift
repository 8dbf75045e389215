/// A patron of the simulated ILS: what a real ILS's patron record holds that SIP2 exposes.
public struct SimulatedPatron: Sendable, Equatable {
    /// The patron barcode (AA).
    public var id: String
    /// Full name (AE); any Unicode the configured charset carries.
    public var name: String
    /// The PIN checked against AD; nil = no PIN, any AD is accepted.
    public var pin: String?
    /// Charge, renewal and hold privileges denied: checkouts are refused unless sent with no block.
    public var blocked: Bool
    /// Outstanding fines as the ILS prints them ("12.50"); nil = none.
    public var fines: String?
    /// Item ids waiting for this patron on the hold shelf (AS, the hold count).
    public var holdsReady: [String]
    /// SIP2 language code (3 digits, "019" = Chinese); nil = "000" unknown.
    public var language: String?

    public init(
        id: String, name: String, pin: String? = nil, blocked: Bool = false, fines: String? = nil, holdsReady: [String] = [],
        language: String? = nil
    ) {
        self.id = id; self.name = name; self.pin = pin; self.blocked = blocked; self.fines = fines
        self.holdsReady = holdsReady; self.language = language
    }
}

/// An item of the simulated ILS. `id` is the barcode, i.e. the ISO 28560 primary item identifier
/// written on its tag(s), so a simulated pad can lay matching tags.
public struct SimulatedItem: Sendable, Equatable {
    /// Circulation state as the ILS keeps it (SIP2 circulation status 03, 04, 12, 01 in 18).
    public enum Status: Sendable, Equatable, Hashable {
        case available
        /// On loan to this patron id.
        case charged(patron: String)
        /// Checkout refused; a checkin marks it found.
        case lost
        /// Reference only: never lent, even with no block.
        case notForLoan
    }

    /// SIP2 media type (CK), the 3-digit codes of the spec.
    public enum MediaType: String, Sendable, Equatable {
        case other = "000", book = "001", magazine = "002", boundJournal = "003", audioTape = "004", videoTape = "005",
            cd = "006", diskette = "007", bookWithDiskette = "008", bookWithCD = "009", bookWithAudioTape = "010"
        /// Magnetic media must bypass a desensitizer (the magnetic media flag in 10 and 12).
        public var isMagnetic: Bool { self == .audioTape || self == .videoTape || self == .bookWithAudioTape }
    }

    public var id: String
    public var title: String
    /// Tags (volumes, discs) the item is made of; 1 = a single piece. A station checks all are on the pad.
    public var partsInItem: Int
    public var status: Status
    /// A patron id the item is held for: checkout refused to everyone else, checkin routes it to the hold shelf.
    public var holdFor: String?
    /// The branch that owns the item; a checkin elsewhere routes it there. nil = the current branch.
    public var homeBranch: String?
    public var mediaType: MediaType
    /// For an item charged in the catalog: days from the server's start until due (negative = overdue); nil = a full loan period.
    public var dueInDays: Int?

    public init(
        id: String, title: String, partsInItem: Int = 1, status: Status = .available, holdFor: String? = nil, homeBranch: String? = nil,
        mediaType: MediaType = .book, dueInDays: Int? = nil
    ) {
        self.id = id; self.title = title; self.partsInItem = max(1, partsInItem); self.status = status
        self.holdFor = holdFor; self.homeBranch = homeBranch; self.mediaType = mediaType; self.dueInDays = dueInDays
    }
}

/// The patrons and items a simulated ILS starts with. Each server copies it; the catalog itself never changes.
public struct SimulatedCatalog: Sendable, Equatable {
    public var patrons: [SimulatedPatron]
    public var items: [SimulatedItem]

    public init(patrons: [SimulatedPatron], items: [SimulatedItem]) { self.patrons = patrons; self.items = items }

    /// The ids of the demo catalog, for simulations and tests that lay matching tags or look for an outcome.
    /// Barcodes are 14 digits with a Luhn check digit, like most library barcodes.
    public enum Demo {
        /// Good standing, no PIN; has `chargedItem` on loan.
        public static let goodPatron = "21001000000011"
        /// Needs PIN `pin` ("1234") when AD is sent.
        public static let pinPatron = "21001000000029"
        public static let pin = "1234"
        /// Blocked (charge privileges denied) with excessive fines: checkouts refused unless no block.
        public static let blockedPatron = "21001000000037"
        /// Has `holdItem` waiting on the hold shelf and small fines (3.50).
        public static let holdPatron = "21001000000045"
        /// Good standing, Chinese name (王芳), language 019.
        public static let chinesePatron = "21001000000052"

        /// Ten plain available items, mostly Chinese titles (one audio CD, one accented Latin title).
        public static let availableItems = [
            "39001000000011", "39001000000029", "39001000000037", "39001000000045", "39001000000052",
            "39001000000060", "39001000000078", "39001000000086", "39001000000094", "39001000000102",
        ]
        /// 三体, available.
        public static let santi = "39001000000011"
        /// 活着, available.
        public static let huozhe = "39001000000029"
        /// 城南旧事 on audio CD (media type 006), available.
        public static let audioCD = "39001000000094"
        /// 红楼梦 第1册/第2册/第3册: one item in three volumes (partsInItem 3), available.
        public static let multiPartItem = "39001000000110"
        /// 西游记, lost: checkout refused, a checkin marks it found.
        public static let lostItem = "39001000000128"
        /// 现代汉语词典, reference only: checkout always refused.
        public static let referenceItem = "39001000000136"
        /// 边城, on the hold shelf for `holdPatron`: checkout refused to others, checkin routes to the hold shelf.
        public static let holdItem = "39001000000144"
        /// 骆驼祥子, owned by branch `otherBranch`: available here, a checkin routes it there.
        public static let otherBranchItem = "39001000000151"
        public static let otherBranch = "EAST"
        /// 呐喊, already charged to `goodPatron` (due in 7 days): his checkout of it is a renewal.
        public static let chargedItem = "39001000000169"
    }

    /// The deterministic demo library: five patrons and sixteen items covering every checkout
    /// refusal and checkin route a station meets (see `Demo` for which id is which).
    public static let demo = SimulatedCatalog(
        patrons: [
            SimulatedPatron(id: Demo.goodPatron, name: "Ada Reader", language: "001"),
            SimulatedPatron(id: Demo.pinPatron, name: "Ben Pinfold", pin: Demo.pin, language: "001"),
            SimulatedPatron(id: Demo.blockedPatron, name: "Carl Blocked", blocked: true, fines: "25.00"),
            SimulatedPatron(id: Demo.holdPatron, name: "Dana Holds", fines: "3.50", holdsReady: [Demo.holdItem]),
            SimulatedPatron(id: Demo.chinesePatron, name: "王芳", language: "019"),
        ],
        items: [
            SimulatedItem(id: "39001000000011", title: "三体"),
            SimulatedItem(id: "39001000000029", title: "活着"),
            SimulatedItem(id: "39001000000037", title: "围城"),
            SimulatedItem(id: "39001000000045", title: "平凡的世界"),
            SimulatedItem(id: "39001000000052", title: "白鹿原"),
            SimulatedItem(id: "39001000000060", title: "朝花夕拾"),
            SimulatedItem(id: "39001000000078", title: "倾城之恋"),
            SimulatedItem(id: "39001000000086", title: "Les Misérables"),
            SimulatedItem(id: "39001000000094", title: "城南旧事（有声书）", mediaType: .cd),
            SimulatedItem(id: "39001000000102", title: "长恨歌"),
            SimulatedItem(id: Demo.multiPartItem, title: "红楼梦 第1册/第2册/第3册", partsInItem: 3),
            SimulatedItem(id: Demo.lostItem, title: "西游记", status: .lost),
            SimulatedItem(id: Demo.referenceItem, title: "现代汉语词典", status: .notForLoan),
            SimulatedItem(id: Demo.holdItem, title: "边城", holdFor: Demo.holdPatron),
            SimulatedItem(id: Demo.otherBranchItem, title: "骆驼祥子", homeBranch: Demo.otherBranch),
            SimulatedItem(id: Demo.chargedItem, title: "呐喊", status: .charged(patron: Demo.goodPatron), dueInDays: 7),
        ])
}
