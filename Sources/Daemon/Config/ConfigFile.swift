import Gate
import ISO28560
import TOMLKit

/// Reads `GateConfig` from TOML. Unknown keys are errors, not silently ignored: a misspelt key
/// on a gate would otherwise run for months with a default nobody chose.
public enum ConfigFile {
    public static func parse(_ text: String, source: String = "config") throws(ConfigError) -> GateConfig {
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch {
            throw ConfigError("\(source): not valid TOML: \(error)")
        }
        var c = GateConfig()
        var r = TableReader(table: table, path: "", source: source)
        try r.allowOnly(["role", "readers", "pipeline", "policy", "simulation", "status", "cache", "alarm_output", "sip2"])
        if let role = try r.string("role") {
            guard let v = GateConfig.Role(rawValue: role) else {
                throw ConfigError("\(source): role must be one of \(GateConfig.Role.allCases.map(\.rawValue)), not \"\(role)\"")
            }
            c.role = v
        }
        if let readers = table["readers"] {
            guard let array = readers.array else { throw ConfigError("\(source): readers must be an array of tables ([[readers]])") }
            c.readers = []
            for (i, value) in array.enumerated() {
                guard let t = value.table else { throw ConfigError("\(source): readers[\(i)] must be a table") }
                var rr = TableReader(table: t, path: "readers[\(i)].", source: source)
                try rr.allowOnly([
                    "id", "driver", "antennas", "memory_bytes", "response_timeout_ms", "usb_serial", "usb_port", "host", "port",
                    "alarm_outputs", "beam_inputs", "beam_poll_ms", "beam_direction", "beam_inverted",
                ])
                var reader = GateConfig.Reader(id: try rr.string("id") ?? "reader-\(i + 1)")
                if let d = try rr.string("driver") {
                    guard let driver = GateConfig.Reader.Driver(rawValue: d) else {
                        throw ConfigError("\(source): readers[\(i)].driver \"\(d)\" is not supported in this build; supported: \(GateConfig.Reader.Driver.allCases.map(\.rawValue))")
                    }
                    reader.driver = driver
                }
                if let a = try rr.intArray("antennas") { reader.antennas = a.map { UInt8(clamping: $0) } }
                if let m = try rr.int("memory_bytes") { reader.memoryBytes = m }
                if let t = try rr.int("response_timeout_ms") { reader.responseTimeoutMillis = t }
                reader.usbSerial = try rr.string("usb_serial")
                reader.usbPort = try rr.string("usb_port")
                reader.host = try rr.string("host")
                reader.port = try rr.int("port")
                try readDigitalIO(rr, into: &reader, source: source)
                c.readers.append(reader)
            }
        }
        if var p = try r.subtable("pipeline") {
            try p.allowOnly(["ring_capacity", "dedupe_window_ms", "passage_gap_ms", "batch_size", "tracked_tags"])
            if let v = try p.int("ring_capacity") { c.ringCapacity = v }
            if let v = try p.int("dedupe_window_ms") { c.pipeline.dedupeWindowNanos = UInt64(max(0, v)) * 1_000_000 }
            if let v = try p.int("passage_gap_ms") { c.pipeline.passageGapNanos = UInt64(max(0, v)) * 1_000_000 }
            if let v = try p.int("batch_size") { c.pipeline.batchSize = max(1, v) }
            if let v = try p.int("tracked_tags") { c.pipeline.trackedTags = max(16, v) }
        }
        if var p = try r.subtable("policy") {
            try p.allowOnly([
                "afi_profile", "alarm_on_unknown_security", "alarm_on_undecodable", "rule", "own_isils", "consortium_isils",
                "consortium_items", "foreign_items", "alarm_hold_ms", "alarm_command",
            ])
            if let name = try p.string("afi_profile") {
                guard let profile = AFIProfile(name: name) else { throw ConfigError("\(source): policy.afi_profile \"\(name)\" is unknown") }
                c.policy.afiProfile = profile
            }
            if let v = try p.bool("alarm_on_unknown_security") { c.policy.alarmOnUnknownSecurity = v }
            if let v = try p.bool("alarm_on_undecodable") { c.policy.alarmOnUndecodable = v }
            try readPolicyExtensions(&p, into: &c, source: source)
        }
        if var k = try r.subtable("cache") {
            try k.allowOnly(["path", "watch_ms"])
            if let v = try k.string("path") { c.cache.path = v }
            if let v = try k.int("watch_ms") { c.cache.watchMillis = v }
        }
        if var s = try r.subtable("simulation") {
            try s.allowOnly([
                "population", "on_loan_fraction", "patrons_per_minute", "max_items_per_patron",
                "forgetful_fraction", "dwell_ms", "part3_fraction", "owner_isil", "seed",
                "hot_items", "foreign_items", "foreign_isil", "foreign_carry_fraction",
            ])
            if let v = try s.int("population") { c.simulation.population = v }
            if let v = try s.double("on_loan_fraction") { c.simulation.onLoanFraction = v }
            if let v = try s.double("patrons_per_minute") { c.simulation.patronsPerMinute = v }
            if let v = try s.int("max_items_per_patron") { c.simulation.maxItemsPerPatron = v }
            if let v = try s.double("forgetful_fraction") { c.simulation.forgetfulFraction = v }
            if let v = try s.int("dwell_ms") { c.simulation.dwellMillis = v }
            if let v = try s.double("part3_fraction") { c.simulation.part3Fraction = v }
            if let v = try s.string("owner_isil") { c.simulation.ownerISIL = v }
            if let v = try s.int("seed") { c.simulation.seed = UInt64(truncatingIfNeeded: v) }
            if let v = try s.int("hot_items") { c.simulation.hotItems = v }
            if let v = try s.int("foreign_items") { c.simulation.foreignItems = v }
            if let v = try s.string("foreign_isil") { c.simulation.foreignISIL = v }
            if let v = try s.double("foreign_carry_fraction") { c.simulation.foreignCarryFraction = v }
        }
        if var a = try r.subtable("alarm_output") {
            try a.allowOnly(["kind", "relays", "pulse_ms", "usb_serial", "usb_port"])
            var out = GateConfig.AlarmOutput()
            if let k = try a.string("kind") {
                guard let kind = GateConfig.AlarmOutput.Kind(rawValue: k) else {
                    throw ConfigError("\(source): alarm_output.kind \"\(k)\" is not supported; supported: \(GateConfig.AlarmOutput.Kind.allCases.map(\.rawValue))")
                }
                out.kind = kind
            }
            if let v = try a.intArray("relays") { out.relays = v.map { UInt8(clamping: $0) } }
            if let v = try a.int("pulse_ms") { out.pulseMillis = v }
            out.usbSerial = try a.string("usb_serial")
            out.usbPort = try a.string("usb_port")
            c.alarmOutput = out
        }
        if var s = try r.subtable("status") {
            try s.allowOnly(["interval_ms", "socket"])
            if let v = try s.int("interval_ms") { c.statusIntervalMillis = v }
            if let v = try s.string("socket") {
                guard v.hasPrefix("/"), v.utf8.count < 108 else { throw ConfigError("\(source): status.socket must be an absolute path shorter than 108 bytes") }
                c.statusSocket = v
            }
        }
        if let s = try r.subtable("sip2") { c.sip2 = try SIP2Settings.parse(s, source: source) }
        try c.validate()
        return c
    }
}

