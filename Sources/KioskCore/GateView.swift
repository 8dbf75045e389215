/// What the gate's staff screen shows (`/api/gate`, and whole on every change over
/// `/api/gate/events`): the last alarms, today's alarm count, visitors this hour and today.
public struct GateView: Sendable, Equatable, Codable {
    public var alarmsToday: Int
    public var visitorsHour: Visitors
    public var visitorsToday: Visitors
    public var alarms: [Alarm]
    public var language: KioskLanguage
    public var revision: Int

    public init(
        alarmsToday: Int = 0, visitorsHour: Visitors = .init(), visitorsToday: Visitors = .init(), alarms: [Alarm] = [],
        language: KioskLanguage = .zh, revision: Int = 0
    ) {
        self.alarmsToday = alarmsToday
        self.visitorsHour = visitorsHour
        self.visitorsToday = visitorsToday
        self.alarms = alarms
        self.language = language
        self.revision = revision
    }

    public struct Visitors: Sendable, Equatable, Codable {
        public var `in`: Int
        public var out: Int
        public init(in: Int = 0, out: Int = 0) {
            self.in = `in`
            self.out = out
        }
    }

    public struct Alarm: Sendable, Equatable, Codable {
        /// Local time, "YYYY-MM-DD HH:MM:SS".
        public var at: String
        public var item: String
        public var title: String?
        public var callNumber: String?
        public var shelfLocation: String?
        /// In the screen's language, plain words.
        public var reason: String
        public var reasonCode: String
        public var reader: String
        public var antenna: Int

        public init(
            at: String, item: String, title: String?, callNumber: String?, shelfLocation: String?, reason: String, reasonCode: String,
            reader: String, antenna: Int
        ) {
            self.at = at
            self.item = item
            self.title = title
            self.callNumber = callNumber
            self.shelfLocation = shelfLocation
            self.reason = reason
            self.reasonCode = reasonCode
            self.reader = reader
            self.antenna = antenna
        }

        enum CodingKeys: String, CodingKey {
            case at, item, title, reason, reader, antenna
            case callNumber = "call_number", shelfLocation = "shelf_location", reasonCode = "reason_code"
        }
    }

    /// The screen keeps the newest alarms only.
    public static let alarmLimit = 50

    enum CodingKeys: String, CodingKey {
        case alarms, language, revision
        case alarmsToday = "alarms_today", visitorsHour = "visitors_hour", visitorsToday = "visitors_today"
    }
}
