import Circulation
import Gate
import Logging
import RFIDGateConfig
import Threads

/// Opens the circulation store for the daemon and loads the gate's index from it. The
/// simulated gate first writes its collection (loans, hot list) into the store, as a library
/// system's import would. Throws when the store cannot be opened; `StoreSlot` then keeps the
/// gate running on the tags alone and retries.
func openCirculation(config: GateConfig, simulation: SimulatedGate?, index: GateIndex, logger: Logger) throws -> CirculationCache {
    let path = config.cachePath
    let started = monotonicNanos()
    let store = try CirculationStore(path: path, durability: .full)
    let cache = CirculationCache(store: store, index: index)
    if let simulation, try store.meta("simulation") != simulationStamp(config.simulation) {
        let collection = simulation.collection
        try cache.apply(collection.cacheUpdates(ownerISIL: config.simulation.ownerISIL), source: .simulation)
        for i in collection.hot { try cache.addHot(collection.items[i].pii, reason: "missing", note: "simulated") }
        try store.setMeta("simulation", simulationStamp(config.simulation))
    }
    let load = try cache.coldStart()
    let ms = Double(monotonicNanos() - started) / 1e6
    logger.info(
        "circulation cache ready",
        metadata: [
            "cache.path": "\(path)", "cache.entries": "\(load.entries)", "cache.load_ms": "\(Int(ms))",
            "cache.index_mib": "\(index.tableBytes >> 20)",
        ])
    return cache
}

/// Identifies a simulated collection, so a restart with the same settings skips rewriting it.
func simulationStamp(_ s: SimulationSettings) -> Int64 {
    let text = "\(s.seed)|\(s.population)|\(s.onLoanFraction)|\(s.hotItems)|\(s.ownerISIL)|\(s.part3Fraction)"
    return Int64(bitPattern: CirculationKey.of(text))
}
