import ControlProtocol
import Gate
import ReaderHub

extension StatusReport {
    /// The report for `rfidgatectl status`, built on demand from the same counters the status
    /// line uses.
    init(_ runtime: GateRuntime, sync: SyncCounters) {
        let s = runtime.snapshot()
        self.init(
            role: runtime.config.role.rawValue, simulated: runtime.simulation != nil,
            uptimeSeconds: rounded(Double(s.nanos) / 1e9, 1), readers: Self.readers(runtime.runners, runtime.config.readers),
            reads: s.reads, items: s.items, alarms: s.alarms, undecodable: s.undecodable, drops: s.drops,
            cache: runtime.cache.map { Cache(path: $0.store.path, entries: runtime.index.count) },
            sync: sync.enabled
                ? Sync(replayed: sync.replayed, deadLetters: sync.deadLettered, backlog: sync.backlog < 0 ? nil : sync.backlog)
                : nil,
            storage: Storage(faults: runtime.store.faults, alarmsHeld: runtime.store.alarmsHeld.load(ordering: .relaxed)),
            visitors: Visitors(
                entering: runtime.visitorsCounted.entering.load(ordering: .relaxed),
                leaving: runtime.visitorsCounted.leaving.load(ordering: .relaxed)))
    }

    /// Every reader of a hub, for either role.
    static func readers(_ runners: [ReaderRunner], _ specs: [ReaderSpec]) -> [Reader] {
        zip(runners, specs).map { r, c in
            let st = r.reader.stats
            return Reader(
                id: r.name, driver: c.driver.rawValue, wire: r.reader.label, state: Self.stateName(r.state),
                antennas: c.antennas.map { a in Antenna(antenna: Int(a), reads: r.antennas.reads(antenna: a)) },
                cycles: r.cycles, reads: st.reads.load(ordering: .relaxed), timeouts: st.timeouts.load(ordering: .relaxed),
                protocolErrors: st.protocolErrors.load(ordering: .relaxed), disconnects: st.disconnects.load(ordering: .relaxed),
                ringFill: rounded(r.ring.fill, 3), ringHighWater: r.ring.highWater, drops: Int(r.ring.dropped))
        }
    }

    static func stateName(_ s: ReaderRunner.State) -> String {
        switch s {
        case .starting: "starting"
        case .reading: "reading"
        case .failing: "failing"
        case .stopped: "stopped"
        }
    }

    /// One line for the socket; a report that cannot be encoded (it always can) is an empty object.
    static func line(_ runtime: GateRuntime, sync: SyncCounters) -> String {
        ((try? JSONWire.encode(StatusReport(runtime, sync: sync))) ?? "{}") + "\n"
    }
}
