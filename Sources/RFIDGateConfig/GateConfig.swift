import Gate
import ISO28560
import ReaderHub
import TagRing

/// The daemon's whole configuration: one TOML file, every key documented in docs/technician.md.
/// `GateConfig()` is the embedded default: a simulated gate with one emulated FEIG reader.
public struct GateConfig: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable { case gate, station }

    /// One `[[readers]]` entry: role-agnostic, so it lives with the hub that builds it.
    public typealias Reader = ReaderSpec

    public var role: Role = .gate
    public var readers: [Reader] = [Reader(id: "gate-1")]
    public var ringCapacity = TagRing.defaultCapacity
    public var pipeline = PipelineSettings()
    public var policy = GatePolicy()
    public var simulation = SimulationSettings()
    public var statusIntervalMillis = 1000
    /// `[status] socket`: where `rfidgatectl status` reaches the daemon; nil = `ControlSocketPath`'s default.
    public var statusSocket: String? = nil
    /// The group whose members may read the status socket (and nothing else: not the config,
    /// not the devices, not the store). The daemon's user must be a member to hand the socket
    /// over (the unit's SupplementaryGroups=); when the group does not exist the socket keeps
    /// the daemon's own group.
    public var statusGroup = "rfidgate-status"
    /// `[cache]`: where the circulation store lives and how often to follow other processes' changes.
    public var cache = CacheSettings()
    /// `[policy] alarm_hold_ms`: alarm outputs stay on this long after the last alarm.
    public var alarmHoldMillis = 3000
    /// `[policy] alarm_command`: run once per alarm (see `AlarmCommand`); nil = none.
    public var alarmCommand: String? = nil
    /// Where alarms switch a light or buzzer besides the log (`[alarm_output]`).
    public var alarmOutput: AlarmOutput? = nil

    /// `[alarm_output]`: a USB relay board, built by the hub's factory beside the readers.
    public typealias AlarmOutput = RelaySpec

    public var sip2 = SIP2Settings()
    /// `[station]`: used when `role = "station"`.
    public var station = StationConfig()
    /// `[kiosk]`: the local screens' server.
    public var kiosk = KioskConfig()

    public init() {}

    /// The embedded station: one simulated pad reader, the simulated ILS (unless `[sip2]`
    /// names a server), simulated patrons.
    public static func embeddedStation() -> GateConfig {
        var c = GateConfig()
        c.role = .station
        c.readers = [Reader(id: "pad-1")]
        return c
    }

    /// Checks cross-key rules; throws a message naming the key to fix.
    public func validate() throws(ConfigError) {
        try station.validate()
        if readers.isEmpty { throw ConfigError("[[readers]]: at least one reader is needed") }
        var ids = Set<String>()
        for r in readers {
            if r.id.isEmpty { throw ConfigError("[[readers]] id must not be empty") }
            if !ids.insert(r.id).inserted { throw ConfigError("[[readers]] id \"\(r.id)\" is used twice") }
            if r.antennas.contains(where: { $0 == 0 || $0 > 8 }) { throw ConfigError("reader \(r.id): antennas are numbered 1...8") }
            if !(4...64).contains(r.memoryBytes) { throw ConfigError("reader \(r.id): memory_bytes must be 4...64") }
            if r.responseTimeoutMillis < 10 { throw ConfigError("reader \(r.id): response_timeout_ms must be at least 10") }
            if r.driver.isTCP {
                if (r.host ?? "").isEmpty {
                    throw ConfigError("reader \(r.id): driver \"\(r.driver.rawValue)\" needs host = \"address of the reader\"")
                }
                if let p = r.port, !(1...65535).contains(p) { throw ConfigError("reader \(r.id): port must be 1...65535") }
            } else if r.host != nil || r.port != nil {
                throw ConfigError("reader \(r.id): host and port are for drivers \"feig-tcp\" and \"llrp\" only")
            }
            if r.driver != .feigUSB && (r.usbSerial != nil || r.usbPort != nil) {
                throw ConfigError("reader \(r.id): usb_serial and usb_port are for driver \"feig-usb\" only")
            }
            try Self.validateDigitalIO(r)
        }
        if ringCapacity < 16 || ringCapacity > 1 << 20 { throw ConfigError("[pipeline] ring_capacity must be 16...1048576") }
        if pipeline.passageGapNanos <= pipeline.dedupeWindowNanos {
            throw ConfigError("[pipeline] passage_gap_ms must be longer than dedupe_window_ms")
        }
        let s = simulation
        if s.population < 10 { throw ConfigError("[simulation] population must be at least 10") }
        if !(0.05...0.95).contains(s.onLoanFraction) { throw ConfigError("[simulation] on_loan_fraction must be 0.05...0.95") }
        if !(0...1).contains(s.forgetfulFraction) { throw ConfigError("[simulation] forgetful_fraction must be 0...1") }
        if !(0...1).contains(s.part3Fraction) { throw ConfigError("[simulation] part3_fraction must be 0...1") }
        if s.patronsPerMinute <= 0 || s.patronsPerMinute > 6000 { throw ConfigError("[simulation] patrons_per_minute must be 0...6000") }
        if s.maxItemsPerPatron < 0 || s.maxItemsPerPatron > 50 { throw ConfigError("[simulation] max_items_per_patron must be 0...50") }
        if s.dwellMillis < 50 { throw ConfigError("[simulation] dwell_ms must be at least 50") }
        if let a = alarmOutput {
            if a.relays.isEmpty || a.relays.contains(where: { $0 == 0 || $0 > 8 }) {
                throw ConfigError("[alarm_output] relays are numbered 1...8 (at least one)")
            }
            if a.pulseMillis < 100 || a.pulseMillis > 60_000 { throw ConfigError("[alarm_output] pulse_ms must be 100...60000") }
        }
        if statusIntervalMillis < 100 { throw ConfigError("[status] interval_ms must be at least 100") }
        if cache.watchMillis < 100 { throw ConfigError("[cache] watch_ms must be at least 100") }
        if let p = cache.path, p.isEmpty { throw ConfigError("[cache] path must not be empty (leave it out for the default)") }
        if !(0...600_000).contains(alarmHoldMillis) { throw ConfigError("[policy] alarm_hold_ms must be 0...600000") }
        if let c = alarmCommand, c.isEmpty { throw ConfigError("[policy] alarm_command must not be empty (leave it out for none)") }
        if s.hotItems < 0 || s.hotItems > s.population { throw ConfigError("[simulation] hot_items must be 0...population") }
        if s.foreignItems < 0 || s.foreignItems > 1_000_000 { throw ConfigError("[simulation] foreign_items must be 0...1000000") }
        if !(0...1).contains(s.foreignCarryFraction) { throw ConfigError("[simulation] foreign_carry_fraction must be 0...1") }
    }
}

