import Circulation
import Logging
import ServiceLifecycle
import Synchronization

/// The daemon's circulation store, which may be missing for a while.
///
/// A store that cannot be opened at start (a failing or full disk, a migration cut short by an
/// I/O error) does not stop the gate: it judges by the tags, holds its alarms in memory, and
/// the status loop calls `retryIfDue` until the store opens; then the index is loaded from it,
/// the held alarms are written and the services waiting in `awaitStore` start. Every storage
/// fault on the way (failed opens and failed statements) is counted for the summary and the
/// status report.
final class StoreSlot: @unchecked Sendable {
    private let lock = Mutex(())
    private var current: CirculationCache?
    private var nextAttemptNanos: UInt64 = 0
    private var failedOpens = 0
    private let open: () throws -> CirculationCache
    private let logger: Logger
    /// Alarms the event recorder holds in memory because the event log cannot be written.
    let alarmsHeld = Atomic<Int>(0)
    /// How long to wait between attempts to open a store that failed.
    static let retryNanos: UInt64 = 2_000_000_000

    /// `open` opens the store and loads the index from it; the first attempt happens here.
    init(nowNanos: UInt64, logger: Logger, open: @escaping () throws -> CirculationCache) {
        self.open = open
        self.logger = logger
        do {
            current = try open()
        } catch {
            failedOpens = 1
            nextAttemptNanos = nowNanos &+ Self.retryNanos
            logger.error(
                "circulation store unavailable: judging by the tags alone, holding alarms in memory, retrying every \(Self.retryNanos / 1_000_000_000) s: \(error)"
            )
        }
    }

    var cache: CirculationCache? { lock.withLock { _ in current } }

    /// Failed opens plus failed statements of the open store.
    var faults: Int { lock.withLock { _ in failedOpens + (current?.store.faultCount ?? 0) } }

    /// Tries to open the store when it is missing and the retry time has come. Returns the
    /// store (nil while it stays missing). Called from one task (the status loop).
    @discardableResult
    func retryIfDue(nowNanos: UInt64) -> CirculationCache? {
        let due: Bool = lock.withLock { _ in current == nil && nowNanos >= nextAttemptNanos }
        guard due else { return cache }
        do {
            let opened = try open()
            lock.withLock { _ in current = opened }
            logger.notice("circulation store open again after \(failedOpens) failed attempt(s): the index is loaded from it")
            return opened
        } catch {
            lock.withLock { _ in
                failedOpens += 1
                nextAttemptNanos = nowNanos &+ Self.retryNanos
            }
            return nil
        }
    }

    /// Waits until the store is open; nil when the daemon stops first.
    func awaitStore() async -> CirculationCache? {
        while true {
            if let c = cache { return c }
            if Task.isCancelled || Task.isShuttingDownGracefully { return nil }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }
}
