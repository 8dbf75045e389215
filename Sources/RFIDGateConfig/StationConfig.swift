/// `[station]`: the self-checkout station (role = "station"). Plain values; the daemon maps
/// them onto the station's settings. Defaults make a sensible single-library station.
public struct StationConfig: Sendable, Equatable {
    public var id = "station-1"
    /// SIP2 connections the station keeps to the ILS (a stack costs one round trip per connection).
    public var sip2Connections = 3
    public var requirePIN = false
    public var idleTimeoutSeconds = 60.0
    /// "refuse" (default) or "warn": a multi-part item with parts missing from the pad.
    public var incompleteSets = "refuse"
    /// Owner ISILs this station lends for; empty = any.
    public var owners: [String] = []
    public var securedAFI = 0x07
    public var unsecuredAFI = 0xC2
    /// Also set / reset the NXP EAS bit (dp2-style sites).
    public var eas = false
    public var writeAttempts = 3
    public var liftGraceSeconds = 8.0
    /// How a patron card on the pad names the patron: "pii" or "uid".
    public var patronCard = "pii"
    /// `[station.patron_cards]`: card UID (hex) → patron id, for cards that carry no patron id.
    public var patronCardsByUID: [String: String] = [:]
    public var offlineEnabled = true
    public var offlineMaxItemsPerPatron = 5
    public var offlineMaxItemsPerSession = 3
    public var offlineGoodStandingDays = 30
    public var offlineLoanDays = 14
    /// Autopilot: a patron card with items checks them out; items alone for this long are returned.
    public var autoCheckoutWithCard = false
    public var autoReturnAfterSeconds: Double? = nil
    /// The embedded default's simulated patrons (only with the simulated ILS and pad).
    public var simulatedVisitsPerMinute = 20.0
    /// false: the embedded station's patrons stay away (the screen and its simulation panel only).
    public var simulatedPatrons = true
    public var simulationSeed: UInt64 = 28_560

    public init() {}

    func validate() throws(ConfigError) {
        if id.isEmpty || id.count > 32 || !id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
            throw ConfigError("[station] id must be 1...32 letters, digits, - or _")
        }
        if !(1...16).contains(sip2Connections) { throw ConfigError("[station] sip2_connections must be 1...16") }
        if !(5...3600).contains(idleTimeoutSeconds) { throw ConfigError("[station] idle_timeout_s must be 5...3600") }
        if !["refuse", "warn"].contains(incompleteSets) { throw ConfigError("[station] incomplete_sets must be \"refuse\" or \"warn\"") }
        if !(0...255).contains(securedAFI) || !(0...255).contains(unsecuredAFI) || securedAFI == unsecuredAFI {
            throw ConfigError("[station] secured_afi and unsecured_afi must be two different bytes (0...255)")
        }
        if !(1...10).contains(writeAttempts) { throw ConfigError("[station] write_attempts must be 1...10") }
        if !(0...120).contains(liftGraceSeconds) { throw ConfigError("[station] lift_grace_s must be 0...120") }
        if !["pii", "uid"].contains(patronCard) { throw ConfigError("[station] patron_card must be \"pii\" or \"uid\"") }
        if offlineMaxItemsPerPatron < 0 || offlineMaxItemsPerSession < 0 || offlineGoodStandingDays < 0
            || !(1...365).contains(offlineLoanDays)
        {
            throw ConfigError("[station.offline] limits must be >= 0 and loan_days 1...365")
        }
        if let r = autoReturnAfterSeconds, !(0.5...600).contains(r) {
            throw ConfigError("[station.autopilot] return_after_s must be 0.5...600")
        }
        if !(0.1...600).contains(simulatedVisitsPerMinute) { throw ConfigError("[station.simulation] visits_per_minute must be 0.1...600") }
    }
}

/// `[station]` with `[station.offline]`, `[station.autopilot]` and `[station.simulation]`.
enum StationSection: ConfigSection {
    static let key = "station"

    static func read(from root: TableReader, into c: inout GateConfig) throws(ConfigError) {
        guard let t = try root.subtable(key) else { return }
        try t.allowOnly([
            "id", "sip2_connections", "require_pin", "idle_timeout_s", "incomplete_sets", "owners", "secured_afi", "unsecured_afi",
            "eas", "write_attempts", "lift_grace_s", "patron_card", "patron_cards", "offline", "autopilot", "simulation",
        ])
        var s = c.station
        if let v = try t.string("id") { s.id = v }
        if let v = try t.int("sip2_connections") { s.sip2Connections = v }
        if let v = try t.bool("require_pin") { s.requirePIN = v }
        if let v = try t.double("idle_timeout_s") { s.idleTimeoutSeconds = v }
        if let v = try t.string("incomplete_sets") { s.incompleteSets = v }
        if let v = try t.stringArray("owners") { s.owners = v }
        if let v = try t.int("secured_afi") { s.securedAFI = v }
        if let v = try t.int("unsecured_afi") { s.unsecuredAFI = v }
        if let v = try t.bool("eas") { s.eas = v }
        if let v = try t.int("write_attempts") { s.writeAttempts = v }
        if let v = try t.double("lift_grace_s") { s.liftGraceSeconds = v }
        if let v = try t.string("patron_card") { s.patronCard = v }
        if let cards = try t.subtable("patron_cards") {
            for uid in cards.table.keys.sorted() {
                let hexDigits = uid.allSatisfy { $0.isHexDigit }
                guard hexDigits, uid.count >= 8, uid.count % 2 == 0, uid.count <= 64 else {
                    throw ConfigError(
                        "\(cards.source): [station.patron_cards] key \"\(uid)\" must be a card UID in hex (e.g. E004015012345678)")
                }
                guard let patron = try cards.string(uid), !patron.isEmpty else {
                    throw ConfigError("\(cards.source): station.patron_cards.\(uid) must be a patron id")
                }
                s.patronCardsByUID[uid.uppercased()] = patron
            }
        }
        if let o = try t.subtable("offline") {
            try o.allowOnly(["enabled", "max_items_per_patron", "max_items_per_session", "good_standing_days", "loan_days"])
            if let v = try o.bool("enabled") { s.offlineEnabled = v }
            if let v = try o.int("max_items_per_patron") { s.offlineMaxItemsPerPatron = v }
            if let v = try o.int("max_items_per_session") { s.offlineMaxItemsPerSession = v }
            if let v = try o.int("good_standing_days") { s.offlineGoodStandingDays = v }
            if let v = try o.int("loan_days") { s.offlineLoanDays = v }
        }
        if let a = try t.subtable("autopilot") {
            try a.allowOnly(["checkout_with_card", "return_after_s"])
            if let v = try a.bool("checkout_with_card") { s.autoCheckoutWithCard = v }
            if let v = try a.double("return_after_s") { s.autoReturnAfterSeconds = v }
        }
        if let m = try t.subtable("simulation") {
            try m.allowOnly(["patrons", "visits_per_minute", "seed"])
            if let v = try m.bool("patrons") { s.simulatedPatrons = v }
            if let v = try m.double("visits_per_minute") { s.simulatedVisitsPerMinute = v }
            if let v = try m.int("seed") { s.simulationSeed = UInt64(truncatingIfNeeded: v) }
        }
        c.station = s
    }
}
