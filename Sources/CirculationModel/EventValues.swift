/// One alarm as the event log keeps it.
public struct AlarmRecord: Sendable, Equatable {
    /// Unix ms.
    public var at: Int64
    /// Primary item id; nil when the tag could not be decoded.
    public var item: String?
    public var tagUID: String
    /// Filled from the cache when the record is written (the title as known at that moment).
    public var title: String?
    public var ownerISIL: String?
    /// Part number and parts in set, for multi-part items (0 when single).
    public var part: Int
    public var parts: Int
    public var reader: String
    public var antenna: Int
    public var afi: Int
    public var reason: String

    public init(
        at: Int64, item: String?, tagUID: String, title: String? = nil, ownerISIL: String? = nil, part: Int = 0, parts: Int = 0,
        reader: String, antenna: Int, afi: Int, reason: String
    ) {
        self.at = at
        self.item = item
        self.tagUID = tagUID
        self.title = title
        self.ownerISIL = ownerISIL
        self.part = part
        self.parts = parts
        self.reader = reader
        self.antenna = antenna
        self.afi = afi
        self.reason = reason
    }
}

/// Visitors through the gate in one quarter hour.
public struct VisitorBucket: Sendable, Equatable {
    /// Unix seconds of the quarter hour's start.
    public var start: Int64
    public var inCount: Int
    public var outCount: Int

    public init(start: Int64, inCount: Int, outCount: Int) {
        self.start = start
        self.inCount = inCount
        self.outCount = outCount
    }

    /// The quarter hour `unixMillis` falls in (Unix seconds of its start).
    public static func start(unixMillis: Int64) -> Int64 {
        let s = unixMillis / 1000
        return s - ((s % 900) + 900) % 900
    }
}

/// An alarm with where staff find the item on the shelves.
public struct PlacedAlarm: Sendable, Equatable {
    public var alarm: AlarmRecord
    public var callNumber: String?
    public var shelfLocation: String?

    public init(alarm: AlarmRecord, callNumber: String?, shelfLocation: String?) {
        self.alarm = alarm
        self.callNumber = callNumber
        self.shelfLocation = shelfLocation
    }
}
