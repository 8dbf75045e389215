/// What `rfidgatectl status` shows: one JSON object describing the running daemon (readers with
/// their wire, state and counters, gate totals, cache, sync). The daemon encodes it on every
/// connection to the control socket; the CLI decodes it. No patron data in it.
public struct StatusReport: Codable, Sendable, Equatable {
    public struct Antenna: Codable, Sendable, Equatable {
        public var antenna: Int
        public var reads: Int
        public init(antenna: Int, reads: Int) { self.antenna = antenna; self.reads = reads }
    }

    public struct Reader: Codable, Sendable, Equatable {
        public var id: String
        public var driver: String
        public var wire: String
        /// starting, reading, failing, stopped
        public var state: String
        public var antennas: [Antenna]
        public var cycles: Int
        public var reads: Int
        public var timeouts: Int
        public var protocolErrors: Int
        public var disconnects: Int
        /// 0...1, three decimals.
        public var ringFill: Double
        public var ringHighWater: Int
        public var drops: Int

        enum CodingKeys: String, CodingKey {
            case id, driver, wire, state, antennas, cycles, reads, timeouts, disconnects, drops
            case protocolErrors = "protocol_errors", ringFill = "ring_fill", ringHighWater = "ring_high_water"
        }

        public init(
            id: String, driver: String, wire: String, state: String, antennas: [Antenna], cycles: Int, reads: Int,
            timeouts: Int, protocolErrors: Int, disconnects: Int, ringFill: Double, ringHighWater: Int, drops: Int
        ) {
            self.id = id; self.driver = driver; self.wire = wire; self.state = state; self.antennas = antennas
            self.cycles = cycles; self.reads = reads; self.timeouts = timeouts; self.protocolErrors = protocolErrors
            self.disconnects = disconnects; self.ringFill = ringFill; self.ringHighWater = ringHighWater; self.drops = drops
        }
    }

    public struct Cache: Codable, Sendable, Equatable {
        public var path: String
        public var entries: Int
        public init(path: String, entries: Int) { self.path = path; self.entries = entries }
    }

    public struct Sync: Codable, Sendable, Equatable {
        public var replayed: Int
        public var deadLetters: Int
        /// nil: the outbox could not be counted.
        public var backlog: Int?

        enum CodingKeys: String, CodingKey { case replayed, backlog, deadLetters = "dead_letters" }

        public init(replayed: Int, deadLetters: Int, backlog: Int?) {
            self.replayed = replayed; self.deadLetters = deadLetters; self.backlog = backlog
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(replayed, forKey: .replayed)
            try c.encode(deadLetters, forKey: .deadLetters)
            try c.encode(backlog, forKey: .backlog)  // null, not absent: scripts look for the key
        }
    }

    /// Storage health: faults of the circulation store seen so far, and alarms held in memory
    /// because the event log cannot be written.
    public struct Storage: Codable, Sendable, Equatable {
        public var faults: Int
        public var alarmsHeld: Int

        enum CodingKeys: String, CodingKey { case faults, alarmsHeld = "alarms_held" }

        public init(faults: Int, alarmsHeld: Int) { self.faults = faults; self.alarmsHeld = alarmsHeld }
    }

    /// People through the gate's beam since the daemon started, as flushed to the event log
    /// (every 10 s).
    public struct Visitors: Codable, Sendable, Equatable {
        public var entering, leaving: Int
        public init(entering: Int, leaving: Int) { self.entering = entering; self.leaving = leaving }
    }

    /// The self-checkout station's desk (role = "station").
    public struct Station: Codable, Sendable, Equatable {
        /// idle, pin, identifying, patron, working, receipt
        public var state: String
        public var sessions, checkouts, returns, renewals, refusals, cancelled, offline, unresolved, tagFixes: Int
        /// Journal entries not finished (waiting for the ILS or the reconciler).
        public var openJournal: Int
        public var padItems, padTags: Int

        enum CodingKeys: String, CodingKey {
            case state, sessions, checkouts, returns, renewals, refusals, cancelled, offline, unresolved
            case tagFixes = "tag_fixes", openJournal = "open_journal", padItems = "pad_items", padTags = "pad_tags"
        }

        public init(
            state: String, sessions: Int, checkouts: Int, returns: Int, renewals: Int, refusals: Int, cancelled: Int, offline: Int,
            unresolved: Int, tagFixes: Int, openJournal: Int, padItems: Int, padTags: Int
        ) {
            self.state = state; self.sessions = sessions; self.checkouts = checkouts; self.returns = returns
            self.renewals = renewals; self.refusals = refusals; self.cancelled = cancelled; self.offline = offline
            self.unresolved = unresolved; self.tagFixes = tagFixes; self.openJournal = openJournal
            self.padItems = padItems; self.padTags = padTags
        }
    }

    public var role: String
    public var simulated: Bool
    /// One decimal.
    public var uptimeSeconds: Double
    public var readers: [Reader]
    public var reads, items, alarms, undecodable, drops: Int
    /// nil: no circulation store (judging by the tags alone).
    public var cache: Cache?
    /// nil: no `[sip2] server`.
    public var sync: Sync?
    /// nil only in reports from daemons older than this field.
    public var storage: Storage?
    /// Stations only; null for a gate.
    public var station: Station?
    /// Gates only; null for a station, absent from daemons older than the field.
    public var visitors: Visitors?

    enum CodingKeys: String, CodingKey {
        case role, simulated, readers, reads, items, alarms, undecodable, drops, cache, sync, storage, station, visitors
        case uptimeSeconds = "uptime_s"
    }

    public init(
        role: String, simulated: Bool, uptimeSeconds: Double, readers: [Reader], reads: Int, items: Int, alarms: Int,
        undecodable: Int, drops: Int, cache: Cache?, sync: Sync?, storage: Storage? = nil, station: Station? = nil,
        visitors: Visitors? = nil
    ) {
        self.station = station
        self.visitors = visitors
        self.role = role; self.simulated = simulated; self.uptimeSeconds = uptimeSeconds; self.readers = readers
        self.reads = reads; self.items = items; self.alarms = alarms; self.undecodable = undecodable; self.drops = drops
        self.cache = cache; self.sync = sync; self.storage = storage
    }

    /// `cache` and `sync` are written as null when absent (the report always has every key).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(role, forKey: .role)
        try c.encode(simulated, forKey: .simulated)
        try c.encode(uptimeSeconds, forKey: .uptimeSeconds)
        try c.encode(readers, forKey: .readers)
        try c.encode(reads, forKey: .reads)
        try c.encode(items, forKey: .items)
        try c.encode(alarms, forKey: .alarms)
        try c.encode(undecodable, forKey: .undecodable)
        try c.encode(drops, forKey: .drops)
        try c.encode(cache, forKey: .cache)
        try c.encode(sync, forKey: .sync)
        try c.encode(storage, forKey: .storage)
        try c.encode(station, forKey: .station)
        try c.encode(visitors, forKey: .visitors)
    }
}