extension GateConfig {
    /// `alarm_outputs` and `beam_*` of one reader.
    static func validateDigitalIO(_ r: Reader) throws(ConfigError) {
        guard !r.alarmOutputs.isEmpty || r.beam != nil else { return }
        if !r.driver.hasDigitalIO {
            throw ConfigError(
                "reader \(r.id): driver \"\(r.driver.rawValue)\" has no digital outputs or inputs in RFIDGate: remove alarm_outputs and beam_* (they are for the FEIG drivers); for a light use [alarm_output]"
            )
        }
        if r.alarmOutputs.contains(where: { $0 == 0 || $0 > 8 }) { throw ConfigError("reader \(r.id): alarm_outputs are numbered 1...8") }
        guard let b = r.beam else { return }
        if b.inputs.isEmpty || b.inputs.count > 2 || Set(b.inputs).count != b.inputs.count {
            throw ConfigError(
                "reader \(r.id): beam_inputs must be one input (a single beam) or two different ones ([A, B], A on the library side)")
        }
        if b.inputs.contains(where: { $0 == 0 || $0 > 8 }) { throw ConfigError("reader \(r.id): beam_inputs are numbered 1...8") }
        if !(20_000_000...1_000_000_000).contains(b.pollNanos) { throw ConfigError("reader \(r.id): beam_poll_ms must be 20...1000") }
        if b.inputs.count == 1 && b.direction == nil {
            throw ConfigError("reader \(r.id): a single beam cannot tell the direction: set beam_direction = \"entering\" or \"leaving\"")
        }
        if b.inputs.count == 2 && b.direction != nil {
            throw ConfigError("reader \(r.id): beam_direction is for a single beam; two beams tell the direction by their order")
        }
    }
}

/// `[cache]`.
public struct CacheSettings: Sendable, Equatable {
    /// The SQLite file; nil = the default (see `StatePaths`).
    public var path: String? = nil
    /// How often a running daemon looks for changes made by `rfidgatectl` (ms).
    public var watchMillis = 1000
    public init() {}
}

public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
