import Gate
import ReaderHub

/// `[[readers]]`: one table per reader, with its digital inputs and outputs.
enum ReadersSection: ConfigSection {
    static let key = "readers"

    static func read(from root: TableReader, into c: inout GateConfig) throws(ConfigError) {
        let source = root.source
        guard let readers = root.table[key] else { return }
        guard let array = readers.array else { throw ConfigError("\(source): readers must be an array of tables ([[readers]])") }
        c.readers = []
        for (i, value) in array.enumerated() {
            guard let t = value.table else { throw ConfigError("\(source): readers[\(i)] must be a table") }
            let rr = TableReader(table: t, path: "readers[\(i)].", source: source)
            try rr.allowOnly([
                "id", "driver", "antennas", "memory_bytes", "response_timeout_ms", "usb_serial", "usb_port", "host", "port",
                "alarm_outputs", "beam_inputs", "beam_poll_ms", "beam_direction", "beam_inverted",
            ])
            var reader = GateConfig.Reader(id: try rr.string("id") ?? "reader-\(i + 1)")
            if let d = try rr.string("driver") {
                guard let driver = GateConfig.Reader.Driver(rawValue: d) else {
                    throw ConfigError(
                        "\(source): readers[\(i)].driver \"\(d)\" is not supported in this build; supported: \(GateConfig.Reader.Driver.allCases.map(\.rawValue))"
                    )
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

    /// A reader's `alarm_outputs` and `beam_*` keys (checked against the driver by `validate`).
    static func readDigitalIO(_ rr: TableReader, into reader: inout GateConfig.Reader, source: String) throws(ConfigError) {
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
}
