import Circulation
import Gate
import Logging
import Readers
import ServiceLifecycle
import Synchronization
import Threads

/// Follows changes other processes make to the circulation store (`rfidgatectl cache set`,
/// `hot add`, a finished import) and applies them to the running gate's index. Runs on its own
/// thread: rebuilding the index after an import reads the whole `gate_keys` table (seconds for
/// millions of items), which must not occupy the two-thread cooperative pool.
public struct CacheWatchService: Service {
    let runtime: GateRuntime
    let logger: Logger

    public init(runtime: GateRuntime, logger: Logger) {
        self.runtime = runtime
        self.logger = logger
    }

    public func run() async throws {
        // A store that failed to open at start is re-opened by the status loop; follow it then.
        guard let cache = await runtime.store.awaitStore() else { return }
        let stop = Atomic<Bool>(false)
        let every = UInt64(runtime.config.cache.watchMillis) * 1_000_000
        let log = logger
        let thread = OSThread(name: "cache-watch") {
            var failing = false
            while !stop.load(ordering: .acquiring) {
                var left = every
                while left > 0 && !stop.load(ordering: .relaxed) {
                    let slice = min(left, 50_000_000)
                    sleepNanos(slice)
                    left -= slice
                }
                do {
                    switch try cache.follow() {
                    case .nothing: break
                    case .changes(let n): log.info("circulation cache: \(n) change(s) applied to the gate")
                    case .reloaded(let n): log.notice("circulation cache reloaded after an import: \(n) entries")
                    }
                    failing = false
                } catch {
                    if !failing { log.error("circulation cache: cannot follow changes: \(error)") }
                    failing = true
                }
            }
        }
        try? await gracefulShutdown()
        stop.store(true, ordering: .releasing)
        thread.join()
    }
}
