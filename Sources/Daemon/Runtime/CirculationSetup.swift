import RFIDGateConfig
import Circulation
import Gate
import Logging

/// Opens the circulation store for the daemon and builds the gate's index from it.
///
/// A store that cannot be opened does not stop the gate: it runs on the tags' AFI alone
/// (an exit without an alarm is worse than one without its cache), and says so loudly.
/// The simulated gate first writes its collection (loans, hot list) into the store, as a
/// library system's import would.
func openCirculation(config: GateConfig, simulation: SimulatedGate?, index: GateIndex, logger: Logger) -> CirculationCache? {
    let path = config.cachePath
    let started = SystemClockNanos.now()
    do {
        let store = try CirculationStore(path: path, durability: .full)
        let cache = CirculationCache(store: store, index: index)
        if let simulation, try store.meta("simulation") != simulationStamp(config.simulation) {
            let collection = simulation.collection
            try cache.apply(collection.cacheUpdates(ownerISIL: config.simulation.ownerISIL), source: .simulation)
            for i in collection.hot { try cache.addHot(collection.items[i].pii, reason: "missing", note: "simulated") }
            try store.setMeta("simulation", simulationStamp(config.simulation))
        }
        let load = try cache.coldStart()
        let ms = Double(SystemClockNanos.now() - started) / 1e6
        logger.info("circulation cache ready", metadata: [
            "cache.path": "\(path)", "cache.entries": "\(load.entries)", "cache.load_ms": "\(Int(ms))",
            "cache.index_mib": "\(index.tableBytes >> 20)",
        ])
        return cache
    } catch {
        logger.error("circulation cache unavailable, judging by the tags alone and keeping no event log: \(error)")
        simulation?.collection.fill(index)
        return nil
    }
}

/// Identifies a simulated collection, so a restart with the same settings skips rewriting it.
func simulationStamp(_ s: SimulationSettings) -> Int64 {
    let text = "\(s.seed)|\(s.population)|\(s.onLoanFraction)|\(s.hotItems)|\(s.ownerISIL)|\(s.part3Fraction)"
    return Int64(bitPattern: CirculationKey.of(text))
}

/// CLOCK_MONOTONIC in nanoseconds, for timing start-up.
enum SystemClockNanos {
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
