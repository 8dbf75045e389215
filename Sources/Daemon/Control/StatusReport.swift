import Gate
import ISO28560

/// What `rfidgatectl status` shows: one JSON object describing the running daemon (readers with
/// their wire, state and counters, gate totals, cache, sync). Built on demand from the same
/// counters the status line uses; no patron data in it.
enum StatusReport {
    static func json(_ runtime: GateRuntime, sync: SyncCounters) -> String {
        let s = runtime.snapshot()
        var readers: [String] = []
        for (i, r) in runtime.runners.enumerated() {
            let c = runtime.config.readers[i]
            let st = r.reader.stats
            readers.append(JSONText.object([
                ("id", JSONText.string(r.name)), ("driver", JSONText.string(c.driver.rawValue)),
                ("wire", JSONText.string(r.reader.label)), ("state", JSONText.string(stateName(r.state))),
                ("antennas", "[" + c.antennas.map { a in
                    JSONText.object([("antenna", "\(a)"), ("reads", "\(r.antennas.reads(antenna: a))")])
                }.joined(separator: ",") + "]"),
                ("cycles", "\(r.cycles)"), ("reads", "\(st.reads.load(ordering: .relaxed))"),
                ("timeouts", "\(st.timeouts.load(ordering: .relaxed))"),
                ("protocol_errors", "\(st.protocolErrors.load(ordering: .relaxed))"),
                ("disconnects", "\(st.disconnects.load(ordering: .relaxed))"),
                ("ring_fill", format(r.ring.fill, 3)), ("ring_high_water", "\(r.ring.highWater)"), ("drops", "\(r.ring.dropped)"),
            ]))
        }
        let cache: String
        if let store = runtime.cache?.store {
            cache = JSONText.object([("path", JSONText.string(store.path)), ("entries", "\(runtime.index.count)")])
        } else {
            cache = "null"
        }
        let syncJSON = sync.enabled
            ? JSONText.object([("replayed", "\(sync.replayed)"), ("dead_letters", "\(sync.deadLettered)"),
                               ("backlog", sync.backlog < 0 ? "null" : "\(sync.backlog)")])
            : "null"
        return JSONText.object([
            ("role", JSONText.string(runtime.config.role.rawValue)),
            ("simulated", runtime.simulation != nil ? "true" : "false"),
            ("uptime_s", format(Double(s.nanos) / 1e9, 1)),
            ("readers", "[" + readers.joined(separator: ",") + "]"),
            ("reads", "\(s.reads)"), ("items", "\(s.items)"), ("alarms", "\(s.alarms)"),
            ("undecodable", "\(s.undecodable)"), ("drops", "\(s.drops)"),
            ("cache", cache), ("sync", syncJSON),
        ])
    }

    static func stateName(_ s: ReaderRunner.State) -> String {
        switch s {
        case .starting: "starting"
        case .reading: "reading"
        case .failing: "failing"
        case .stopped: "stopped"
        }
    }
}

/// Just enough JSON writing for the daemon's reports (Foundation's encoder would pull ICU in).
enum JSONText {
    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    static func string(_ s: String) -> String {
        var out = ""
        JSONValue.writeString(s, to: &out)
        return out
    }
}
