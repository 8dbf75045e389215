import Gate

/// `[pipeline]`: the ring and the dedupe/passage windows.
enum PipelineSection: ConfigSection {
    static let key = "pipeline"

    static func read(from root: TableReader, into c: inout GateConfig) throws(ConfigError) {
        guard let p = try root.subtable(key) else { return }
        try p.allowOnly(["ring_capacity", "dedupe_window_ms", "passage_gap_ms", "batch_size", "tracked_tags"])
        if let v = try p.int("ring_capacity") { c.ringCapacity = v }
        if let v = try p.int("dedupe_window_ms") { c.pipeline.dedupeWindowNanos = UInt64(max(0, v)) * 1_000_000 }
        if let v = try p.int("passage_gap_ms") { c.pipeline.passageGapNanos = UInt64(max(0, v)) * 1_000_000 }
        if let v = try p.int("batch_size") { c.pipeline.batchSize = max(1, v) }
        if let v = try p.int("tracked_tags") { c.pipeline.trackedTags = max(16, v) }
    }
}

/// `[cache]`: the circulation store's file and how often to follow other writers.
enum CacheSection: ConfigSection {
    static let key = "cache"

    static func read(from root: TableReader, into c: inout GateConfig) throws(ConfigError) {
        guard let k = try root.subtable(key) else { return }
        try k.allowOnly(["path", "watch_ms"])
        if let v = try k.string("path") { c.cache.path = v }
        if let v = try k.int("watch_ms") { c.cache.watchMillis = v }
    }
}

/// `[simulation]`: the simulated gate's collection and patrons.
enum SimulationSection: ConfigSection {
    static let key = "simulation"

    static func read(from root: TableReader, into c: inout GateConfig) throws(ConfigError) {
        guard let s = try root.subtable(key) else { return }
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
}

/// `[alarm_output]`: a relay board switched on alarms.
enum AlarmOutputSection: ConfigSection {
    static let key = "alarm_output"

    static func read(from root: TableReader, into c: inout GateConfig) throws(ConfigError) {
        guard let a = try root.subtable(key) else { return }
        try a.allowOnly(["kind", "relays", "pulse_ms", "usb_serial", "usb_port"])
        var out = GateConfig.AlarmOutput()
        if let k = try a.string("kind") {
            guard let kind = GateConfig.AlarmOutput.Kind(rawValue: k) else {
                throw ConfigError(
                    "\(root.source): alarm_output.kind \"\(k)\" is not supported; supported: \(GateConfig.AlarmOutput.Kind.allCases.map(\.rawValue))"
                )
            }
            out.kind = kind
        }
        if let v = try a.intArray("relays") { out.relays = v.map { UInt8(clamping: $0) } }
        if let v = try a.int("pulse_ms") { out.pulseMillis = v }
        out.usbSerial = try a.string("usb_serial")
        out.usbPort = try a.string("usb_port")
        c.alarmOutput = out
    }
}

/// `[status]`: the status line's interval and the control socket.
enum StatusSection: ConfigSection {
    static let key = "status"

    static func read(from root: TableReader, into c: inout GateConfig) throws(ConfigError) {
        guard let s = try root.subtable(key) else { return }
        try s.allowOnly(["interval_ms", "socket", "group"])
        if let v = try s.int("interval_ms") { c.statusIntervalMillis = v }
        if let v = try s.string("socket") {
            guard v.hasPrefix("/"), v.utf8.count < 108 else {
                throw ConfigError("\(root.source): status.socket must be an absolute path shorter than 108 bytes")
            }
            c.statusSocket = v
        }
        if let v = try s.string("group") {
            guard !v.isEmpty, v.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }) else {
                throw ConfigError("\(root.source): status.group must be a group name")
            }
            c.statusGroup = v
        }
    }
}

/// `[sip2]` and `[sip2.offline]` (parsed by `SIP2Settings.parse`).
enum SIP2Section: ConfigSection {
    static let key = "sip2"

    static func read(from root: TableReader, into c: inout GateConfig) throws(ConfigError) {
        if let s = try root.subtable(key) { c.sip2 = try SIP2Settings.parse(s, source: root.source) }
    }
}