/// A reader's `alarm_outputs` and `beam_*` keys (checked against the driver by `validate`).
private func readDigitalIO(_ rr: TableReader, into reader: inout GateConfig.Reader, source: String) throws(ConfigError) {
    if let v = try rr.intArray("alarm_outputs") { reader.alarmOutputs = v.map { UInt8(clamping: $0) } }
    let poll = try rr.int("beam_poll_ms"), inverted = try rr.bool("beam_inverted")
    var direction: VisitorBeam.Direction? = nil
    if let d = try rr.string("beam_direction") {
        switch d {
        case "entering": direction = .entering
        case "leaving": direction = .leaving
        default: throw ConfigError("\(source): \(rr.path)beam_direction must be \"entering\" or \"leaving\", not \"\(d)\"")
        }
    }
    guard let inputs = try rr.intArray("beam_inputs") else {
        if poll != nil || inverted != nil || direction != nil {
            throw ConfigError("\(source): \(rr.path)beam_poll_ms, beam_direction and beam_inverted need beam_inputs")
        }
        return
    }
    reader.beam = BeamSettings(
        inputs: inputs.map { UInt8(clamping: $0) }, pollNanos: UInt64(max(0, poll ?? 100)) * 1_000_000,
        direction: direction, inverted: inverted ?? false)
}

/// Typed access to one TOML table with errors that name the full key.
struct TableReader {
    let table: TOMLTable
    let path: String
    let source: String

    func allowOnly(_ keys: Set<String>) throws(ConfigError) {
        for key in table.keys where !keys.contains(key) {
            throw ConfigError("\(source): unknown key \(path)\(key) (known here: \(keys.sorted().joined(separator: ", ")))")
        }
    }

    private func wrong(_ key: String, _ type: String) -> ConfigError {
        ConfigError("\(source): \(path)\(key) must be \(type)")
    }

    func string(_ key: String) throws(ConfigError) -> String? {
        guard let v = table[key] else { return nil }
        guard let s = v.string else { throw wrong(key, "a string") }
        return s
    }

    func int(_ key: String) throws(ConfigError) -> Int? {
        guard let v = table[key] else { return nil }
        guard let i = v.int else { throw wrong(key, "an integer") }
        return i
    }

    func double(_ key: String) throws(ConfigError) -> Double? {
        guard let v = table[key] else { return nil }
        if let d = v.double { return d }
        if let i = v.int { return Double(i) }
        throw wrong(key, "a number")
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let v = table[key] else { return nil }
        guard let b = v.bool else { throw wrong(key, "true or false") }
        return b
    }

    func intArray(_ key: String) throws(ConfigError) -> [Int]? {
        guard let v = table[key] else { return nil }
        guard let a = v.array else { throw wrong(key, "an array of integers") }
        var out: [Int] = []
        for e in a {
            guard let i = e.int else { throw wrong(key, "an array of integers") }
            out.append(i)
        }
        return out
    }

    func stringArray(_ key: String) throws(ConfigError) -> [String]? {
        guard let v = table[key] else { return nil }
        guard let a = v.array else { throw wrong(key, "an array of strings") }
        var out: [String] = []
        for e in a {
            guard let s = e.string else { throw wrong(key, "an array of strings") }
            out.append(s)
        }
        return out
    }

    func subtable(_ key: String) throws(ConfigError) -> TableReader? {
        guard let v = table[key] else { return nil }
        guard let t = v.table else { throw wrong(key, "a table ([\(key)])") }
        return TableReader(table: t, path: "\(path)\(key).", source: source)
    }
}
